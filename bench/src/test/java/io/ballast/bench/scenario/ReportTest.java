package io.ballast.bench.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {

    @Test
    void tablesAndCsvShowTheWatchedBackendsShareAndTheFigures(@TempDir Path dir) throws Exception {
        Scenario scenario = Scenario.load(Path.of("scenarios", "kill-revive.yaml"));
        int seconds = 10;
        int[] sent = new int[seconds];
        java.util.Arrays.fill(sent, 300);
        int[][] received = new int[3][seconds];
        for (int s = 0; s < seconds; s++) {
            received[0][s] = s < 5 ? 100 : 150;
            received[1][s] = s < 5 ? 100 : 150;
            received[2][s] = s < 5 ? 100 : 0;
        }
        Histogram[] perSecond = new Histogram[seconds];
        Histogram all = new Histogram(3);
        for (int s = 0; s < seconds; s++) {
            perSecond[s] = new Histogram(2);
            perSecond[s].recordValue(5_000);
            all.recordValue(5_000);
        }
        all.recordValue(2_000_000);
        LoadResult load = new LoadResult(all, perSecond, sent, sent.clone(), new int[seconds], 0, 0, 0, 0);
        RunResult run = new RunResult("haproxy", load, received, new int[3][seconds], OptionalInt.of(1),
                OptionalInt.empty(), 0.0, 1.0, 1.0, List.of());

        String md = Report.markdown(scenario, List.of(run));
        assertThat(md).contains("| haproxy | 5.0 |", "| 0 / 3000 | 1 s | never | 0.0% | 1.000 (1.000) |",
                "| 0–5 s | 5–10 s |", "| haproxy | 33% | 0% |");

        Path csv = dir.resolve("run.csv");
        Report.csv(scenario, run, csv);
        List<String> lines = Files.readAllLines(csv);
        assertThat(lines).hasSize(seconds + 1);
        assertThat(lines.get(0)).startsWith("second,sent,ok,failed,p50_ms,p99_ms,max_ms,ok_p99_ms,recv_b1,recv_b2,recv_b3,share_b1");
        assertThat(lines.get(6)).isEqualTo("5,300,300,0,5.0,5.0,5.0,5.0,150,150,0,0.500,0.500,0.000,0,0,0");
    }

    @Test
    void anOverloadRunIsReportedByStepAndByClass() throws Exception {
        Scenario scenario = Scenario.load(Path.of("scenarios", "shedding.yaml"));
        int seconds = 60;
        int[] sent = new int[seconds];
        int[] ok = new int[seconds];
        int[] failed = new int[seconds];
        Histogram[] perSecond = new Histogram[seconds];
        Histogram[] accepted = new Histogram[seconds];
        for (int s = 0; s < seconds; s++) {
            boolean over = s >= 20 && s < 41; // failures go on one second after the fall
            sent[s] = s >= 20 && s < 40 ? 900 : 300;
            ok[s] = over ? (s == 40 ? 250 : 600) : sent[s];
            failed[s] = sent[s] - ok[s];
            perSecond[s] = new Histogram(2);
            accepted[s] = new Histogram(2);
            perSecond[s].recordValue(20_000);
            accepted[s].recordValue(s >= 20 && s < 40 ? 30_000 : 20_000);
        }
        LoadResult load = new LoadResult(new Histogram(3), perSecond, sent, ok, failed, 6000, 0, 0, 0, accepted,
                new long[] {3000, 15000, 12000}, new long[] {3000, 14000, 6000});
        RunResult run = new RunResult("ballast", load, new int[3][seconds], new int[3][seconds],
                OptionalInt.empty(), OptionalInt.empty(), Double.NaN, 1.0, Double.NaN, List.of());
        String md = Report.markdown(scenario, List.of(run));
        assertThat(md).contains("Rate in steps: 300/s from 0 s, 900/s from 20 s, 300/s from 40 s; 60 s, 3 backends.",
                "| ballast | 0–20 s at 300/s | 300 | 300 | 20.1 | 0.0% |",
                "| ballast | 20–40 s at 900/s | 900 | 600 | 30.1 | 33.3% |",
                "| ballast | 40–60 s at 300/s | 300 | 298 | 20.1 | 0.8% |",
                "- ballast by class: critical 0 failed of 3000, default 1000 failed of 15000, sheddable 6000 failed"
                        + " of 12000; clean from 1 s after the last step on");
    }
}
