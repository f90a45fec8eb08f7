package io.ballast.core.circuit;

import java.time.Duration;
import java.util.Objects;

/**
 * The tunables of one backend's {@link CircuitBreaker}, with Resilience4j's meaning.
 *
 * @param windowType {@link WindowType#COUNT}: the last {@code windowSize} calls; {@link
 *     WindowType#TIME}: the calls of the last {@code windowSize} seconds
 * @param windowSize calls (COUNT, 1 to {@value #MAX_COUNT_WINDOW}) or seconds (TIME, 1 to
 *     {@value #MAX_TIME_WINDOW_SECONDS})
 * @param minimumCalls calls the window must hold before any rate is computed; with a COUNT window
 *     it may not exceed {@code windowSize} (the window could never reach it)
 * @param failureRateThreshold open when failed calls are at least this percentage, in (0, 100]
 * @param slowCallDurationThreshold a call that took longer than this is slow
 * @param slowCallRateThreshold open when slow calls are at least this percentage, in (0, 100]
 * @param waitInOpen how long an open circuit refuses calls before it lets trial calls through
 * @param permittedCallsInHalfOpen trial calls let through in half-open; their window decides
 * @param maxConcurrentRequests calls in flight at once to the backend; 0 means unlimited
 */
public record CircuitBreakerSettings(
    WindowType windowType,
    int windowSize,
    int minimumCalls,
    double failureRateThreshold,
    Duration slowCallDurationThreshold,
    double slowCallRateThreshold,
    Duration waitInOpen,
    int permittedCallsInHalfOpen,
    int maxConcurrentRequests) {

  /** The largest COUNT window: the packed counters of the window hold 20 bits per field. */
  public static final int MAX_COUNT_WINDOW = 1_000_000;

  /** The largest TIME window, in seconds (one hour). */
  public static final int MAX_TIME_WINDOW_SECONDS = 3600;

  /** The most trial calls in half-open (the half-open window is a COUNT window of this size). */
  public static final int MAX_PERMITTED_IN_HALF_OPEN = 100_000;

  /**
   * Defaults for a load balancer: the last 100 calls, judged from 20 on; open at 50% failures or
   * when every call is slower than 5 s; 30 s open; 10 trial calls; no concurrency limit.
   */
  public static final CircuitBreakerSettings DEFAULTS =
      new CircuitBreakerSettings(
          WindowType.COUNT,
          100,
          20,
          50,
          Duration.ofSeconds(5),
          100,
          Duration.ofSeconds(30),
          10,
          0);

  public CircuitBreakerSettings {
    Objects.requireNonNull(windowType, "windowType");
    Objects.requireNonNull(slowCallDurationThreshold, "slowCallDurationThreshold");
    Objects.requireNonNull(waitInOpen, "waitInOpen");
    int maxWindow = windowType == WindowType.COUNT ? MAX_COUNT_WINDOW : MAX_TIME_WINDOW_SECONDS;
    if (windowSize < 1 || windowSize > maxWindow) {
      throw new IllegalArgumentException(
          "windowSize: " + windowSize + " (expected: 1 to " + maxWindow + " for a " + windowType
              + " window)");
    }
    if (minimumCalls < 1 || minimumCalls > MAX_COUNT_WINDOW) {
      throw new IllegalArgumentException(
          "minimumCalls: " + minimumCalls + " (expected: 1 to " + MAX_COUNT_WINDOW + ")");
    }
    if (windowType == WindowType.COUNT && minimumCalls > windowSize) {
      throw new IllegalArgumentException(
          "minimumCalls: " + minimumCalls + " (expected: <= windowSize " + windowSize
              + ": a COUNT window never holds more calls than its size)");
    }
    checkPercent("failureRateThreshold", failureRateThreshold);
    checkPercent("slowCallRateThreshold", slowCallRateThreshold);
    if (slowCallDurationThreshold.isNegative() || slowCallDurationThreshold.isZero()) {
      throw new IllegalArgumentException(
          "slowCallDurationThreshold: " + slowCallDurationThreshold + " (expected: > 0)");
    }
    if (waitInOpen.isNegative() || waitInOpen.isZero()) {
      throw new IllegalArgumentException("waitInOpen: " + waitInOpen + " (expected: > 0)");
    }
    if (permittedCallsInHalfOpen < 1 || permittedCallsInHalfOpen > MAX_PERMITTED_IN_HALF_OPEN) {
      throw new IllegalArgumentException(
          "permittedCallsInHalfOpen: " + permittedCallsInHalfOpen + " (expected: 1 to "
              + MAX_PERMITTED_IN_HALF_OPEN + ")");
    }
    if (maxConcurrentRequests < 0) {
      throw new IllegalArgumentException(
          "maxConcurrentRequests: " + maxConcurrentRequests + " (expected: >= 0, 0 = unlimited)");
    }
  }

  private static void checkPercent(String field, double value) {
    // The negated form also rejects NaN.
    if (!(value > 0 && value <= 100)) {
      throw new IllegalArgumentException(field + ": " + value + " (expected: > 0 and <= 100)");
    }
  }

  /** A copy with another window. */
  public CircuitBreakerSettings withWindow(WindowType type, int size, int minimum) {
    return new CircuitBreakerSettings(type, size, minimum, failureRateThreshold,
        slowCallDurationThreshold, slowCallRateThreshold, waitInOpen, permittedCallsInHalfOpen,
        maxConcurrentRequests);
  }

  /** A copy with another concurrency limit (0 = unlimited). */
  public CircuitBreakerSettings withMaxConcurrentRequests(int max) {
    return new CircuitBreakerSettings(windowType, windowSize, minimumCalls, failureRateThreshold,
        slowCallDurationThreshold, slowCallRateThreshold, waitInOpen, permittedCallsInHalfOpen,
        max);
  }
}
