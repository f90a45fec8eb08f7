package io.ballast.core.retry;

import java.time.Duration;
import java.util.Objects;

/**
 * The retry budget of one pool: over a sliding {@code window}, retries that reached a backend may
 * be at most {@code percent} % of the requests plus {@code minRetriesPerSecond × window} (the
 * floor that lets a quiet pool retry at all). Immutable; validated at construction with
 * "field: value (expected: ...)" messages.
 *
 * @param enabled false lets every retry through (only max attempts and timeouts bound them)
 * @param percent retries allowed per 100 requests in the window, 0..100 (default 20)
 * @param minRetriesPerSecond retries allowed per second of the window whatever the traffic,
 *     0..1 000 000 (default 3)
 * @param window how long a request or a retry counts, 1 s..1 h (default 10 s); it slides in
 *     {@link RetryBudget#BUCKETS} steps
 */
public record RetryBudgetSettings(
    boolean enabled, double percent, double minRetriesPerSecond, Duration window) {

  // Declared before DEFAULTS: the constructor that builds DEFAULTS reads them.
  static final Duration MIN_WINDOW = Duration.ofSeconds(1);
  static final Duration MAX_WINDOW = Duration.ofHours(1);

  public static final RetryBudgetSettings DEFAULTS =
      new RetryBudgetSettings(true, 20.0, 3.0, Duration.ofSeconds(10));

  /** No budget: every retry the other rules allow is made. */
  public static final RetryBudgetSettings DISABLED =
      new RetryBudgetSettings(false, 20.0, 3.0, Duration.ofSeconds(10));

  public RetryBudgetSettings {
    if (!(percent >= 0 && percent <= 100)) {
      throw new IllegalArgumentException("percent: " + percent + " (expected: 0..100)");
    }
    if (!(minRetriesPerSecond >= 0 && minRetriesPerSecond <= 1_000_000)) {
      throw new IllegalArgumentException(
          "minRetriesPerSecond: " + minRetriesPerSecond + " (expected: 0..1000000)");
    }
    Objects.requireNonNull(window, "window");
    if (window.compareTo(MIN_WINDOW) < 0 || window.compareTo(MAX_WINDOW) > 0) {
      throw new IllegalArgumentException("window: " + window + " (expected: 1s..1h)");
    }
  }
}
