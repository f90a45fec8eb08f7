package io.ballast.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SimulateCommandTest {
  private static final Path SCENARIOS =
      Path.of(System.getProperty("ballast.examples", "../examples"), "scenarios");

  private record Outcome(int code, String out, String err) {}

  private static Outcome run(String... args) {
    CommandLine cli = BallastCommand.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute(args);
    return new Outcome(code, out.toString(), err.toString());
  }

  @Test
  void simulatesAShippedScenarioAndWritesTheTableAndCharts(@TempDir Path dir) throws Exception {
    Path outDir = dir.resolve("out");
    Outcome o = run("simulate", SCENARIOS.resolve("slow-backend.yaml").toString(),
        "--duration", "5s", "--seed", "3", "--out", outDir.toString());
    assertThat(o.code()).as(o.err()).isZero();
    assertThat(o.out()).contains("## slow-backend (seed 3, 5 s of virtual time")
        .contains("| round-robin |").contains("| peak-ewma |").contains("requests simulated in");
    String table = Files.readString(outDir.resolve("table.md"));
    assertThat(table).contains("| variant | requests | p50 ms | p99 ms | p99.9 ms |")
        .contains("| least-connections |").contains("| oracle |").contains("p99 ×oracle");
    assertThat(Files.readString(outDir.resolve("series.csv")))
        .startsWith("variant,end_s,completed,p99_ms,p999_ms,p99_x_oracle,p999_x_oracle,");
    for (String chart : new String[] {"latency.png", "share.png", "weights.png", "oracle.png"}) {
      assertThat(Files.size(outDir.resolve(chart))).as(chart).isGreaterThan(1000);
    }
    // Not a terminal here: no progress bar on stderr.
    assertThat(o.err()).doesNotContain("[#");
  }

  @Test
  void theSameSeedWritesTheSameTable(@TempDir Path dir) throws Exception {
    String scenario = SCENARIOS.resolve("heterogeneous.yaml").toString();
    run("simulate", scenario, "--duration", "3s", "--out", dir.resolve("a").toString());
    run("simulate", scenario, "--duration", "3s", "--out", dir.resolve("b").toString());
    assertThat(Files.readString(dir.resolve("a/table.md")))
        .isEqualTo(Files.readString(dir.resolve("b/table.md")));
  }

  @Test
  void aBadScenarioExits2NamingTheField(@TempDir Path dir) throws Exception {
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, """
        duration: 10s
        clients: {rate: 100}
        backends:
          - {name: a, slots: -1, service: {mean: 10ms}}
        algorithms: [round-robin]
        """);
    Outcome o = run("simulate", bad.toString(), "--out", dir.resolve("out").toString());
    assertThat(o.code()).isEqualTo(2);
    assertThat(o.err()).contains("bad.yaml:4:").contains("backends[0].slots: -1");
    assertThat(dir.resolve("out")).doesNotExist();
  }
}
