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
        assertThat(lines.get(0)).startsWith("second,sent,ok,failed,p50_ms,p99_ms,max_ms,recv_b1,recv_b2,recv_b3,share_b1");
        assertThat(lines.get(6)).isEqualTo("5,300,300,0,5.0,5.0,5.0,150,150,0,0.500,0.500,0.000,0,0,0");
    }
}
