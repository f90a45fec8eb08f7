package io.ballast.core.retry;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * When and how often a request is retried. Immutable; validated at construction with
 * "field: value (expected: ...)" messages.
 *
 * @param maxAttempts attempts per request including the first, 1..10 (default 3); 1 turns
 *     retries off
 * @param perTryTimeout longest wait, once an attempt's request was sent, for its response to
 *     begin (the status line); past it the attempt fails and a retryable request moves to
 *     another backend. A response that has begun is not cut by it (it could no longer be
 *     retried). {@link Duration#ZERO} for none (default none)
 * @param overallTimeout longest time from the whole request's arrival (its last body byte; see
 *     {@link RetryState#requestReceived()}) to the end of its last attempt;
 *     {@link Duration#ZERO} for none (default 30 s); no retry starts after it expired
 * @param retryableStatuses statuses after which a retryable request is retried, each 400..599
 *     (default 502, 503, 504)
 * @param retryableMethods methods retried after they reached a backend in addition to RFC 9110's
 *     idempotent ones (GET, HEAD, OPTIONS, PUT, DELETE, TRACE), such as POST for an API known to
 *     be safe to replay (default none); method names are case-sensitive tokens
 * @param maxBufferedBody largest request body, in bytes, kept so that it can be sent again,
 *     0..1 GiB (default 64 KiB); a larger body is not retried once part of it was sent
 * @param budget the pool's retry budget
 */
public record RetrySettings(
    int maxAttempts,
    Duration perTryTimeout,
    Duration overallTimeout,
    Set<Integer> retryableStatuses,
    Set<String> retryableMethods,
    long maxBufferedBody,
    RetryBudgetSettings budget) {

  public static final int MAX_ATTEMPTS_LIMIT = 10;
  public static final long MAX_BUFFERED_BODY_LIMIT = 1L << 30;

  public static final RetrySettings DEFAULTS = new RetrySettings(
      3, Duration.ZERO, Duration.ofSeconds(30), Set.of(502, 503, 504), Set.of(), 64 * 1024,
      RetryBudgetSettings.DEFAULTS);

  public RetrySettings {
    if (maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS_LIMIT) {
      throw new IllegalArgumentException(
          "maxAttempts: " + maxAttempts + " (expected: 1.." + MAX_ATTEMPTS_LIMIT + ")");
    }
    Objects.requireNonNull(perTryTimeout, "perTryTimeout");
    Objects.requireNonNull(overallTimeout, "overallTimeout");
    if (perTryTimeout.isNegative()) {
      throw new IllegalArgumentException(
          "perTryTimeout: " + perTryTimeout + " (expected: >= 0, 0 for none)");
    }
    if (overallTimeout.isNegative()) {
      throw new IllegalArgumentException(
          "overallTimeout: " + overallTimeout + " (expected: >= 0, 0 for none)");
    }
    if (!perTryTimeout.isZero() && !overallTimeout.isZero()
        && perTryTimeout.compareTo(overallTimeout) > 0) {
      throw new IllegalArgumentException("perTryTimeout: " + perTryTimeout
          + " (expected: <= overallTimeout " + overallTimeout + ")");
    }
    Objects.requireNonNull(retryableStatuses, "retryableStatuses");
    for (Integer status : retryableStatuses) {
      if (status == null || status < 400 || status > 599) {
        throw new IllegalArgumentException(
            "retryableStatuses: " + status + " (expected: 400..599)");
      }
    }
    retryableStatuses = Set.copyOf(new TreeSet<>(retryableStatuses));
    Objects.requireNonNull(retryableMethods, "retryableMethods");
    for (String method : retryableMethods) {
      if (!isToken(method)) {
        throw new IllegalArgumentException(
            "retryableMethods: " + method + " (expected: an HTTP method token such as POST)");
      }
    }
    retryableMethods = Set.copyOf(retryableMethods);
    if (maxBufferedBody < 0 || maxBufferedBody > MAX_BUFFERED_BODY_LIMIT) {
      throw new IllegalArgumentException("maxBufferedBody: " + maxBufferedBody
          + " (expected: 0.." + MAX_BUFFERED_BODY_LIMIT + ")");
    }
    Objects.requireNonNull(budget, "budget");
  }

  /** These settings with another maximum number of attempts. */
  public RetrySettings withMaxAttempts(int value) {
    return new RetrySettings(value, perTryTimeout, overallTimeout, retryableStatuses,
        retryableMethods, maxBufferedBody, budget);
  }

  /** These settings with other per-try and overall timeouts. */
  public RetrySettings withTimeouts(Duration perTry, Duration overall) {
    return new RetrySettings(maxAttempts, perTry, overall, retryableStatuses, retryableMethods,
        maxBufferedBody, budget);
  }

  /** These settings with other retryable statuses. */
  public RetrySettings withRetryableStatuses(Set<Integer> value) {
    return new RetrySettings(maxAttempts, perTryTimeout, overallTimeout, value, retryableMethods,
        maxBufferedBody, budget);
  }

  /** These settings with other extra retryable methods. */
  public RetrySettings withRetryableMethods(Set<String> value) {
    return new RetrySettings(maxAttempts, perTryTimeout, overallTimeout, retryableStatuses, value,
        maxBufferedBody, budget);
  }

  /** These settings with another body buffer limit. */
  public RetrySettings withMaxBufferedBody(long value) {
    return new RetrySettings(maxAttempts, perTryTimeout, overallTimeout, retryableStatuses,
        retryableMethods, value, budget);
  }

  /** These settings with another budget. */
  public RetrySettings withBudget(RetryBudgetSettings value) {
    return new RetrySettings(maxAttempts, perTryTimeout, overallTimeout, retryableStatuses,
        retryableMethods, maxBufferedBody, value);
  }

  /** RFC 9110 5.6.2 token: one or more tchar. */
  private static boolean isToken(String s) {
    if (s == null || s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      if (!alnum && "!#$%&'*+-.^_`|~".indexOf(c) < 0) {
        return false;
      }
    }
    return true;
  }
}
