package io.ballast.core.retry;

/**
 * The verdict on a failed attempt, which the proxy obeys: retry on another backend, or answer
 * the client with what it has. An enum so that deciding allocates nothing; each constant has a
 * label for metrics and the access log.
 */
public enum RetryDecision {
  /** The request never reached a backend (connect failure, reset before sending, local reject). */
  RETRY_NOT_SENT(true, "retry_not_sent", "request never reached a backend"),
  /** A retryable status (by default 502, 503, 504) on a retryable request. */
  RETRY_STATUS(true, "retry_status", "retryable status"),
  /** The per-try timeout expired on a retryable request. */
  RETRY_PER_TRY_TIMEOUT(true, "retry_per_try_timeout", "per-try timeout"),
  /** The connection was reset after the request was sent, on a retryable request. */
  RETRY_RESET(true, "retry_reset", "connection reset after the request was sent"),

  /** A status the settings do not retry (a 500, a 404, ...). */
  NO_RETRY_STATUS(false, "no_retry_status", "status not retryable"),
  /** The backend may have acted on a request that is neither idempotent nor configured so. */
  NO_RETRY_NOT_IDEMPOTENT(false, "no_retry_not_idempotent", "method not retryable"),
  /** Part of the body was sent and not kept (larger than maxBufferedBody): it cannot be replayed. */
  NO_RETRY_BODY_NOT_BUFFERED(false, "no_retry_body_not_buffered", "request body not buffered"),
  /** A byte of the response already reached the client. */
  NO_RETRY_RESPONSE_STARTED(false, "no_retry_response_started", "response already started"),
  /** The request already made maxAttempts attempts. */
  NO_RETRY_MAX_ATTEMPTS(false, "no_retry_max_attempts", "max attempts reached"),
  /** The overall timeout has expired. */
  NO_RETRY_DEADLINE(false, "no_retry_deadline", "overall timeout expired"),
  /** The pool's retry budget is spent. */
  NO_RETRY_BUDGET_EXHAUSTED(false, "no_retry_budget_exhausted", "retry budget exhausted"),
  /**
   * A retry was granted but no backend could take it; reported by the proxy through
   * {@link RetryState#noBackendForRetry()}.
   */
  NO_RETRY_NO_BACKEND(false, "no_retry_no_backend", "no backend left to retry on");

  private final boolean retry;
  private final String label;
  private final String text;

  RetryDecision(boolean retry, String label, String text) {
    this.retry = retry;
    this.label = label;
    this.text = text;
  }

  /** True when the proxy must pick another backend and send the request again. */
  public boolean retry() {
    return retry;
  }

  /** A metric label value and access-log token, such as {@code no_retry_budget_exhausted}. */
  public String label() {
    return label;
  }

  /** A short human reason for logs. */
  public String text() {
    return text;
  }
}
