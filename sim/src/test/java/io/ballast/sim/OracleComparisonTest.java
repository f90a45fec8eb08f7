package io.ballast.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.core.pick.Algorithm;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** The ratios to the oracle, on hand-built results whose figures are known exactly. */
class OracleComparisonTest {
  /** Two backends over 10 s, warm-up 1 s; b dies at 3 s and comes back at 5 s. */
  private static final Scenario SCENARIO = ScenarioReader.parse("""
      duration: 10s
      warmup: 1s
      clients: {rate: 100}
      backends:
        - {name: a, slots: 4, service: {mean: 10ms}}
        - name: b
          slots: 4
          service: {mean: 10ms}
          timeline: [{at: 3s, alive: false}, {at: 5s, alive: true}]
      algorithms: [round-robin]
      """, "hand.yaml", FeatureRegistry.defaults());

  /** Latencies below 2048 µs are exact in a 3-digit HdrHistogram: the percentiles are too. */
  private static Histogram latencies(int n1, long v1, int n2, long v2) {
    Histogram h = new Histogram(Recorder.MAX_MICROS, 3);
    h.recordValueWithCount(v1, n1);
    h.recordValueWithCount(v2, n2);
    return h;
  }

  private static VariantResult result(String name, Histogram h, double[] p99, double[] p999,
      double[] shareOfB) {
    List<BucketPoint> series = new ArrayList<>();
    for (int i = 0; i < p99.length; i++) {
      double[] share = {100 - shareOfB[i], shareOfB[i]};
      series.add(new BucketPoint(i + 1, 100, 1, p99[i], p999[i], 0, share, share,
          new int[] {100, 100}, 0, 100));
    }
    return new VariantResult(name, h, h.getTotalCount(), 0, 0, h.getTotalCount(),
        new long[] {1, 1}, 0, 0, series, new long[3], new long[3], new long[3]);
  }

  private static final double N = Double.NaN;

  private final VariantResult oracle = result("oracle",
      // p99: the 990th of 1000 values, 1000 µs; p99.9: the 999th, 1600 µs.
      latencies(998, 1000, 2, 1600),
      new double[] {10, 10, 10, 10, 10, 10, 10, 10, 10, 10},
      new double[] {20, 20, 20, 20, 20, 20, 20, 20, 20, 20},
      new double[] {50, 50, 50, 0, 0, 50, 50, 50, 50, 50});
  private final VariantResult variant = result("round-robin",
      // p99 and p99.9: 2000 µs (the 990th and 999th of 1000 values; 980 below).
      latencies(980, 1000, 20, 2000),
      // Bucket ends 1..10 s. Left out: (0, 1] (warm-up and the start), (3, 4] and (5, 6] (the
      // first second of the death and of the return). The worst of the rest: 17 / 10 at 9 s.
      new double[] {50, 11, 12, 90, 13, 60, 15, 16, 17, 14},
      new double[] {N, 30, 30, 30, 30, 30, 30, 30, 30, 36},
      // Compared from 7 s (2 s after the return) to the end: buckets (7, 8], (8, 9], (9, 10].
      new double[] {50, 50, 50, 0, 0, 0, 10, 40, 47, 49});

  @Test
  void overallRatiosAreThoseOfTheHistograms() {
    OracleComparison c = OracleComparison.of(SCENARIO, List.of(variant, oracle)).orElseThrow();
    OracleComparison.Ratios r = c.ratios(variant);
    assertThat(r.p99()).isEqualTo(2.0);
    assertThat(r.p999()).isEqualTo(1.25);
    assertThat(c.ratios(oracle).p99()).isEqualTo(1.0);
  }

  @Test
  void perBucketRatiosAndTheWorstSettledSecond() {
    OracleComparison c = OracleComparison.of(SCENARIO, List.of(variant, oracle)).orElseThrow();
    OracleComparison.Ratios r = c.ratios(variant);
    assertThat(r.p99PerBucket()).containsExactly(5.0, 1.1, 1.2, 9.0, 1.3, 6.0, 1.5, 1.6, 1.7, 1.4);
    assertThat(r.p999PerBucket()[0]).isNaN();
    assertThat(r.p999PerBucket()[1]).isEqualTo(1.5);
    assertThat(r.worstP99()).isEqualTo(1.7);
    assertThat(r.worstP99AtSeconds()).isEqualTo(9.0);
    assertThat(r.worstP999()).isEqualTo(1.8);
    assertThat(r.worstP999AtSeconds()).isEqualTo(10.0);
    assertThat(c.eventSeconds()).containsExactly(0.0, 3.0, 5.0);
  }

  @Test
  void aRecoveredBackendsShareAgainstTheOracles() {
    OracleComparison c = OracleComparison.of(SCENARIO, List.of(variant, oracle)).orElseThrow();
    assertThat(c.recoveries()).containsExactly(new OracleComparison.Recovery(1, "b", 5, 10));
    OracleComparison.ShareGap g = c.shareGaps(variant).get(0);
    assertThat(g.buckets()).isEqualTo(3);
    assertThat(g.worstPoints()).isEqualTo(10.0);
    assertThat(g.worstAtSeconds()).isEqualTo(8.0);
    assertThat(g.meanShare()).isEqualTo((40 + 47 + 49) / 3.0);
    assertThat(g.oracleMeanShare()).isEqualTo(50.0);
  }

  @Test
  void noOracleNoComparison() {
    Scenario without = SCENARIO.withVariants(List.of(VariantSpec.of(Algorithm.ROUND_ROBIN)));
    assertThat(OracleComparison.of(without, List.of(variant))).isEmpty();
    assertThat(new SimResult(without, List.of(variant), 0, 0).table()).doesNotContain("oracle");
  }

  @Test
  void theReaderAddsTheOracleUnlessToldNotToAndReadsItsOwnSyntax() {
    assertThat(SCENARIO.variants()).extracting(VariantSpec::name)
        .containsExactly("round-robin", "oracle");
    String base = """
        duration: 10s
        clients: {rate: 100}
        backends: [{name: a, service: {mean: 10ms}}]
        """;
    Scenario off = ScenarioReader.parse(base + "oracle: false\nalgorithms: [round-robin]\n",
        "off.yaml", FeatureRegistry.defaults());
    assertThat(off.oracle()).isEmpty();
    Scenario named = ScenarioReader.parse(base + """
        algorithms: [round-robin]
        variants: [{name: truth, algorithm: oracle}]
        """, "named.yaml", FeatureRegistry.defaults());
    assertThat(named.variants()).extracting(VariantSpec::name)
        .containsExactly("round-robin", "truth");
    assertThat(named.oracle().orElseThrow().algorithm()).isNull();
    assertThatThrownBy(() -> ScenarioReader.parse(base
        + "variants: [{algorithm: oracle, options: {choices: 3}}]\n", "bad.yaml",
        FeatureRegistry.defaults()))
        .isInstanceOf(ScenarioException.class)
        .hasMessageContaining("bad.yaml:4:").hasMessageContaining("options: unknown field");
    assertThatThrownBy(() -> ScenarioReader.parse(base + "algorithms: [oracle, oracle]\n",
        "two.yaml", FeatureRegistry.defaults()))
        .hasMessageContaining("more than one oracle");
  }
}
