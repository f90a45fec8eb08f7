package io.ballast.server.cli;

import io.ballast.server.Ballast;
import io.ballast.server.reload.ReloadResult;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Reloads the config file on SIGHUP ({@code ballast run} only), as {@code POST /admin/reload}
 * does. The JVM's default for SIGHUP is to exit; once this handler is installed the signal never
 * stops ballast. The reload runs on the reloader's thread; its outcome is logged there.
 *
 * <p>Threading: the handler runs on the JVM's signal thread and only hands the reload over.
 */
final class SignalReload {
  private static final Logger log = LoggerFactory.getLogger(SignalReload.class);

  private final Ballast ballast;

  SignalReload(Ballast ballast) {
    this.ballast = ballast;
  }

  /** Handles SIGHUP from now on; false (and a warning) where the signal cannot be handled. */
  static boolean install(Ballast ballast) {
    SignalReload reload = new SignalReload(ballast);
    try {
      Signal.handle(new Signal("HUP"), s -> reload.onSignal());
      return true;
    } catch (IllegalArgumentException e) {
      log.warn("cannot handle SIGHUP here ({}); reload through POST /admin/reload",
          e.getMessage());
      return false;
    }
  }

  /** What a SIGHUP does: starts a reload, whose outcome the reloader logs. */
  CompletableFuture<ReloadResult> onSignal() {
    log.info("SIGHUP received: reloading the config file");
    return ballast.reload(ReloadResult.Trigger.SIGNAL);
  }
}
