package io.ballast.core.attempt;

/**
 * How one attempt ended, as its driver saw it: the facts {@link Attempts} classifies.
 */
public enum AttemptOutcome {
  /** The backend's gate (its circuit breaker) refused the attempt: nothing was sent. */
  REFUSED_LOCALLY,
  /** The connection could not be opened (refused, unreachable, connect timeout). */
  CONNECT_FAILED,
  /** The connection broke before any byte of the request was written. */
  RESET_BEFORE_SENT,
  /** The connection broke after the request was (partly) written, before the response head. */
  RESET_AFTER_SENT,
  /** No response head within the attempt's timeout. */
  TIMEOUT,
  /** The backend answered with a status; the answer was relayed whole, or dropped for a retry. */
  ANSWERED,
  /** The backend answered, then broke the response (a reset, a malformed or stalled body). */
  BROKEN_AFTER_HEAD,
  /** The request ended on the client's side (gone, or its body broken) during the attempt. */
  ABANDONED,
  /**
   * A byte stream (a TCP connection) was relayed until it ended in order: a side closed it, the
   * client broke it, or it idled out. The backend broke none of it.
   */
  STREAM_ENDED;

  /** Lower case, for logs and labels ("reset_after_sent"). */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
