package io.ballast.server.config;

import static io.ballast.server.config.ConfigLoaderTest.BASE;
import static io.ballast.server.config.ConfigLoaderTest.errors;
import static io.ballast.server.config.ConfigLoaderTest.valid;
import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.core.optimizer.WeightControlSettings;
import io.ballast.core.optimizer.WeightControlSettings.Objective;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The weight_control block of a pool and the cost of a backend: values, defaults, bad input. */
class WeightControlConfigTest {
  private static PoolConfig pool(String block) {
    return valid(BASE + block).config().pools().get(0);
  }

  @Test
  void offUnlessConfiguredAndDefaultsWhenEmpty() {
    assertThat(pool("").weightControl()).isEmpty();
    assertThat(pool("").backends().get(0).cost()).isEqualTo(1.0);
    WeightControlConfig c = pool("    weight_control: {}\n").weightControl().orElseThrow();
    assertThat(c.settings()).isEqualTo(WeightControlSettings.DEFAULTS);
    assertThat(c.webhook()).isEmpty();
  }

  @Test
  void everyKeyIsRead() {
    WeightControlConfig c = pool("""
            weight_control:
              interval: 2s
              objective: latency
              target: 150ms
              kp: 0.1
              ki: 0.5
              kd: 0.05
              max_step: 20%
              deadband: 0.1
              floor: 5%
              ceiling: 300%
              overload_above: 0.8
              underuse_below: 0.2
              min_requests: 50
              latency_objective: 200ms
              stale_after: 15s
              warmup:
                start: 5%
                step: 15%
                latency_tolerance: 2
                error_tolerance: 0.02
              scaling:
                hot_above: 300ms
                cold_below: 20ms
                for: 2m
                cooldown: off
                webhook: "http://127.0.0.1:9/scale"
                webhook_timeout: 3s
        """).weightControl().orElseThrow();
    WeightControlSettings s = c.settings();
    assertThat(s).isEqualTo(WeightControlSettings.builder()
        .interval(Duration.ofSeconds(2))
        .objective(Objective.LATENCY)
        .target(150)
        .gains(0.1, 0.5, 0.05)
        .maxStepPercent(20)
        .deadband(0.1)
        .bounds(5, 300)
        .thresholds(0.2, 0.8)
        .minRequests(50)
        .latencyObjective(Duration.ofMillis(200))
        .staleAfter(Duration.ofSeconds(15))
        .warmup(new WeightControlSettings.Warmup(5, 15, 2, 0.02))
        .scaling(new WeightControlSettings.Scaling(300, 20, Duration.ofMinutes(2), Duration.ZERO))
        .build());
    assertThat(c.webhook()).contains(URI.create("http://127.0.0.1:9/scale"));
    assertThat(c.webhookTimeout()).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void aBackendsCostIsRead() {
    String yaml = BASE.replace("- address: \"127.0.0.1:9001\"",
        "- address: \"127.0.0.1:9001\"\n        cost: 0.25");
    assertThat(valid(yaml).config().pools().get(0).backends().get(0).cost()).isEqualTo(0.25);
  }

  @Test
  void badSettingsNameTheFieldAndLine() {
    assertThat(errors(BASE + """
            weight_control:
              objective: fastest
              kp: -1
              ceiling: 50%
              deadband: 2
              warmup:
                step: 0
              scaling:
                for: soon
                webhok: "http://x"
        """)).containsExactly(
        "test.yaml:10:18: pools[0].weight_control.objective: 'fastest' (expected: utilization or"
            + " latency)",
        "test.yaml:11:11: pools[0].weight_control.kp: -1 (expected: 0..100)",
        "test.yaml:12:16: pools[0].weight_control.ceiling: 50% (expected: 100..1000%)",
        "test.yaml:13:17: pools[0].weight_control.deadband: 2 (expected: 0..0.99)",
        "test.yaml:15:15: pools[0].weight_control.warmup.step: 0 (expected: 1..100%)",
        "test.yaml:17:14: pools[0].weight_control.scaling.for: 'soon' is not a duration (expected:"
            + " a duration such as \"250ms\", \"2s\", \"1m\", \"1h\", or an integer of"
            + " milliseconds)",
        "test.yaml:18:9: pools[0].weight_control.scaling.webhok: unknown field 'webhok' (did you"
            + " mean 'webhook'?)");
  }

  @Test
  void crossFieldErrorsPointAtTheField() {
    assertThat(errors(BASE + """
            weight_control:
              floor: 50%
              ceiling: 100%
              max_step: 60%
        """)).containsExactly(
        "test.yaml:12:17: pools[0].weight_control.max_step: 60 (expected: 1..50)");
    assertThat(errors(BASE + """
            weight_control:
              objective: latency
              scaling:
                hot_above: 300ms
        """)).containsExactly(
        "test.yaml:12:9: pools[0].weight_control.scaling.cold_below: required field is missing"
            + " (expected: a duration such as \"250ms\", \"2s\", \"1m\", \"1h\", or an"
            + " integer of milliseconds)");
  }
}
