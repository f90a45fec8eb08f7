package io.ballast.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.core.decision.Decision;
import io.ballast.core.shed.Priority;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Adaptive load shedding on three modelled backends at 50% → 150% → 50% of their capacity: core's
 * limiter and shedder, driven by the simulator exactly as the proxy drives them.
 *
 * <p>Capacity: 3 backends × 8 workers / 10 ms mean service = 2400 requests/s. Offered: 1200/s for
 * 20 s, 3600/s for 20 s, 1200/s for 20 s; 10% critical, 50% default, 40% sheddable, so that the
 * critical and default requests alone (90% of 3600 × 0.6 = 2160/s) fit the capacity.
 */
class SheddingSimulationTest {
  static final double CAPACITY = 2400;
  private static final String BACKENDS = """
      backends:
        - {name: a, slots: 8, queue: 1000,
           service: {distribution: lognormal, mean: 10ms, p99: 40ms}}
        - {name: b, slots: 8, queue: 1000,
           service: {distribution: lognormal, mean: 10ms, p99: 40ms}}
        - {name: c, slots: 8, queue: 1000,
           service: {distribution: lognormal, mean: 10ms, p99: 40ms}}
      """;
  static final String SCENARIO = """
      name: shedding
      seed: 42
      duration: 60s
      clients:
        rate: {steps: [{at: 0s, rps: 1200}, {at: 20s, rps: 3600}, {at: 40s, rps: 1200}]}
        timeout: 10s
        priorities: {critical: 10, default: 50, sheddable: 40}
      """ + BACKENDS + """
      variants:
        - {name: shedding, algorithm: least-request, shedding: true}
        - {name: none, algorithm: least-request}
      """;
  private static final String UNLOADED = """
      name: unloaded
      seed: 42
      duration: 20s
      warmup: 2s
      clients: {rate: 1200}
      """ + BACKENDS + """
      algorithms: [least-request]
      """;

  private static Scenario parse(String yaml) {
    return ScenarioReader.parse(yaml, "shedding.yaml", FeatureRegistry.defaults());
  }

  @Test
  void overloadIsShedSheddableFirstAndTheAcceptedKeepTheirLatency() {
    double unloadedP99 = Simulation.run(parse(UNLOADED)).variant("least-request")
        .percentileMillis(99);
    Scenario scenario = parse(SCENARIO);
    SimPool pool = new SimPool(scenario, scenario.variants().get(0));
    SimPool none = new SimPool(scenario, scenario.variants().get(1));
    new SheddingFeature().attach(pool, java.util.Map.of());
    VariantResult r = pool.run(p -> {});
    VariantResult without = none.run(p -> {});
    System.out.println(summary(unloadedP99, r, without, pool));

    double overloadGoodput = 0;
    for (BucketPoint b : r.series()) {
      double t = b.endSeconds();
      if (t <= 20) {
        assertThat(b.shed()).as("shed in the first 50%% phase, second %s", t).isZero();
      } else if (t <= 40) {
        overloadGoodput += b.succeeded();
        assertThat(b.succeeded()).as("goodput at second %s", t)
            .isGreaterThan((long) (0.9 * CAPACITY));
        assertThat(b.p99Millis()).as("p99 at second %s", t).isLessThan(3 * unloadedP99);
        assertThat(b.shed()).as("shedding at second %s", t).isPositive();
      } else if (t > 42) {
        assertThat(b.shed()).as("shed 2 s after the load fell, second %s", t).isZero();
      }
    }
    assertThat(overloadGoodput / 20).as("mean goodput at 150%").isGreaterThan(0.95 * CAPACITY);
    assertThat(r.percentileMillis(99)).as("p99 of the accepted requests")
        .isLessThan(3 * unloadedP99);
    assertThat(r.shed(Priority.CRITICAL)).as("critical refused").isZero();
    assertThat(r.succeeded(Priority.CRITICAL)).isEqualTo(r.offered(Priority.CRITICAL));
    assertThat(r.shed(Priority.SHEDDABLE)).isGreaterThan(20 * r.shed(Priority.DEFAULT));
    // Every change of the limit is a decision with its figures.
    List<Decision> decisions = pool.decisions().snapshot();
    assertThat(decisions).isNotEmpty().allSatisfy(d -> {
      assertThat(d.kind()).isEqualTo(Decision.Kind.CONCURRENCY_LIMIT);
      assertThat(d.reason()).containsAnyOf("p50", "peak");
    });
    // Without shedding the same overload queues: the accepted requests wait seconds.
    assertThat(without.percentileMillis(99)).isGreaterThan(10 * r.percentileMillis(99));
  }

  @Test
  void backendsThatGetSlowerWithoutBeingOverloadedAreShedForAMomentAtMost() {
    // 3 × 64 workers at 1200 requests/s (6% busy); from 20 s to 40 s every service time × 6: 37%
    // busy, not overloaded, but the requests in flight rise six-fold with the latency.
    String slow = "timeline: [{at: 20s, slowdown: 6}, {at: 40s, slowdown: 1}]";
    String backend = "{name: %s, slots: 64, queue: 1000, service: {distribution: lognormal,"
        + " mean: 10ms, p99: 40ms}, " + slow + "}";
    Scenario s = parse("""
        name: slower
        seed: 42
        duration: 60s
        clients:
          rate: 1200
          timeout: 10s
          priorities: {critical: 10, default: 50, sheddable: 40}
        backends:
          - %s
          - %s
          - %s
        variants:
          - {name: shedding, algorithm: least-request, shedding: true}
        """.formatted(backend.formatted("a"), backend.formatted("b"), backend.formatted("c")));
    SimPool pool = new SimPool(s, s.variants().get(0));
    new SheddingFeature().attach(pool, java.util.Map.of());
    VariantResult r = pool.run(p -> {});
    long shed = 0;
    for (BucketPoint b : r.series()) {
      shed += b.shed();
      if (b.endSeconds() <= 20 || b.endSeconds() > 22) {
        assertThat(b.shed()).as("shed at second %s", b.endSeconds()).isZero();
      }
    }
    System.out.println("slower backends, not overloaded: " + shed + " of " + r.requests()
        + " shed (critical " + r.shed(Priority.CRITICAL) + "); " + pool.decisions().snapshot()
        .stream().map(Decision::message).filter(m -> m.contains("did not fall")).findFirst()
        .orElse(""));
    // Two cuts tell the limit that the latency does not follow the requests in flight: the
    // median becomes the baseline and the limit goes back.
    assertThat(shed).isLessThan(1200);
    assertThat(r.shed(Priority.CRITICAL)).isZero();
    assertThat(pool.decisions().snapshot()).anySatisfy(d -> assertThat(d.message())
        .contains("did not fall when the limit fell").contains("the latency is the backends' own"));
  }

  /** The figures docs/protection.md quotes. */
  static String summary(double unloadedP99, VariantResult r, VariantResult without,
      SimPool pool) {
    double goodput = 0;
    for (BucketPoint b : r.series()) {
      if (b.endSeconds() > 20 && b.endSeconds() <= 40) {
        goodput += b.succeeded();
      }
    }
    double goodputWithout = 0;
    for (BucketPoint b : without.series()) {
      if (b.endSeconds() > 20 && b.endSeconds() <= 40) {
        goodputWithout += b.succeeded();
      }
    }
    StringBuilder sb = new StringBuilder("shedding simulation: unloaded p99 ")
        .append(String.format("%.1f", unloadedP99)).append(" ms; with shedding: p99 accepted ")
        .append(String.format("%.1f", r.percentileMillis(99))).append(" ms, goodput at 150% ")
        .append(String.format("%.1f", goodput / 20 / CAPACITY * 100)).append("% of capacity");
    for (Priority p : Priority.values()) {
      sb.append(", ").append(p.label()).append(' ').append(r.shed(p)).append('/')
          .append(r.offered(p)).append(" shed");
    }
    sb.append(", ").append(pool.decisions().total()).append(" limit changes")
        .append("; without: p99 ").append(String.format("%.0f", without.percentileMillis(99)))
        .append(" ms, goodput at 150% ")
        .append(String.format("%.1f", goodputWithout / 20 / CAPACITY * 100))
        .append("% of capacity, errors ").append(String.format("%.1f", without.errorPercent()))
        .append('%');
    return sb.toString();
  }
}
