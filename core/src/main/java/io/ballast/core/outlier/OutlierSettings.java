package io.ballast.core.outlier;

import java.time.Duration;
import java.util.Objects;

/**
 * Outlier detection (passive health) settings of one pool, after Envoy's
 * {@code outlier_detection}. Every rule can be switched off on its own. See
 * docs/failover/outlier-detection.md for each setting's meaning and default.
 *
 * <p>Immutable and thread-safe; validated at construction.
 *
 * @param interval how often the interval rules run and the per-interval counts are harvested
 * @param baseEjectionTime how long a first ejection lasts; the n-th lasts n times this
 * @param maxEjectionTime the ceiling of a grown ejection time
 * @param maxEjectionPercent the share of the pool that may be ejected at once; see
 *     {@link #maxEjected(int)} for the small-pool rule
 * @param consecutive5xx ejection after this many 5xx answers in a row
 * @param consecutiveGatewayFailure ejection after this many 502/503/504 in a row
 * @param splitLocalOrigin when true, local-origin failures (refused, reset, timeout) are counted
 *     apart from the backend's answers, as Envoy's {@code split_external_local_origin_errors};
 *     when false they count as gateway failures (and so as 5xx)
 * @param consecutiveLocalOriginFailure split mode only: ejection after this many local-origin
 *     failures in a row
 * @param successRate the statistical rule across the pool
 * @param failurePercentage the absolute failure-share rule
 */
public record OutlierSettings(
    Duration interval,
    Duration baseEjectionTime,
    Duration maxEjectionTime,
    int maxEjectionPercent,
    Consecutive consecutive5xx,
    Consecutive consecutiveGatewayFailure,
    boolean splitLocalOrigin,
    Consecutive consecutiveLocalOriginFailure,
    SuccessRate successRate,
    FailurePercentage failurePercentage) {

  /** Defaults: see docs/failover/outlier-detection.md. */
  public static final OutlierSettings DEFAULTS = new OutlierSettings(
      Duration.ofSeconds(10),
      Duration.ofSeconds(30),
      Duration.ofSeconds(300),
      10,
      new Consecutive(true, 5),
      new Consecutive(true, 5),
      false,
      new Consecutive(true, 5),
      new SuccessRate(true, 5, 100, 1.9),
      new FailurePercentage(true, 85, 5, 50));

  public OutlierSettings {
    positive("interval", interval);
    positive("baseEjectionTime", baseEjectionTime);
    positive("maxEjectionTime", maxEjectionTime);
    if (maxEjectionTime.compareTo(baseEjectionTime) < 0) {
      throw new IllegalArgumentException("maxEjectionTime: " + maxEjectionTime
          + " (expected: >= baseEjectionTime " + baseEjectionTime + ")");
    }
    if (maxEjectionPercent < 1 || maxEjectionPercent > 100) {
      throw new IllegalArgumentException(
          "maxEjectionPercent: " + maxEjectionPercent + " (expected: 1..100)");
    }
    Objects.requireNonNull(consecutive5xx, "consecutive5xx");
    Objects.requireNonNull(consecutiveGatewayFailure, "consecutiveGatewayFailure");
    Objects.requireNonNull(consecutiveLocalOriginFailure, "consecutiveLocalOriginFailure");
    Objects.requireNonNull(successRate, "successRate");
    Objects.requireNonNull(failurePercentage, "failurePercentage");
  }

  private static void positive(String field, Duration d) {
    Objects.requireNonNull(d, field);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(field + ": " + d + " (expected: > 0)");
    }
  }

  /**
   * How many backends of a pool of {@code poolSize} may be ejected at the same time:
   * {@code min(poolSize - 1, max(1, floor(poolSize * maxEjectionPercent / 100)))}, and 0 for a
   * pool of one.
   *
   * <p>Why: a plain percentage rounds down to 0 for every pool smaller than 100 / pct (10 % of 5
   * is 0.5), so a small pool could never eject its one bad backend. At least one ejection is
   * therefore always allowed, and at least one backend always stays in. Examples at 10 %: pool of
   * 1 → 0, 2 → 1, 5 → 1, 9 → 1, 10 → 1, 19 → 1, 20 → 2, 35 → 3.
   */
  public int maxEjected(int poolSize) {
    if (poolSize <= 1) {
      return 0;
    }
    int byShare = (int) ((long) poolSize * maxEjectionPercent / 100);
    return Math.min(poolSize - 1, Math.max(1, byShare));
  }

  /** How long the ejection with this multiplier lasts: base × multiplier, capped at max. */
  public Duration ejectionTime(int multiplier) {
    Duration grown = baseEjectionTime.multipliedBy(Math.max(1, multiplier));
    return grown.compareTo(maxEjectionTime) > 0 ? maxEjectionTime : grown;
  }

  public OutlierSettings withInterval(Duration value) {
    return new OutlierSettings(value, baseEjectionTime, maxEjectionTime, maxEjectionPercent,
        consecutive5xx, consecutiveGatewayFailure, splitLocalOrigin, consecutiveLocalOriginFailure,
        successRate, failurePercentage);
  }

  public OutlierSettings withEjectionTimes(Duration base, Duration max) {
    return new OutlierSettings(interval, base, max, maxEjectionPercent, consecutive5xx,
        consecutiveGatewayFailure, splitLocalOrigin, consecutiveLocalOriginFailure, successRate,
        failurePercentage);
  }

  public OutlierSettings withMaxEjectionPercent(int value) {
    return new OutlierSettings(interval, baseEjectionTime, maxEjectionTime, value,
        consecutive5xx, consecutiveGatewayFailure, splitLocalOrigin, consecutiveLocalOriginFailure,
        successRate, failurePercentage);
  }

  public OutlierSettings withConsecutive5xx(Consecutive value) {
    return new OutlierSettings(interval, baseEjectionTime, maxEjectionTime, maxEjectionPercent,
        value, consecutiveGatewayFailure, splitLocalOrigin, consecutiveLocalOriginFailure,
        successRate, failurePercentage);
  }

  public OutlierSettings withConsecutiveGatewayFailure(Consecutive value) {
    return new OutlierSettings(interval, baseEjectionTime, maxEjectionTime, maxEjectionPercent,
        consecutive5xx, value, splitLocalOrigin, consecutiveLocalOriginFailure, successRate,
        failurePercentage);
  }

  public OutlierSettings withLocalOrigin(boolean split, Consecutive consecutive) {
    return new OutlierSettings(interval, baseEjectionTime, maxEjectionTime, maxEjectionPercent,
        consecutive5xx, consecutiveGatewayFailure, split, consecutive, successRate,
        failurePercentage);
  }

  public OutlierSettings withSuccessRate(SuccessRate value) {
    return new OutlierSettings(interval, baseEjectionTime, maxEjectionTime, maxEjectionPercent,
        consecutive5xx, consecutiveGatewayFailure, splitLocalOrigin, consecutiveLocalOriginFailure,
        value, failurePercentage);
  }

  public OutlierSettings withFailurePercentage(FailurePercentage value) {
    return new OutlierSettings(interval, baseEjectionTime, maxEjectionTime, maxEjectionPercent,
        consecutive5xx, consecutiveGatewayFailure, splitLocalOrigin, consecutiveLocalOriginFailure,
        successRate, value);
  }

  /**
   * A consecutive-failure rule: eject once {@code threshold} failures of its kind arrive in a row.
   * The threshold is validated even when the rule is off, so switching it on cannot surprise.
   */
  public record Consecutive(boolean enabled, int threshold) {
    public static final Consecutive OFF = new Consecutive(false, 5);

    public Consecutive {
      if (threshold < 1) {
        throw new IllegalArgumentException(
            "consecutive threshold: " + threshold + " (expected: >= 1)");
      }
    }
  }

  /**
   * Success-rate rule (Envoy's {@code success_rate_*}): among backends with at least
   * {@code requestVolume} outcomes in the interval, and only when there are at least
   * {@code minimumHosts} of them, eject each whose success rate is below
   * {@code mean - stdevFactor * stdev} (population standard deviation).
   */
  public record SuccessRate(
      boolean enabled, int minimumHosts, int requestVolume, double stdevFactor) {
    public static final SuccessRate OFF = new SuccessRate(false, 5, 100, 1.9);

    public SuccessRate {
      if (minimumHosts < 2) {
        throw new IllegalArgumentException("successRate.minimumHosts: " + minimumHosts
            + " (expected: >= 2; a backend is compared with the others)");
      }
      if (requestVolume < 1) {
        throw new IllegalArgumentException(
            "successRate.requestVolume: " + requestVolume + " (expected: >= 1)");
      }
      if (!(stdevFactor > 0) || Double.isInfinite(stdevFactor)) {
        throw new IllegalArgumentException(
            "successRate.stdevFactor: " + stdevFactor + " (expected: a finite number > 0)");
      }
    }
  }

  /**
   * Failure-percentage rule (Envoy's {@code failure_percentage_*}): among backends with at least
   * {@code requestVolume} outcomes in the interval, and only when there are at least
   * {@code minimumHosts} of them, eject each whose failure share is {@code >= threshold} percent.
   */
  public record FailurePercentage(
      boolean enabled, int threshold, int minimumHosts, int requestVolume) {
    public static final FailurePercentage OFF = new FailurePercentage(false, 85, 5, 50);

    public FailurePercentage {
      if (threshold < 1 || threshold > 100) {
        throw new IllegalArgumentException(
            "failurePercentage.threshold: " + threshold + " (expected: 1..100)");
      }
      if (minimumHosts < 1) {
        throw new IllegalArgumentException(
            "failurePercentage.minimumHosts: " + minimumHosts + " (expected: >= 1)");
      }
      if (requestVolume < 1) {
        throw new IllegalArgumentException(
            "failurePercentage.requestVolume: " + requestVolume + " (expected: >= 1)");
      }
    }
  }
}
