package io.ballast.server.cli;

import io.ballast.proxy.Transport;
import io.ballast.server.Ballast;
import io.ballast.server.config.BallastConfig;
import io.ballast.server.config.ConfigLoader;
import io.ballast.server.handover.HandoverException;
import io.ballast.server.handover.HandoverServer;
import io.ballast.server.handover.HandoverSockets;
import io.ballast.server.handover.SystemdNotify;
import io.ballast.server.handover.TakeOver;
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
        "listeners' routes; a bad file or one that changes anything else keeps the running config.",
        "Upgrade without a refused connection: run the old one with --handover-socket PATH and",
        "start the new one with --take-over PATH; the new one serves on the old one's listening",
        "sockets, then the old one stops accepting, drains and exits 0. Under systemd",
        "(Type=notify, NotifyAccess=all; $NOTIFY_SOCKET set) it reports READY=1, and a",
        "process that took over reports MAINPID= before the old one exits."})
public final class RunCommand implements Callable<Integer> {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(RunCommand.class);
  /** Start-up failed (a port in use, a take-over that did not happen). */
  static final int EXIT_START_FAILED = 1;

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

  @Option(names = "--handover-socket", paramLabel = "PATH",
      description = "Serve handovers on this Unix domain socket (mode 0600, same user only): a"
          + " ballast started with --take-over PATH gets the listening sockets, and this one"
          + " stops accepting, drains and exits 0. Needs native epoll.")
  Path handoverSocket;

  @Option(names = "--take-over", paramLabel = "PATH",
      description = "Start on the listening sockets of the ballast that serves handovers on PATH"
          + " (no connection is refused during the switch); it then drains and exits. This one"
          + " serves the next handover on PATH (or on --handover-socket). If this one fails to"
          + " start, it exits 1 and the running one serves on.")
  Path takeOver;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    BallastConfig valid = CheckCommand.report(ConfigLoader.load(config), spec.commandLine().getErr());
    if (valid == null) {
      return BallastCommand.EXIT_INVALID;
    }
    Path serveHandovers = handoverSocket != null ? handoverSocket : takeOver;
    if (serveHandovers != null && !Transport.epoll()) {
      spec.commandLine().getErr().println("--handover-socket and --take-over need native epoll"
          + " (listening sockets passed over a Unix domain socket); this platform runs "
          + Transport.name());
      return EXIT_START_FAILED;
    }
    SignalShutdown signals = SignalShutdown.install();
    SystemdNotify notify = SystemdNotify.fromEnvironment();
    Ballast ballast;
    HandoverSockets sockets;
    if (takeOver != null) {
      TakeOver taking;
      try {
        taking = TakeOver.connect(takeOver);
      } catch (HandoverException e) {
        log.error("take-over through {} failed: {}", takeOver, e.getMessage());
        return EXIT_START_FAILED;
      }
      try (taking) {
        sockets = taking.sockets();
        ballast = startOnTakenSockets(taking, valid, notify, signals);
        if (ballast == null) {
          return EXIT_START_FAILED;
        }
      }
    } else {
      sockets = serveHandovers == null ? null : HandoverSockets.fresh();
      ballast = Ballast.start(valid, threads, config,
          sockets == null ? Ballast.Sockets.BIND : sockets.seam());
    }
    HandoverServer handovers = serveHandovers == null || ballast.stopping() ? null
        : serveHandovers(serveHandovers, sockets, ballast);
    if (takeOver == null) {
      notify.ready();
    }
    SignalReload.install(ballast);
    if (!noWatch) {
      try {
        ballast.watchConfigFile();
      } catch (java.io.IOException e) {
        // Serving goes on: SIGHUP and the admin API still reload.
        log.warn(
            "cannot watch {} for changes ({}); reload with SIGHUP or POST /admin/reload",
            config, e.toString());
      }
    }
    signals.started(ballast);
    ballast.awaitStopped();
    if (handovers != null) {
      handovers.close();
    }
    return 0;
  }

  /** Serves the next handover of {@code ballast}'s sockets on {@code path}; null if it cannot. */
  private static HandoverServer serveHandovers(Path path, HandoverSockets sockets,
      Ballast ballast) {
    try {
      return HandoverServer.start(path, sockets, new HandoverServer.Owner() {
        @Override
        public void stopAccepting() {
          ballast.stopAccepting();
        }

        @Override
        public void stop() {
          ballast.stop();
        }
      });
    } catch (HandoverException e) {
      // Serving matters more than the next upgrade: that one will have to restart.
      log.warn("not serving handovers: {}", e.getMessage());
      return null;
    }
  }

  /**
   * Starts on the taken-over sockets and completes the take-over; null when this process must
   * exit (it failed to start, or the old process serves on).
   */
  private Ballast startOnTakenSockets(TakeOver taking, BallastConfig valid,
      SystemdNotify notify, SignalShutdown signals) {
    Ballast ballast;
    try {
      ballast = Ballast.start(valid, threads, config, taking.sockets().seam());
    } catch (Exception | Error e) {
      taking.abort(String.valueOf(e.getMessage()));
      return null;
    }
    if (signals.received()) {
      // Told to stop while starting: the old process had better serve on.
      taking.abort("stopped by a signal while starting");
      ballast.stop();
      return null;
    }
    // Before the old process may exit: a service manager that follows the main process must
    // know it is this one by then, or the old one's exit ends the service.
    notify.mainPid(ProcessHandle.current().pid());
    try {
      taking.serving();
    } catch (HandoverException e) {
      if (taking.oldAlive()) {
        // It gave up waiting (or never heard): it serves on, and two would serve one socket.
        log.error("take-over not confirmed: {}; pid {} serves on, this one stops",
            e.getMessage(), taking.oldPid());
        notify.mainPid(taking.oldPid());
        ballast.stop();
        return null;
      }
      log.warn("take-over not confirmed: {}; pid {} is gone, this one serves",
          e.getMessage(), taking.oldPid());
    }
    return ballast;
  }
}
