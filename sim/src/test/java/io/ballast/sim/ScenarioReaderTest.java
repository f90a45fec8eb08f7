package io.ballast.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.core.pick.Algorithm;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScenarioReaderTest {
  private static final String BASE = """
      duration: 10s
      clients: {rate: 100}
      backends:
        - {name: a, service: {mean: 10ms}}
        - {name: b, slots: 4, service: {mean: 10ms}}
      """;

  private static Scenario parse(String yaml) {
    return ScenarioReader.parse(yaml, "bad.yaml", FeatureRegistry.defaults());
  }

  @Test
  void readsEveryPart() {
    Scenario s = parse("""
        name: all
        seed: 99
        duration: 1m
        warmup: 5s
        bucket: 500ms
        clients:
          rate:
            daily: {min: 10, max: 100, period: 60s}
            bursts: [{at: 10s, for: 2s, rps: 500}]
          timeout: 1.5s
        backends:
          - name: a
            weight: 3
            slots: 8
            queue: 50
            service: {distribution: lognormal, mean: 20ms, p99: 100ms}
            errors: {rate: 0.1, latency: 2ms, status: 502}
            timeline:
              - {at: 10s, slowdown: 5}
              - {at: 20s, alive: false}
              - {at: 30s, alive: true, slots: 4, error_rate: 0}
        health_checks: {interval: 1s, rise: 3, fall: 2, panic_threshold: 0, slow_start: 10s}
        retries: {max_attempts: 2, per_try_timeout: 200ms, statuses: [503], budget: false}
        algorithms: [round-robin]
        variants:
          - name: p2c-3
            algorithm: least-request
            options: {choices: 3}
            weights: {a: 2}
            outlier_detection: true
            circuit_breaker: {window: 50}
        """);
    assertThat(s.name()).isEqualTo("all");
    assertThat(s.seed()).isEqualTo(99);
    assertThat(s.duration()).isEqualTo(Duration.ofMinutes(1));
    assertThat(s.bucket()).isEqualTo(Duration.ofMillis(500));
    assertThat(s.clients().timeout()).isEqualTo(Duration.ofMillis(1500));
    assertThat(s.clients().rate().rateAt(Duration.ofSeconds(11).toNanos())).isEqualTo(500);
    assertThat(s.clients().rate().rateAt(Duration.ofSeconds(30).toNanos())).isEqualTo(100);
    BackendSpec a = s.backends().get(0);
    assertThat(a.weight()).isEqualTo(3);
    assertThat(a.service()).isInstanceOf(ServiceTime.LogNormal.class);
    assertThat(a.errorStatus()).isEqualTo(502);
    assertThat(a.timeline()).hasSize(3);
    assertThat(a.timeline().get(2).slots()).isEqualTo(4);
    assertThat(s.healthChecks().rise()).isEqualTo(3);
    assertThat(s.retries().maxAttempts()).isEqualTo(2);
    assertThat(s.retries().budget().enabled()).isFalse();
    assertThat(s.variants()).extracting(VariantSpec::name).containsExactly("round-robin", "p2c-3", "oracle");
    VariantSpec v = s.variants().get(1);
    assertThat(v.algorithm()).isEqualTo(Algorithm.LEAST_REQUEST);
    assertThat(v.options().choices()).isEqualTo(3);
    assertThat(v.weights()).isEqualTo(Map.of("a", 2));
    assertThat(v.features()).containsOnlyKeys("outlier_detection", "circuit_breaker");
  }

  @Test
  void anUnknownAlgorithmNamesTheFieldAndLine() {
    assertThatThrownBy(() -> parse(BASE + "algorithms: [round-robin, fastest]\n"))
        .isInstanceOf(ScenarioException.class)
        .hasMessageStartingWith("bad.yaml:6:")
        .hasMessageContaining("algorithms[1]: 'fastest' (expected one of: round-robin,");
  }

  @Test
  void aBadValueNamesTheFieldAndLine() {
    ScenarioException e = (ScenarioException) org.assertj.core.api.Assertions.catchThrowable(
        () -> parse(BASE.replace("slots: 4", "slots: 0") + "algorithms: [round-robin]\n"));
    assertThat(e.field()).isEqualTo("backends[1].slots");
    assertThat(e.line()).isEqualTo(5);
    assertThat(e).hasMessageContaining("backends[1].slots: 0 (expected: an integer in 1..");
  }

  @Test
  void anUnknownKeyIsAnError() {
    assertThatThrownBy(() -> parse(BASE + "algoritms: [round-robin]\n"))
        .hasMessageContaining("bad.yaml:6:")
        .hasMessageContaining("algoritms: unknown field");
    assertThatThrownBy(() -> parse(BASE + """
        variants:
          - {algorithm: round-robin, weight_contol: true}
        """))
        .hasMessageContaining("variants[0].weight_contol: unknown field (expected one of: ");
  }

  @Test
  void badFeatureSettingsNameTheFeature() {
    assertThatThrownBy(() -> parse(BASE + """
        variants:
          - algorithm: round-robin
            outlier_detection: {interval: soon}
        """))
        .hasMessageContaining("bad.yaml:8:")
        .hasMessageContaining("variants[0].outlier_detection: interval: 'soon' (expected: a duration");
  }

  @Test
  void missingPartsAndImpossibleDistributionsAreNamed() {
    assertThatThrownBy(() -> parse("clients: {rate: 1}\nbackends: []\nalgorithms: [random]\n"))
        .hasMessageContaining("duration: missing");
    assertThatThrownBy(() -> parse(BASE.replace("{mean: 10ms}}\n  - {name: b",
        "{distribution: lognormal, mean: 10ms, p99: 5ms}}\n  - {name: b")
        + "algorithms: [random]\n"))
        .hasMessageContaining("backends[0].service.p99: p99: 5.0 ms (expected: above the mean");
    assertThatThrownBy(() -> parse(BASE + "variants: [{algorithm: random, weights: {c: 2}}]\n"))
        .hasMessageContaining("variants.random.weights.c: no such backend");
  }

  @Test
  void aFeatureRegisteredByTheCallerIsAccepted() {
    java.util.List<String> attached = new java.util.ArrayList<>();
    FeatureRegistry features = FeatureRegistry.defaults().with("weight_control",
        (pool, settings) -> attached.add(pool.variant().name() + " " + settings));
    Scenario s = ScenarioReader.parse(BASE + """
        variants:
          - {name: controlled, algorithm: weighted-round-robin, weight_control: {target: 0.7}}
        """, "ok.yaml", features);
    Simulation.run(s.withDuration(Duration.ofSeconds(1)), features, ProgressListener.NONE);
    assertThat(attached).containsExactly("controlled {target=0.7}");
  }
}
