package io.ballast.core.retry;

/**
 * How one attempt failed without an HTTP status. The proxy maps its transport events to these;
 * a response with a status is reported with {@link RetryState#onStatus(int)} instead.
 */
public enum AttemptFailure {
  /** The connection could not be opened: refused, unreachable, connect timeout. */
  CONNECT_FAILED(false),
  /** The connection closed or reset before any byte of the request was written to it. */
  RESET_BEFORE_SENT(false),
  /**
   * Refused on our side before anything was sent: the backend's circuit is open or its
   * concurrency limit is reached.
   */
  REJECTED_LOCALLY(false),
  /**
   * The connection closed or reset after (part of) the request was written and before any byte
   * of the response arrived: the backend may have acted on it.
   */
  RESET_AFTER_SENT(true),
  /** No complete response within the per-try timeout. */
  PER_TRY_TIMEOUT(true);

  private final boolean reachedBackend;

  AttemptFailure(boolean reachedBackend) {
    this.reachedBackend = reachedBackend;
  }

  /** False when the backend cannot have seen the request, so replaying it is always safe. */
  public boolean reachedBackend() {
    return reachedBackend;
  }
}
