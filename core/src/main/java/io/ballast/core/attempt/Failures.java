package io.ballast.core.attempt;

/**
 * What counts as a failure, and for whom: the one place that says it, for every driver of
 * attempts (proxy, mirror, simulator).
 *
 * <p>Worked example: a backend answers 429. Its load counts a failure (auto, peak EWMA and the
 * weight controller must not take a fast refusal for a fast backend), its circuit breaker counts
 * a success (a 429 is an answer, the backend is up), its outlier tracker counts a success (only
 * 5xx are server errors), and the request is retried only if 429 is configured as retryable. A
 * 503 fails all three. A reset, a timeout or a refused connect fails all three too, and the
 * outlier tracker counts them as local-origin failures.
 *
 * <p>Stateless and thread-safe.
 */
public final class Failures {
  private Failures() {}

  /**
   * Whether an answer counts against the backend in its load (what auto, peak EWMA and the
   * weight controller read): a 5xx, and a 429, with which the backend sheds work it has no room
   * for. A fast 429 counted as a success would make a shedding backend look like the fastest one
   * and draw more traffic to it.
   */
  public static boolean forLoad(int status) {
    return status >= 500 || status == 429;
  }

  /** Whether an answer counts against the backend's gate (its circuit breaker): a 5xx. */
  public static boolean forGate(int status) {
    return status >= 500;
  }
}
