package io.ballast.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The oracle variant: how it dispatches, on the simulator's own models. */
class OracleTest {
  private static Scenario parse(String yaml) {
    return ScenarioReader.parse(yaml, "oracle.yaml", FeatureRegistry.defaults());
  }

  private static VariantResult oracle(SimResult r) {
    return r.variant(VariantSpec.ORACLE);
  }

  /** 30 s of three equal backends (8 workers, lognormal 20 ms) at {@code rate}, and round robin. */
  private static SimResult threeEqual(long seed, int rate) {
    return Simulation.run(parse("""
        seed: %d
        duration: 30s
        warmup: 2s
        clients: {rate: %d, timeout: 5s}
        backends:
          - {name: a, slots: 8, service: {distribution: lognormal, mean: 20ms, p99: 80ms}}
          - {name: b, slots: 8, service: {distribution: lognormal, mean: 20ms, p99: 80ms}}
          - {name: c, slots: 8, service: {distribution: lognormal, mean: 20ms, p99: 80ms}}
        algorithms: [round-robin]
        """.formatted(seed, rate)));
  }

  @Test
  void onEqualBackendsItSpreadsEvenlyAndItsTailIsNoWorseThanRoundRobins() {
    SimResult r = threeEqual(21, 1200);
    VariantResult o = oracle(r);
    VariantResult rr = r.variant("round-robin");
    assertThat(o.requests()).isEqualTo(rr.requests()); // the same request stream
    for (int i = 0; i < 3; i++) {
      assertThat(o.sharePercent(i)).as("share of backend %d", i).isCloseTo(100.0 / 3, within(1.0));
    }
    assertThat(o.percentileMillis(99)).isLessThanOrEqualTo(rr.percentileMillis(99));
    assertThat(o.percentileMillis(99.9)).isLessThanOrEqualTo(rr.percentileMillis(99.9));
    assertThat(o.errors()).isZero();
    assertThat(o.attempts()).isEqualTo(o.requests());
  }

  @Test
  void atLightLoadEqualBackendsStillShareEvenly() {
    // 5 % busy: nearly every request finds every worker free, so only the rotation among
    // equals spreads them (ties once went to scenario order, and a took almost everything).
    SimResult r = threeEqual(4, 60);
    VariantResult o = oracle(r);
    for (int i = 0; i < 3; i++) {
      assertThat(o.sharePercent(i)).as("share of backend %d", i).isCloseTo(100.0 / 3, within(1.0));
    }
  }

  @Test
  void onUnequalCapacityItAtLeastMatchesWeightedRoundRobinWithTheTrueWeights() {
    // 16, 8 and 4 workers at 85 % of the pool's 1400 requests/s.
    SimResult r = Simulation.run(parse("""
        seed: 5
        duration: 30s
        warmup: 2s
        clients: {rate: 1190, timeout: 5s}
        backends:
          - {name: big, slots: 16, service: {distribution: lognormal, mean: 20ms, p99: 80ms}}
          - {name: medium, slots: 8, service: {distribution: lognormal, mean: 20ms, p99: 80ms}}
          - {name: small, slots: 4, service: {distribution: lognormal, mean: 20ms, p99: 80ms}}
        variants:
          - {name: wrr, algorithm: weighted-round-robin, weights: {big: 4, medium: 2, small: 1}}
        """));
    VariantResult o = oracle(r);
    VariantResult wrr = r.variant("wrr");
    assertThat(o.percentileMillis(99)).isLessThanOrEqualTo(wrr.percentileMillis(99));
    assertThat(o.percentileMillis(99.9)).isLessThanOrEqualTo(wrr.percentileMillis(99.9));
    assertThat(o.meanMillis()).isLessThan(wrr.meanMillis());
    // Shares follow the capacities (4:2:1), as the true weights say.
    assertThat(o.sharePercent(0)).isCloseTo(400.0 / 7, within(3.0));
    assertThat(o.sharePercent(2)).isCloseTo(100.0 / 7, within(3.0));
  }

  @Test
  void aDeadBackendGetsNothingAndReturnsTheMomentItRevives() {
    Scenario s = parse("""
        seed: 3
        duration: 20s
        clients: {rate: 600, timeout: 5s}
        backends:
          - {name: a, slots: 8, service: {distribution: exponential, mean: 10ms}}
          - name: b
            slots: 8
            service: {distribution: exponential, mean: 10ms}
            timeline:
              - {at: 5s, alive: false}
              - {at: 12s, alive: true}
        algorithms: [oracle]
        """);
    OraclePool pool = new OraclePool(s, s.oracle().orElseThrow());
    List<String> wrong = new ArrayList<>();
    pool.onDispatch(m -> {
      if (!m.alive()) {
        wrong.add(m.spec().name());
      }
    });
    VariantResult o = pool.run(f -> {});
    assertThat(wrong).isEmpty();
    for (int i = 5; i < 12; i++) {
      assertThat(o.series().get(i).share()[1]).as("share of b in second %d", i + 1).isZero();
      if (i < 11) {
        // The bucket ending at 12 s closes just after the revival at 12 s.
        assertThat(o.series().get(i).weightShare()[1]).isZero();
      }
    }
    // Back at once: nothing to check, the oracle is told.
    assertThat(o.series().get(12).share()[1]).isCloseTo(50.0, within(8.0));
    // The requests b held when it died went elsewhere: resets are sent again, not failed.
    assertThat(o.errors()).isZero();
    assertThat(o.attempts()).isGreaterThan(o.requests());
  }

  @Test
  void aSlowBackendGetsWorkOnlyWhenTheFasterOnesAreAllBusy() {
    String yaml = """
        seed: 9
        duration: 20s
        clients: {rate: %d, timeout: 5s}
        backends:
          - {name: a, slots: 8, service: {distribution: lognormal, mean: 20ms, p99: 80ms}}
          - {name: b, slots: 8, service: {distribution: lognormal, mean: 20ms, p99: 80ms}}
          - name: slow
            slots: 8
            service: {distribution: lognormal, mean: 20ms, p99: 80ms}
            timeline: [{at: 0s, slowdown: 10}]
        algorithms: [oracle]
        """;
    // 60 % of the fast pair's 800 requests/s: the slow one is never worth it.
    Scenario light = parse(yaml.formatted(480));
    OraclePool lightPool = new OraclePool(light, light.oracle().orElseThrow());
    VariantResult quiet = lightPool.run(f -> {});
    assertThat(quiet.picks()[2]).isZero();
    // Beyond the fast pair's capacity: the slow one takes the overflow, and only then.
    Scenario heavy = parse(yaml.formatted(900));
    OraclePool heavyPool = new OraclePool(heavy, heavy.oracle().orElseThrow());
    List<SimBackend> models = heavyPool.models();
    int[] whileAFastOneWasFree = new int[1];
    heavyPool.onDispatch(m -> {
      if (m == models.get(2)
          && (models.get(0).freeWorkers() > 0 || models.get(1).freeWorkers() > 0)) {
        whileAFastOneWasFree[0]++;
      }
    });
    VariantResult busy = heavyPool.run(f -> {});
    assertThat(busy.picks()[2]).isPositive();
    assertThat(whileAFastOneWasFree[0]).isZero();
    assertThat(busy.errors()).isZero();
  }

  @Test
  void itSendsNothingWhereItWouldFail() {
    SimResult r = Simulation.run(parse("""
        seed: 4
        duration: 20s
        clients: {rate: 800, timeout: 5s}
        backends:
          - {name: a, slots: 16, service: {distribution: lognormal, mean: 20ms, p99: 80ms}}
          - name: broken
            slots: 16
            service: {distribution: lognormal, mean: 20ms, p99: 80ms}
            errors: {rate: 1.0, latency: 1ms, status: 503}
          - name: flaky
            slots: 16
            service: {distribution: lognormal, mean: 20ms, p99: 80ms}
            errors: {rate: 0.3, latency: 1ms, status: 503}
        algorithms: [round-robin]
        """));
    VariantResult o = oracle(r);
    assertThat(o.picks()[1]).isZero();
    assertThat(o.picks()[2]).isPositive();
    assertThat(o.errors()).isZero();
    assertThat(r.variant("round-robin").errors()).isPositive();
  }

  @Test
  void itsLineHoldsNoMoreThanTheBackendsQueuesTogetherAndRefusesTheRest() {
    // Twice the capacity: 2 workers of 10 ms serve 200/s, 400/s arrive. The line holds 4 + 6.
    SimResult r = Simulation.run(parse("""
        seed: 2
        duration: 10s
        clients: {rate: 400, timeout: 5s}
        backends:
          - {name: a, slots: 1, queue: 4, service: {distribution: constant, mean: 10ms}}
          - {name: b, slots: 1, queue: 6, service: {distribution: constant, mean: 10ms}}
        algorithms: [round-robin]
        """));
    VariantResult o = oracle(r);
    assertThat(o.errorPercent()).isCloseTo(50.0, within(5.0));
    assertThat(o.timeouts()).isZero();
    // The tenth in line waits five rounds of 10 ms, then is served for 10 ms: never above 60 ms.
    assertThat(o.percentileMillis(100)).isLessThanOrEqualTo(60.1);
  }

  @Test
  void sameSeedSameOracleAndTheTableSaysHowFarEachVariantIs() {
    Scenario s = parse("""
        seed: 8
        duration: 10s
        clients: {rate: 500, timeout: 5s}
        backends:
          - {name: a, slots: 4, service: {distribution: exponential, mean: 10ms}}
          - name: b
            slots: 4
            service: {distribution: exponential, mean: 10ms}
            timeline: [{at: 3s, alive: false}, {at: 5s, alive: true}]
        algorithms: [round-robin]
        """);
    String table = Simulation.run(s).table();
    assertThat(Simulation.run(s).table()).isEqualTo(table);
    assertThat(table).contains("p99 ×oracle").contains("worst s p99.9 ×oracle")
        .contains("| oracle | ").contains("at 0, 3, 5 s")
        .contains("| round-robin | b | 5 | 7-10 |");
    assertThat(Simulation.run(s).seriesCsv().lines().count())
        .isEqualTo(1 + 2 * 10); // a header, then two variants × ten buckets
  }
}
