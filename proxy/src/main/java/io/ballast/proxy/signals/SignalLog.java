package io.ballast.proxy.signals;

import io.ballast.core.Backend;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.signal.SignalSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log of signal sources going stale and coming back, on logger {@code io.ballast.signals}:
 * once per change, never once per failure (the callers only call it when
 * {@link io.ballast.core.signal.BackendSignals#markStale} reports a change, or when a stale source
 * delivers again). Thread-safe.
 */
public final class SignalLog {
  static final Logger LOG = LoggerFactory.getLogger("io.ballast.signals");

  private SignalLog() {}

  public static void stale(LoadBalancer pool, Backend backend, SignalSource source, String reason) {
    LOG.warn("pool {} backend {} ({}): {} signal stale: {}", pool.name(), backend.name(),
        backend.address(), source, reason);
  }

  public static void back(LoadBalancer pool, Backend backend, SignalSource source) {
    LOG.info("pool {} backend {} ({}): {} signal back", pool.name(), backend.name(),
        backend.address(), source);
  }
}
