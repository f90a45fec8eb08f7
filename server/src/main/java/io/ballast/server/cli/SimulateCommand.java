package io.ballast.server.cli;

import io.ballast.sim.Charts;
import io.ballast.sim.FeatureRegistry;
import io.ballast.sim.ProgressListener;
import io.ballast.sim.Scenario;
import io.ballast.sim.ScenarioException;
import io.ballast.sim.ScenarioReader;
import io.ballast.sim.SimResult;
import io.ballast.sim.Simulation;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ballast simulate SCENARIO.yaml}: runs the scenario's variants on the simulator (the real
 * core decision code on a virtual clock), prints the comparison table and writes it with the
 * charts into the output directory. Exit codes: 0 done, 2 invalid scenario or usage, 1 when the
 * output cannot be written.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
    description = {"Run a scenario on the simulator: modelled clients and backends, the real "
        + "balancing code on a virtual clock.",
        "Prints a comparison table of the scenario's variants (with p99 and p99.9 as ratios to "
            + "the oracle's) and writes table.md, series.csv (per second) and charts "
            + "(latency.png, share.png, weights.png, oracle.png) into the output directory."})
public final class SimulateCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "SCENARIO", description = "Scenario file (YAML).")
  Path scenario;

  @Option(names = "--out", defaultValue = "sim-out", paramLabel = "DIR",
      description = "Directory for table.md and the charts (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--seed", paramLabel = "N",
      description = "Seed for every random draw, instead of the scenario's.")
  Long seed;

  @Option(names = "--duration", paramLabel = "DURATION",
      description = "Run this long instead of the scenario's duration (such as 10s), for a "
          + "quick look.")
  String duration;

  @Option(names = "--no-progress", description = "No progress bar (it is off anyway when "
      + "stderr is not a terminal).")
  boolean noProgress;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter stderr = spec.commandLine().getErr();
    Scenario s;
    try {
      s = ScenarioReader.read(scenario, FeatureRegistry.defaults());
      if (seed != null) {
        s = s.withSeed(seed);
      }
      if (duration != null) {
        s = s.withDuration(parseDuration(duration));
      }
    } catch (ScenarioException | IllegalArgumentException e) {
      stderr.println("invalid scenario: " + e.getMessage());
      stderr.flush();
      return BallastCommand.EXIT_INVALID;
    } catch (UncheckedIOException e) {
      stderr.println(e.getMessage());
      stderr.flush();
      return BallastCommand.EXIT_INVALID;
    }
    ProgressBar bar = !noProgress && ProgressBar.stderrIsTerminal() ? new ProgressBar(stderr)
        : null;
    SimResult result = Simulation.run(s, FeatureRegistry.defaults(),
        bar == null ? ProgressListener.NONE : bar);
    if (bar != null) {
      bar.done();
    }
    String title = "## " + s.name() + " (seed " + s.seed() + ", " + s.duration().toSeconds()
        + " s of virtual time" + (s.warmup().isZero() ? ""
            : ", first " + s.warmup().toMillis() / 1000.0 + " s left out as warm-up") + ")\n\n";
    stdout.print(title);
    stdout.print(result.table());
    stdout.println();
    stdout.println(result.speed());
    try {
      Files.createDirectories(out);
      Files.writeString(out.resolve("table.md"), title + result.table(), StandardCharsets.UTF_8);
      Files.writeString(out.resolve("series.csv"), result.seriesCsv(), StandardCharsets.UTF_8);
      List<Path> charts = Charts.write(result, out);
      stdout.println("wrote " + out.resolve("table.md") + ", series.csv, "
          + String.join(", ", charts.stream().map(p -> p.getFileName().toString()).toList()));
    } catch (IOException e) {
      stderr.println("cannot write into " + out + ": " + e.getMessage());
      stderr.flush();
      return 1;
    } finally {
      stdout.flush();
    }
    return 0;
  }

  private static Duration parseDuration(String text) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m)").matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "--duration: '" + text + "' (expected: a duration such as 500ms, 10s, 2m)");
    }
    double n = Double.parseDouble(m.group(1));
    double unit = switch (m.group(2)) {
      case "ms" -> 1e6;
      case "s" -> 1e9;
      default -> 60e9;
    };
    long nanos = Math.round(n * unit);
    if (nanos <= 0) {
      throw new IllegalArgumentException("--duration: '" + text + "' (expected: > 0)");
    }
    return Duration.ofNanos(nanos);
  }

  /**
   * A one-line bar redrawn in place with a carriage return; redrawn only when the percentage or
   * the variant changes, so it costs nothing next to the simulation.
   */
  static final class ProgressBar implements ProgressListener {
    private static final int WIDTH = 30;
    private final PrintWriter err;
    private int lastPercent = -1;
    private int lastVariant = -1;

    ProgressBar(PrintWriter err) {
      this.err = err;
    }

    /**
     * True when stderr is a terminal. Linux tells through /proc (fd 2 links to a tty device);
     * elsewhere a console on the JVM is the best hint there is.
     */
    static boolean stderrIsTerminal() {
      try {
        Path target = Files.readSymbolicLink(Path.of("/proc/self/fd/2"));
        String t = target.toString();
        return t.startsWith("/dev/pts/") || t.startsWith("/dev/tty");
      } catch (IOException | UnsupportedOperationException | SecurityException e) {
        return System.console() != null;
      }
    }

    @Override
    public void onProgress(int variant, int variants, String name, double fraction) {
      int percent = (int) Math.floor(fraction * 100);
      if (percent == lastPercent && variant == lastVariant) {
        return;
      }
      lastPercent = percent;
      lastVariant = variant;
      int filled = (int) Math.round(fraction * WIDTH);
      err.print("\r[" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "] "
          + String.format("%3d%%", percent) + "  variant " + (variant + 1) + "/" + variants
          + ": " + name + "\u001b[K");
      err.flush();
    }

    void done() {
      err.print("\r\u001b[K");
      err.flush();
    }
  }
}
