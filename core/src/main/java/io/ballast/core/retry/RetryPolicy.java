package io.ballast.core.retry;

import io.ballast.core.Ticker;
import java.util.Objects;

/**
 * The retry rules of one pool: which failed attempts are tried again on another backend, bounded
 * by max attempts, the overall timeout and the pool's {@link RetryBudget}.
 *
 * <p>Thread-safe and non-blocking: immutable apart from the budget and counters it shares, which
 * are lock-free. Event loops call {@link #start(String, long)} once per request and obey the
 * {@link RetryDecision} that the returned {@link RetryState} gives for each failed attempt.
 *
 * <h2>The rules, in the order they are checked</h2>
 * <ol>
 *   <li>A response byte already reached the client: no retry (the answer cannot be taken back).
 *   <li>A status not in {@code retryableStatuses}: no retry (it is the backend's answer).
 *   <li>The backend may have seen the request (a status, a per-try timeout, a reset after
 *       sending) and the method is neither idempotent (RFC 9110 9.2.2) nor in
 *       {@code retryableMethods}: no retry (replaying could apply it twice).
 *   <li>Part of the body was sent and not kept: no retry (it cannot be replayed).
 *   <li>{@code maxAttempts} attempts made, or the overall timeout expired: no retry.
 *   <li>The backend may have seen the request and the budget is spent: no retry.
 *   <li>Otherwise retry, on another backend (the {@link RetryState} excludes those tried).
 * </ol>
 *
 * <h2>Why a request that never reached a backend is not charged to the budget</h2>
 * Envoy charges every retry to its budget. Here a retry after a connect failure, a reset before
 * any byte was written, or a local rejection (open circuit, concurrency limit) is exempt: the
 * budget exists so that retries cannot multiply the work a failing pool is given, and such an
 * attempt gave the pool no work (a refused connect costs a backend's kernel a reset, a local
 * rejection costs it nothing). Charging them would let a stale pooled connection or one dead
 * backend's refusals spend the allowance that protects the pool from real overload, and would
 * turn into client errors exactly the requests that are free to move. They stay bounded by
 * {@code maxAttempts}, by the overall timeout and by the pool itself (each backend is tried at
 * most once while another is available), and are counted as {@link RetryDecision#RETRY_NOT_SENT}.
 */
public final class RetryPolicy {
  /** Returned by {@link RetryState#attemptTimeoutNanos()} when no timeout applies. */
  public static final long NO_TIMEOUT = Long.MAX_VALUE;

  private final RetrySettings settings;
  private final RetryBudget budget;
  private final RetryCounters counters;
  private final Ticker ticker;
  private final boolean[] retryableStatus = new boolean[600];
  private final String[] extraMethods;
  private final long perTryNanos;
  private final long overallNanos;

  /** A policy with its own budget and counters. */
  public RetryPolicy(RetrySettings settings, Ticker ticker) {
    this(settings, new RetryBudget(settings.budget(), ticker), new RetryCounters(), ticker);
  }

  /**
   * A policy sharing a pool's budget and counters (for instance a new policy built on a config
   * reload that keeps the pool's history).
   */
  public RetryPolicy(
      RetrySettings settings, RetryBudget budget, RetryCounters counters, Ticker ticker) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.budget = Objects.requireNonNull(budget, "budget");
    this.counters = Objects.requireNonNull(counters, "counters");
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    for (int status : settings.retryableStatuses()) {
      retryableStatus[status] = true;
    }
    this.extraMethods = settings.retryableMethods().toArray(new String[0]);
    this.perTryNanos = settings.perTryTimeout().isZero() ? 0 : settings.perTryTimeout().toNanos();
    this.overallNanos =
        settings.overallTimeout().isZero() ? 0 : settings.overallTimeout().toNanos();
  }

  public RetrySettings settings() {
    return settings;
  }

  public RetryBudget budget() {
    return budget;
  }

  public RetryCounters counters() {
    return counters;
  }

  /**
   * A request arrived: deposits it in the budget and returns its state, which is also the
   * {@link io.ballast.core.PickContext} of its picks.
   *
   * @param method the request method exactly as received (methods are case-sensitive)
   * @param hashKey the precomputed hash key for hash-based pickers, 0 for none
   */
  public RetryState start(String method, long hashKey) {
    return start(method, hashKey, null);
  }

  /**
   * As {@link #start(String, long)}, reusing {@code reuse} (the state of the previous request on
   * the same connection) when it belongs to this policy, so that a request allocates no retry
   * state. The previous request must be over: its state is reset.
   */
  public RetryState start(String method, long hashKey, RetryState reuse) {
    budget.onRequest();
    counters.request();
    if (reuse != null && reuse.policy() == this) {
      reuse.reset(retryableMethod(method), hashKey, ticker.nanos());
      return reuse;
    }
    return new RetryState(this, retryableMethod(method), hashKey, ticker.nanos());
  }

  /** True when the method may be replayed after it reached a backend. */
  public boolean retryableMethod(String method) {
    switch (method) {
      case "GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE":
        return true;
      default:
        for (String extra : extraMethods) {
          if (extra.equals(method)) {
            return true;
          }
        }
        return false;
    }
  }

  /** True when a response with this status is retried (for a retryable request). */
  public boolean retryableStatus(int status) {
    return status >= 0 && status < retryableStatus.length && retryableStatus[status];
  }

  /**
   * True when a body of this length is kept whole for a retry; -1 (unknown length, chunked):
   * keep it while it stays within {@link RetrySettings#maxBufferedBody()}, and report
   * {@link RetryState#bodyNotReplayable()} once bytes past that were sent and dropped.
   */
  public boolean bufferWholeBody(long contentLength) {
    return contentLength <= settings.maxBufferedBody();
  }

  Ticker ticker() {
    return ticker;
  }

  long perTryNanos() {
    return perTryNanos;
  }

  long overallNanos() {
    return overallNanos;
  }

  /** The rules of the class comment; {@code failure} null means a status was received. */
  RetryDecision decide(RetryState s, AttemptFailure failure, int status) {
    RetryDecision d = rules(s, failure, status);
    counters.record(d);
    return d;
  }

  private RetryDecision rules(RetryState s, AttemptFailure failure, int status) {
    if (s.responseStartedFlag()) {
      return RetryDecision.NO_RETRY_RESPONSE_STARTED;
    }
    if (failure == null && !retryableStatus(status)) {
      return RetryDecision.NO_RETRY_STATUS;
    }
    boolean reached = failure == null || failure.reachedBackend();
    if (reached && !s.methodRetryable() && !(failure == null && s.statusesRetryable())) {
      return RetryDecision.NO_RETRY_NOT_IDEMPOTENT;
    }
    if (!s.bodyReplayableFlag()) {
      return RetryDecision.NO_RETRY_BODY_NOT_BUFFERED;
    }
    if (s.attempts() >= settings.maxAttempts()) {
      return RetryDecision.NO_RETRY_MAX_ATTEMPTS;
    }
    if (overallNanos != 0 && s.remainingNanos() <= 0) {
      return RetryDecision.NO_RETRY_DEADLINE;
    }
    if (!reached) {
      return RetryDecision.RETRY_NOT_SENT;
    }
    if (!budget.tryAcquireRetry()) {
      return RetryDecision.NO_RETRY_BUDGET_EXHAUSTED;
    }
    if (failure == null) {
      return RetryDecision.RETRY_STATUS;
    }
    return failure == AttemptFailure.PER_TRY_TIMEOUT
        ? RetryDecision.RETRY_PER_TRY_TIMEOUT
        : RetryDecision.RETRY_RESET;
  }

  void recordNoBackend() {
    counters.record(RetryDecision.NO_RETRY_NO_BACKEND);
  }

  void recordAttempt() {
    counters.attempt();
  }

  @Override
  public String toString() {
    return "RetryPolicy[" + settings + ", " + budget + "]";
  }
}
