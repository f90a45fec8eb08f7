package io.ballast.proxy.http1;

/**
 * A client connection's part in a graceful stop: whether it was asked to drain, and since when
 * it may have a request on its way that no head has announced yet (from its accept until its
 * first request head, and from a drain that found it idle between requests). A stop answers
 * such a request (with Connection: close) rather than close the connection under it, which
 * would reset it; it waits for it at most a grace time.
 *
 * <p>Written on the connection's event loop; {@link #awaitingRequest} is read by the stopping
 * thread (a volatile).
 */
final class DrainWatch {
  private static final long NONE = Long.MIN_VALUE;

  private boolean draining;
  private volatile long awaitingSince = NONE;

  /** True once a drain was asked for. */
  boolean draining() {
    return draining;
  }

  /** A request may be on its way from now (the connection was accepted). */
  void awaiting(long nowNanos) {
    awaitingSince = nowNanos;
  }

  /** A request head came (or the connection closed): nothing more is on its way unannounced. */
  void announced() {
    awaitingSince = NONE;
  }

  /**
   * A drain is asked for on an idle connection at {@code nowNanos}: how long it stays open for a
   * request that may be on its way, {@code graceNanos} from when it became idle or was accepted.
   */
  long drainIdle(long nowNanos, long graceNanos) {
    draining = true;
    long since = awaitingSince == NONE ? nowNanos : awaitingSince;
    awaitingSince = since;
    return Math.max(0, graceNanos - (nowNanos - since));
  }

  /** A drain is asked for while the connection is busy: it closes after its answer. */
  void drainBusy() {
    draining = true;
  }

  /** True while a request may be on its way at {@code nowNanos}, for at most {@code graceNanos}. */
  boolean awaitingRequest(long nowNanos, long graceNanos) {
    long since = awaitingSince;
    return since != NONE && nowNanos - since < graceNanos;
  }
}
