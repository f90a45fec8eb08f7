package io.ballast.bench.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.dataformat.yaml.YAMLMapper;

/** Ratios and shares against the oracle on hand-built runs (latencies below 256 µs are exact in the histograms). */
class OracleComparisonTest {
    /** Events at 0, 2 and 3 s; b3 recovers at 3 s; 6 seconds. */
    private static final Scenario SCENARIO = Scenario.fromTree(YAMLMapper.builder().build().readTree("""
            duration: 6s
            backends: { count: 3 }
            timeline:
              - { at: 2s, backend: b3, action: kill }
              - { at: 3s, backend: b3, action: revive }
            """), "t");

    /** One latency per second (µs) and the received series. */
    private static RunResult run(String name, long[] micros, int[][] received) {
        Histogram all = new Histogram(2);
        Histogram[] perSecond = new Histogram[micros.length];
        for (int s = 0; s < micros.length; s++) {
            perSecond[s] = new Histogram(2);
            perSecond[s].recordValue(micros[s]);
            all.recordValue(micros[s]);
        }
        int[] sent = new int[micros.length];
        LoadResult load = new LoadResult(all, perSecond, sent, sent, new int[micros.length], 0, 0, 0, 0);
        return new RunResult(name, load, received, new int[received.length][micros.length], OptionalInt.empty(),
                OptionalInt.empty(), 0, 1, 1, List.of());
    }

    private static final int[][] EVEN = {{10, 10, 10, 10, 10, 10}, {10, 10, 10, 10, 10, 10}, {10, 10, 10, 10, 10, 10}};
    private static final RunResult ORACLE = run("oracle", new long[] {10, 10, 10, 10, 10, 10}, EVEN);
    // b3's share after its revive: 10%, 20% (at 4 s, inside the grace), 25% at 5 s.
    private static final RunResult LB = run("lb", new long[] {100, 20, 200, 10, 30, 10},
            new int[][] {{10, 10, 10, 45, 40, 15}, {10, 10, 10, 45, 40, 15}, {10, 10, 10, 10, 20, 10}});

    @Test
    void secondsOverlappingTheFirstSecondOfAnEventDoNotCount() {
        OracleComparison c = new OracleComparison(SCENARIO, ORACLE);
        assertThat(c.eventSeconds()).containsExactly(0.0, 2.0, 3.0);
        assertThat(List.of(0, 1, 2, 3, 4, 5)).filteredOn(c::settled).containsExactly(1, 4, 5);
    }

    @Test
    void ratiosOverallPerSecondAndWorstSettledSecond() {
        OracleComparison.Ratios r = new OracleComparison(SCENARIO, ORACLE).ratios(LB);
        assertThat(r.p99PerSecond()).containsExactly(10, 2, 20, 1, 3, 1);
        assertThat(r.p999PerSecond()).containsExactly(10, 2, 20, 1, 3, 1);
        // Seconds 0 and 2 are worse, but they are first seconds of events.
        assertThat(r.worstP99()).isEqualTo(3.0);
        assertThat(r.worstP99Second()).isEqualTo(4);
        assertThat(r.worstP999Second()).isEqualTo(4);
        // Over the run: p99 of {10, 20, 200, 10, 30, 100} µs is 200, the oracle's 10.
        assertThat(r.p99()).isEqualTo(20.0);
        assertThat(new OracleComparison(SCENARIO, ORACLE).ratios(ORACLE).worstP99()).isEqualTo(1.0);
    }

    @Test
    void aRecoveredBackendsShareAgainstTheOraclesFromTwoSecondsAfter() {
        OracleComparison c = new OracleComparison(SCENARIO, ORACLE);
        assertThat(c.recoveries()).containsExactly(new OracleComparison.Recovery(2, "b3", 3.0, 5, 6));
        OracleComparison.ShareGap g = c.shareGaps(LB).get(0);
        assertThat(g.seconds()).isEqualTo(1);
        assertThat(g.meanShare()).isCloseTo(0.25, within(1e-12));
        assertThat(g.oracleMeanShare()).isCloseTo(1 / 3.0, within(1e-12));
        assertThat(g.worstGap()).isCloseTo(1 / 3.0 - 0.25, within(1e-12));
        assertThat(g.worstSecond()).isEqualTo(5);
        assertThat(OracleComparison.share(LB.received(), 2, 4)).isEqualTo(0.2);
        assertThat(OracleComparison.share(LB.received(), 2, 6)).isNaN();
    }

    @Test
    void aBackendRevivedColdRecoversWhenItIsNormalAgainNotWhenItListens() {
        Scenario cold = Scenario.fromTree(YAMLMapper.builder().build().readTree("""
                duration: 12s
                backends: { count: 3 }
                timeline:
                  - { at: 2s, backend: b3, action: kill }
                  - { at: 4s, backend: b3, action: revive }
                  - { at: 4s, backend: b3, action: slow, factor: 5 }
                  - { at: 5s, backend: b3, action: slow, factor: 2 }
                  - { at: 7s, backend: b3, action: normal }
                """), "cold");
        int[][] even = new int[3][12];
        for (int[] b : even) {
            java.util.Arrays.fill(b, 10);
        }
        RunResult oracle = run("oracle", new long[12], even);
        // The revive and the slow-downs right after it are no recovery; the normal at 7 s is.
        assertThat(new OracleComparison(cold, oracle).recoveries())
                .containsExactly(new OracleComparison.Recovery(2, "b3", 7.0, 9, 12));
    }

    @Test
    void theReportHasTheRatioAndShareTablesAndTheCsv(@TempDir Path dir) throws Exception {
        List<RunResult> runs = List.of(LB, ORACLE);
        String md = Report.markdown(SCENARIO, runs);
        assertThat(md).contains("events at 0, 2, 3 s",
                "| lb | 20.00 | 20.00 | 3.00 (4–5 s) | 3.00 (4–5 s) |",
                "| oracle | 1.00 | 1.00 | 1.00 (1–2 s) | 1.00 (1–2 s) |",
                "| lb | b3 | 3 s | 5–6 s | 25.0% | 33.3% | 8.3 (5–6 s) |");
        assertThat(md).doesNotContain("no yardstick");
        assertThat(Report.markdown(SCENARIO, List.of(LB))).doesNotContain("oracle");
        // The oracle 20x slower than a balancer: flagged.
        assertThat(Report.markdown(SCENARIO, List.of(run("lb", new long[] {10, 10, 10, 10, 10, 10}, EVEN), run("oracle", new long[] {200, 200, 200, 200, 200, 200}, EVEN))))
                .contains("the oracle was no yardstick in this run");
        Path csv = dir.resolve("vs-oracle.csv");
        Report.oracleCsv(SCENARIO, runs, csv);
        List<String> lines = Files.readAllLines(csv);
        assertThat(lines).hasSize(1 + 2 * 6);
        assertThat(lines.get(0)).isEqualTo("balancer,second,settled,p99_ms,p999_ms,oracle_p99_ms,oracle_p999_ms,"
                + "p99_x_oracle,p999_x_oracle,share_b1,oracle_share_b1,share_b2,oracle_share_b2,share_b3,oracle_share_b3");
        assertThat(lines.get(5)).isEqualTo("lb,4,true,0.0,0.0,0.0,0.0,3.000,3.000,0.400,0.333,0.400,0.333,0.200,0.333");
    }

    @Test
    void theOracleRunsLastUnlessListedOrTurnedOff() {
        Path jar = Path.of("ballast.jar");
        assertThat(ScenarioMain.balancers(SCENARIO, List.of("haproxy:leastconn"), jar, true))
                .extracting(Balancer::name).containsExactly("haproxy-leastconn", "oracle");
        assertThat(ScenarioMain.balancers(SCENARIO, List.of("oracle", "nginx"), jar, true))
                .extracting(Balancer::name).containsExactly("oracle", "nginx");
        assertThat(ScenarioMain.balancers(SCENARIO, List.of("nginx"), jar, false))
                .extracting(Balancer::name).containsExactly("nginx");
        Scenario without = Scenario.fromTree(YAMLMapper.builder().build().readTree(
                "oracle: false\nbackends: { count: 2 }\n"), "t");
        assertThat(ScenarioMain.balancers(without, List.of(), jar, true))
                .extracting(Balancer::name).containsExactly("ballast", "haproxy", "nginx");
    }
}
