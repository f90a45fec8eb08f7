package io.ballast.server.cli;

import io.ballast.server.Ballast;
import io.ballast.server.config.BallastConfig;
import io.ballast.server.config.ConfigLoader;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ballast run -c FILE}: start the balancer and serve until SIGTERM or SIGINT; SIGHUP, a
 * change of the file (unless {@code --no-watch}) and {@code POST /admin/reload} reload its
 * routes.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = {"Start the balancer on a configuration file.",
        "SIGTERM or SIGINT stops accepting, lets in-flight requests finish (up to timeouts.drain)",
        "and exits 0. SIGHUP, a change of the file and POST /admin/reload reload the",
        "listeners' routes; a bad file or one that changes anything else keeps the running config."})
public final class RunCommand implements Callable<Integer> {
  @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE",
      description = "The YAML configuration file.")
  Path config;

  @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
      description = "Event loop threads for the proxy (0 = one per core; default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(names = "--no-watch",
      description = "Do not reload when the configuration file changes (SIGHUP and POST"
          + " /admin/reload still do).")
  boolean noWatch;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    BallastConfig valid = CheckCommand.report(ConfigLoader.load(config), spec.commandLine().getErr());
    if (valid == null) {
      return BallastCommand.EXIT_INVALID;
    }
    SignalShutdown signals = SignalShutdown.install();
    Ballast ballast = Ballast.start(valid, threads, config);
    SignalReload.install(ballast);
    if (!noWatch) {
      try {
        ballast.watchConfigFile();
      } catch (java.io.IOException e) {
        // Serving goes on: SIGHUP and the admin API still reload.
        org.slf4j.LoggerFactory.getLogger(RunCommand.class).warn(
            "cannot watch {} for changes ({}); reload with SIGHUP or POST /admin/reload",
            config, e.toString());
      }
    }
    signals.started(ballast);
    ballast.awaitStopped();
    return 0;
  }
}
