package io.ballast.core.shed;

import java.time.Duration;
import java.util.Objects;

/**
 * The tunables of a pool's adaptive concurrency limit ({@link GradientLimit}). Immutable.
 *
 * @param minLimit the limit never goes below this: the concurrency a pool is always allowed,
 *     however slow it answers
 * @param maxLimit the limit never goes above this, and starts here: before anything is measured
 *     nothing is refused
 * @param tolerance how far the median latency may rise above the baseline before the pool counts
 *     as overloaded: 1.5 lets it rise by half (Netflix's Gradient2 default {@code rttTolerance})
 * @param interval how often the limit is recomputed from the window of completed requests
 * @param minSamples completed requests a window needs before it is judged; a quieter window is
 *     extended until it has them
 */
public record SheddingSettings(int minLimit, int maxLimit, double tolerance, Duration interval,
    int minSamples) {

  /** The largest limit: thresholds are packed 21 bits each. */
  public static final int MAX_LIMIT = (1 << 21) - 1;

  /**
   * A minimum of 10, a maximum of 1000 (Envoy's {@code max_concurrency_limit} default), a
   * tolerance of 1.5, a window of 500 ms judged from 20 completions.
   */
  public static final SheddingSettings DEFAULTS =
      new SheddingSettings(10, 1000, 1.5, Duration.ofMillis(500), 20);

  public SheddingSettings {
    Objects.requireNonNull(interval, "interval");
    if (minLimit < 1) {
      throw new IllegalArgumentException("minLimit: " + minLimit + " (expected: >= 1)");
    }
    if (maxLimit < minLimit || maxLimit > MAX_LIMIT) {
      throw new IllegalArgumentException("maxLimit: " + maxLimit + " (expected: minLimit "
          + minLimit + " to " + MAX_LIMIT + ")");
    }
    if (!(tolerance >= 1.0 && tolerance <= 10.0)) {
      throw new IllegalArgumentException("tolerance: " + tolerance + " (expected: 1 to 10)");
    }
    if (interval.toMillis() < 10 || interval.compareTo(Duration.ofMinutes(1)) > 0) {
      throw new IllegalArgumentException(
          "interval: " + interval + " (expected: 10 ms to 1 minute)");
    }
    if (minSamples < 1) {
      throw new IllegalArgumentException("minSamples: " + minSamples + " (expected: >= 1)");
    }
  }

  /** These settings with other limits. */
  public SheddingSettings withLimits(int min, int max) {
    return new SheddingSettings(min, max, tolerance, interval, minSamples);
  }
}
