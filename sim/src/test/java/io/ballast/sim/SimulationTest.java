package io.ballast.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulationTest {
  private static Scenario parse(String yaml) {
    return ScenarioReader.parse(yaml, "test.yaml", FeatureRegistry.defaults());
  }

  private static final String HETEROGENEOUS = """
      seed: 7
      duration: 20s
      warmup: 2s
      clients: {rate: 500, timeout: 5s}
      backends:
        - {name: big, slots: 8, queue: 100, service: {distribution: exponential, mean: 20ms}}
        - {name: small, slots: 4, queue: 100, service: {distribution: exponential, mean: 20ms}}
      algorithms: [round-robin, least-connections, least-request, peak-ewma]
      """;

  @Test
  void sameSeedGivesTheSameTableAndAnotherSeedAnotherOne() {
    Scenario s = parse(HETEROGENEOUS);
    String first = Simulation.run(s).table();
    String again = Simulation.run(s).table();
    String other = Simulation.run(s.withSeed(8)).table();
    assertThat(again).isEqualTo(first);
    assertThat(other).isNotEqualTo(first);
    assertThat(first).contains("| least-connections |");
  }

  @Test
  void halfTheCapacityGetsClearlyLessTrafficUnderLeastConnectionsThanUnderRoundRobin() {
    SimResult r = Simulation.run(parse(HETEROGENEOUS));
    double roundRobin = r.variant("round-robin").sharePercent(1);
    double leastConnections = r.variant("least-connections").sharePercent(1);
    assertThat(roundRobin).isCloseTo(50.0, within(0.5));
    // 4 of 12 workers: a balancer that follows load gives it well under half.
    assertThat(leastConnections).isLessThan(42.0);
    // And the tail shows it: round robin overloads the small backend (ρ = 250 / 200: overloaded).
    assertThat(r.variant("least-connections").percentileMillis(99))
        .isLessThan(r.variant("round-robin").percentileMillis(99) / 2);
  }

  @Test
  void mm1MeanLatencyMatchesTheTextbook() {
    // M/M/1, λ = 500/s, μ = 1000/s: W = 1 / (μ − λ) = 2 ms.
    Scenario s = parse("""
        seed: 3
        duration: 200s
        warmup: 5s
        clients: {rate: 500}
        backends:
          - {name: only, slots: 1, queue: 100000, service: {distribution: exponential, mean: 1ms}}
        algorithms: [round-robin]
        """);
    VariantResult v = Simulation.run(s).variants().get(0);
    assertThat(v.requests()).isGreaterThan(90_000);
    assertThat(v.meanMillis()).isCloseTo(2.0, within(0.1));
    assertThat(v.errors()).isZero();
  }

  @Test
  void mmcMeanLatencyMatchesErlangC() {
    // M/M/4, λ = 300/s, service mean 10 ms (a = λ/μ = 3, ρ = 0.75). Erlang C:
    // a^4/4! × c/(c−a) = 3.375 × 4 = 13.5; Σ_{k<4} a^k/k! = 1 + 3 + 4.5 + 4.5 = 13;
    // P(wait) = 13.5 / 26.5 = 0.5094; Wq = P / (cμ − λ) = 0.5094 / 100 s = 5.094 ms;
    // W = Wq + 10 ms = 15.09 ms.
    Scenario s = parse("""
        seed: 5
        duration: 300s
        warmup: 5s
        clients: {rate: 300}
        backends:
          - {name: only, slots: 4, queue: 100000, service: {distribution: exponential, mean: 10ms}}
        algorithms: [round-robin]
        """);
    VariantResult v = Simulation.run(s).variants().get(0);
    assertThat(v.meanMillis()).isCloseTo(15.09, within(0.6));
  }

  @Test
  void aDyingBackendStopsGettingTrafficOnceTheChecksNoticeAndReturnsAfterRevival() {
    Scenario s = parse("""
        seed: 11
        duration: 50s
        clients: {rate: 300}
        backends:
          - {name: a, slots: 8, service: {distribution: exponential, mean: 10ms}}
          - name: b
            slots: 8
            service: {distribution: exponential, mean: 10ms}
            timeline:
              - {at: 10s, alive: false}
              - {at: 30s, alive: true}
        health_checks: {interval: 1s, rise: 2, fall: 3}
        algorithms: [round-robin]
        """);
    VariantResult v = Simulation.run(s).variants().get(0);
    List<BucketPoint> series = v.series();
    // Bucket i covers (i, i + 1] seconds.
    assertThat(series.get(5).share()[1]).isCloseTo(50.0, within(5.0));
    // The first refused connection already takes it out (reportConnectFailure); checks keep it out.
    for (int i = 11; i < 30; i++) {
      assertThat(series.get(i).share()[1]).as("share of b in second %d", i + 1).isZero();
      assertThat(series.get(i).weightShare()[1]).isZero();
    }
    // Back after two passing checks (1 s apart).
    for (int i = 34; i < 50; i++) {
      assertThat(series.get(i).share()[1]).as("share of b in second %d", i + 1)
          .isCloseTo(50.0, within(8.0));
    }
    // Requests reset by the death and refused connections were retried elsewhere.
    assertThat(v.errorPercent()).isLessThan(0.1);
    assertThat(v.attempts()).isGreaterThan(v.requests());
    assertThat(v.healthChanges()).isGreaterThanOrEqualTo(2);
  }

  @Test
  void theWeightControllerLearnsUnequalCapacityFromTheBackendsCpuReports() {
    Scenario s = parse("""
        seed: 11
        duration: 60s
        clients: {rate: 450, timeout: 5s}
        backends:
          - {name: big, slots: 8, queue: 200, service: {distribution: exponential, mean: 20ms}}
          - {name: small, slots: 4, queue: 200, service: {distribution: exponential, mean: 20ms}}
        variants:
          - {name: equal, algorithm: weighted-round-robin}
          - {name: controlled, algorithm: weighted-round-robin, weight_control: {interval: 1s}}
        """);
    SimResult r = Simulation.run(s);
    // Equal weights give the small backend half the traffic (225/s for a capacity of 200/s); the
    // controller, reading each backend's busy-slot share, moves toward the 2:1 capacity split.
    assertThat(r.variant("equal").sharePercent(1)).isCloseTo(50.0, within(1.0));
    var series = r.variant("controlled").series();
    double lateShare = 0;
    for (int i = series.size() - 10; i < series.size(); i++) {
      lateShare += series.get(i).share()[1] / 10;
    }
    assertThat(lateShare).isBetween(25.0, 42.0);
    assertThat(r.variant("controlled").percentileMillis(99))
        .isLessThan(r.variant("equal").percentileMillis(99) / 2);
  }

  @Test
  void outlierDetectionAndCircuitBreakersRunOnTheVirtualClock() {
    Scenario s = parse("""
        seed: 13
        duration: 30s
        clients: {rate: 500}
        backends:
          - {name: a, slots: 16, service: {distribution: constant, mean: 10ms}}
          - name: b
            slots: 16
            service: {distribution: constant, mean: 10ms}
            errors: {rate: 0.6, latency: 1ms, status: 500}
        retries: {max_attempts: 1}
        variants:
          - {name: plain, algorithm: round-robin}
          - name: ejecting
            algorithm: round-robin
            outlier_detection: {interval: 1s, base_ejection_time: 60s, consecutive_5xx: 3}
          - name: breaking
            algorithm: round-robin
            circuit_breaker: {window: 20, minimum_calls: 10, failure_rate: 50, wait_in_open: 60s}
        """);
    SimResult r = Simulation.run(s);
    assertThat(r.variant("plain").errorPercent()).isCloseTo(30.0, within(2.0));
    assertThat(r.variant("ejecting").ejections()).isPositive();
    assertThat(r.variant("ejecting").errorPercent()).isLessThan(2.0);
    assertThat(r.variant("breaking").errorPercent()).isLessThan(2.0);
    assertThat(r.variant("breaking").sharePercent(1)).isLessThan(2.0);
  }

  @Test
  void clientTimeoutsAreErrorsAtTheTimeout() {
    Scenario s = parse("""
        seed: 17
        duration: 10s
        clients: {rate: 200, timeout: 100ms}
        backends:
          - {name: slow, slots: 100, service: {distribution: constant, mean: 300ms}}
        algorithms: [round-robin]
        """);
    VariantResult v = Simulation.run(s).variants().get(0);
    assertThat(v.errors()).isEqualTo(v.requests());
    assertThat(v.timeouts()).isEqualTo(v.requests());
    assertThat(v.percentileMillis(50)).isCloseTo(100.0, within(1.0));
  }

  @Test
  void chartsAreWrittenAsPng(@TempDir Path dir) throws Exception {
    SimResult r = Simulation.run(parse(HETEROGENEOUS).withDuration(Duration.ofSeconds(5)));
    List<Path> files = Charts.write(r, dir);
    assertThat(files).extracting(p -> p.getFileName().toString())
        .containsExactly("latency.png", "share.png", "weights.png", "oracle.png");
    for (Path f : files) {
      byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(f), 4);
      assertThat(head).containsExactly(0x89, 'P', 'N', 'G');
    }
  }

  @Test
  void shippedScenariosParse() throws Exception {
    Path dir = Path.of(System.getProperty("ballast.examples", "../examples"), "scenarios");
    List<String> names;
    try (var files = Files.list(dir)) {
      names = files.map(p -> p.getFileName().toString()).sorted().toList();
    }
    assertThat(names).contains("heterogeneous.yaml", "slow-backend.yaml", "die-and-return.yaml",
        "partial-errors.yaml", "overload-burst.yaml", "daily-cycle.yaml");
    for (String n : names) {
      Scenario s = ScenarioReader.read(dir.resolve(n));
      assertThat(s.variants()).hasSizeGreaterThanOrEqualTo(4);
    }
  }
}
