package io.ballast.core.outlier;

import java.util.Locale;

/**
 * The success-rate rule's arithmetic, after Envoy: the mean and population standard deviation of
 * the success rates (in percent) of the backends with enough volume, and the ejection threshold
 * {@code mean - stdevFactor * stdev}. A backend whose rate is strictly below the threshold is an
 * outlier.
 *
 * <p>Worked example, five backends at 100, 100, 100, 90 and 60 %, stdevFactor 1.9: mean = 450 / 5
 * = 90; squared deviations 100, 100, 100, 0, 900 sum to 1200, variance = 1200 / 5 = 240, stdev =
 * 15.49; threshold = 90 - 1.9 × 15.49 = 60.57. The backend at 60 % is ejected, the one at 90 % is
 * not.
 *
 * <p>Immutable value.
 */
public record SuccessRateStats(double mean, double stdev, double threshold) {
  /** Computes the statistics of {@code rates[0..count)} (percentages). */
  public static SuccessRateStats of(double[] rates, int count, double stdevFactor) {
    if (count < 1) {
      throw new IllegalArgumentException("count: " + count + " (expected: >= 1)");
    }
    double sum = 0;
    for (int i = 0; i < count; i++) {
      sum += rates[i];
    }
    double mean = sum / count;
    double squares = 0;
    for (int i = 0; i < count; i++) {
      double d = rates[i] - mean;
      squares += d * d;
    }
    double stdev = Math.sqrt(squares / count);
    return new SuccessRateStats(mean, stdev, mean - stdevFactor * stdev);
  }

  /** True when a backend with this success rate is an outlier. */
  public boolean isOutlier(double rate) {
    return rate < threshold;
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "threshold %.1f%% (pool mean %.1f%%, stdev %.1f%%)",
        threshold, mean, stdev);
  }
}
