package io.ballast.core.outlier;

import io.ballast.core.Backend;
import io.ballast.core.OutcomeListener;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The data-plane side of outlier detection for one backend: the proxy reports each request's
 * outcome here, and the {@link OutlierDetector} that created it decides.
 *
 * <p>Thread-safe, lock-free and allocation-free: every event loop may report concurrently. Each
 * report is one or two atomic increments. It keeps:
 * <ul>
 *   <li>consecutive counters (5xx, gateway failure, local-origin failure); the report that makes
 *       one reach its threshold, exactly once per run, posts one task to the control loop;</li>
 *   <li>per-interval success and failure counts, packed in one {@code AtomicLong} per origin
 *       (successes in the low 32 bits, failures in the high 32 bits) so the control loop takes a
 *       consistent pair and restarts the interval with a single {@code getAndSet(0)}.</li>
 * </ul>
 *
 * <p>Which call to make, as Envoy classifies outcomes:
 * <ul>
 *   <li>{@link #response(int)} for every HTTP answer the backend sent (5xx are failures; 502, 503
 *       and 504 are also gateway failures; anything else is a success);</li>
 *   <li>{@link #localOriginFailure()} when no answer came because of the connection: refused,
 *       reset, timed out;</li>
 *   <li>{@link #localOriginSuccess()} when the connection to the backend was established.</li>
 * </ul>
 * Unless the settings split local-origin errors, a local-origin failure counts as a gateway
 * failure (as Envoy maps it to 503/504), and a local-origin success is ignored, because the
 * answer that follows is what gets reported.
 */
public final class OutlierTracker implements OutcomeListener {
  private static final long SUCCESS = 1L;
  private static final long FAILURE = 1L << 32;

  /** Receives threshold crossings; runs on the reporting thread, so it must only post. */
  interface Signal {
    void crossed(OutlierTracker tracker, EjectionKind kind);
  }

  private final Backend backend;
  private final boolean split;
  private final int threshold5xx;
  private final int thresholdGateway;
  private final int thresholdLocal;
  private final Signal signal;
  private final AtomicInteger consecutive5xx = new AtomicInteger();
  private final AtomicInteger consecutiveGateway = new AtomicInteger();
  private final AtomicInteger consecutiveLocal = new AtomicInteger();
  private final AtomicLong external = new AtomicLong();
  private final AtomicLong localOrigin = new AtomicLong();

  OutlierTracker(Backend backend, OutlierSettings settings, Signal signal) {
    this.backend = backend;
    this.split = settings.splitLocalOrigin();
    // 0 means "never signal": the counter still runs, for the status view.
    this.threshold5xx = threshold(settings.consecutive5xx());
    this.thresholdGateway = threshold(settings.consecutiveGatewayFailure());
    this.thresholdLocal = split ? threshold(settings.consecutiveLocalOriginFailure()) : 0;
    this.signal = signal;
  }

  private static int threshold(OutlierSettings.Consecutive rule) {
    return rule.enabled() ? rule.threshold() : 0;
  }

  public Backend backend() {
    return backend;
  }

  /** The backend answered with this HTTP status. */
  @Override
  public void response(int status) {
    if (status >= 500 && status <= 599) {
      serverError(status == 502 || status == 503 || status == 504);
    } else {
      success();
    }
  }

  /** The backend answered with a non-5xx status (or, for TCP, the session ended cleanly). */
  public void success() {
    reset(consecutive5xx);
    reset(consecutiveGateway);
    external.getAndAdd(SUCCESS);
  }

  /** The backend answered 5xx; {@code gateway} for 502, 503 and 504. */
  public void serverError(boolean gateway) {
    if (gateway) {
      bump(consecutiveGateway, thresholdGateway, EjectionKind.CONSECUTIVE_GATEWAY_FAILURE);
    } else {
      reset(consecutiveGateway);
    }
    bump(consecutive5xx, threshold5xx, EjectionKind.CONSECUTIVE_5XX);
    external.getAndAdd(FAILURE);
  }

  /** Refused, reset or timed out: the failure is the connection's, not an answer. */
  @Override
  public void localOriginFailure() {
    if (split) {
      bump(consecutiveLocal, thresholdLocal, EjectionKind.CONSECUTIVE_LOCAL_ORIGIN_FAILURE);
      localOrigin.getAndAdd(FAILURE);
    } else {
      serverError(true);
    }
  }

  /** The connection to the backend was established; counted only in split mode. */
  @Override
  public void localOriginSuccess() {
    if (split) {
      reset(consecutiveLocal);
      localOrigin.getAndAdd(SUCCESS);
    }
  }

  /** Current run of 5xx answers (and, unless split, local-origin failures). */
  public int consecutive5xx() {
    return consecutive5xx.get();
  }

  /** Current run of gateway failures. */
  public int consecutiveGatewayFailures() {
    return consecutiveGateway.get();
  }

  /** Current run of local-origin failures (split mode only). */
  public int consecutiveLocalOriginFailures() {
    return consecutiveLocal.get();
  }

  private void bump(AtomicInteger counter, int threshold, EjectionKind kind) {
    // "==" not ">=": one signal per run; the detector resets the counter when it handles it.
    if (counter.incrementAndGet() == threshold) {
      signal.crossed(this, kind);
    }
  }

  private static void reset(AtomicInteger counter) {
    // Read first: most answers are successes, and a write would bounce the cache line anyway.
    if (counter.get() != 0) {
      counter.set(0);
    }
  }

  /** Control loop: takes the interval's external counts and restarts them. */
  long harvestExternal() {
    return external.getAndSet(0);
  }

  /** Control loop: takes the interval's local-origin counts and restarts them. */
  long harvestLocalOrigin() {
    return localOrigin.getAndSet(0);
  }

  /** Control loop: ends a run after it has been handled. */
  void resetConsecutive(EjectionKind kind) {
    switch (kind) {
      case CONSECUTIVE_5XX -> consecutive5xx.set(0);
      case CONSECUTIVE_GATEWAY_FAILURE -> consecutiveGateway.set(0);
      case CONSECUTIVE_LOCAL_ORIGIN_FAILURE -> consecutiveLocal.set(0);
      default -> { }
    }
  }

  /** Control loop: a fresh start after an ejection or a return. */
  void resetAll() {
    consecutive5xx.set(0);
    consecutiveGateway.set(0);
    consecutiveLocal.set(0);
    external.set(0);
    localOrigin.set(0);
  }

  static long successes(long packed) {
    return packed & 0xFFFF_FFFFL;
  }

  static long failures(long packed) {
    return packed >>> 32;
  }

  @Override
  public String toString() {
    return "outlier tracker of " + backend.name() + " (5xx run " + consecutive5xx.get()
        + ", gateway run " + consecutiveGateway.get() + ", local-origin run "
        + consecutiveLocal.get() + ")";
  }
}
