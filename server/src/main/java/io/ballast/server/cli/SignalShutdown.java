package io.ballast.server.cli;

import io.ballast.server.Ballast;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Graceful stop on SIGTERM and SIGINT. The JVM's own handling of those signals runs shutdown
 * hooks and exits with 143/130; ballast instead drains and exits 0, so the signals are handled
 * here (sun.misc.Signal, in the jdk.unsupported module on every JDK since 9). A second signal while
 * draining stops at once.
 */
final class SignalShutdown {
  private static final Logger log = LoggerFactory.getLogger(SignalShutdown.class);

  private final CountDownLatch signalled = new CountDownLatch(1);
  private volatile Ballast ballast;

  private SignalShutdown() {}

  /** The balancer is running: stop it on the first signal (or now, if one came already). */
  void started(Ballast running) {
    this.ballast = running;
    if (signalled.getCount() == 0) {
      stopAsync(running);
    }
  }

  /** True once SIGTERM or SIGINT came. */
  boolean received() {
    return signalled.getCount() == 0;
  }

  /**
   * Installs the handlers before anything starts, so no signal is ever lost to a start-up race;
   * a signal that arrives before the balancer runs stops it as soon as it is up.
   */
  static SignalShutdown install() {
    SignalShutdown shutdown = new SignalShutdown();
    for (String name : new String[] {"TERM", "INT"}) {
      try {
        Signal.handle(new Signal(name), shutdown::onSignal);
      } catch (IllegalArgumentException e) {
        log.warn("cannot handle SIG{} here ({}); the JVM default applies", name, e.getMessage());
      }
    }
    return shutdown;
  }

  private void onSignal(Signal signal) {
    if (signalled.getCount() == 0) {
      log.warn("SIG{} again while stopping: stopping now", signal.getName());
      Runtime.getRuntime().halt(1);
    }
    log.info("SIG{} received: stopping gracefully", signal.getName());
    signalled.countDown();
    Ballast running = ballast;
    if (running != null) {
      stopAsync(running);
    }
  }

  private static void stopAsync(Ballast running) {
    new Thread(running::stop, "ballast-shutdown").start();
  }
}
