package io.ballast.core.affinity;

import java.time.Duration;
import java.util.Objects;

/**
 * How a pool's sticky sessions are kept, bounded and rebalanced. Immutable; validated at
 * construction.
 *
 * @param boundedLoad c = 1 + ε of consistent hashing with bounded loads (Mirrokni, Thorup and
 *     Zadimoghaddam, 2016), applied to sessions: a new or moved session does not pin to a backend
 *     whose requests in flight, the new one counted, would exceed
 *     {@code ceil(c × its weighted share of the pool's in-flight)}; it overflows to the least
 *     loaded backend instead. Above 1; 1.25 by default.
 * @param strict the default for routes that do not say: strict affinity answers "no backend"
 *     rather than move a session whose backend is gone; soft (false, the default) moves it
 * @param rebalance when and how fast the sessions of a backend that stays overloaded are moved
 */
public record AffinitySettings(double boundedLoad, boolean strict, Rebalance rebalance) {
  /** Default c = 1 + ε: a backend may carry a quarter more than its share of new sessions. */
  public static final double DEFAULT_BOUNDED_LOAD = 1.25;
  /** Soft affinity, bounded load 1.25, rebalancing on with {@link Rebalance#DEFAULTS}. */
  public static final AffinitySettings DEFAULTS =
      new AffinitySettings(DEFAULT_BOUNDED_LOAD, false, Rebalance.DEFAULTS);

  public AffinitySettings {
    if (!(boundedLoad > 1) || Double.isInfinite(boundedLoad)) {
      throw new IllegalArgumentException(
          "boundedLoad: " + boundedLoad + " (expected: > 1, for example 1.25)");
    }
    Objects.requireNonNull(rebalance, "rebalance");
  }

  /**
   * Rebalancing of sticky sessions (see {@link SessionRebalancer}): a backend whose average
   * requests in flight stay above {@code above} times the pool's average for {@code after} sheds
   * {@code step} more of its sessions each {@code interval}, up to {@code maxShare}; once it is
   * no longer above, the share falls back by {@code step} per interval to zero.
   *
   * @param enabled whether the rebalancer runs
   * @param above overload threshold as a multiple of the pool's average load; above 1
   * @param after how long the overload must hold before sessions move; zero or more
   * @param step share of the backend's sessions added (or removed) per interval; 0.0001..1 (one
   *     bucket of {@value SessionRebalancer#BUCKETS} at least)
   * @param maxShare the most of a backend's sessions that may be moved away; [step, 1]
   * @param interval how often shares are reconsidered; at least 10 ms
   */
  public record Rebalance(boolean enabled, double above, Duration after, double step,
      double maxShare, Duration interval) {
    /** On; 1.5 × the pool's average for 30 s; 5% more per 5 s, up to 30%. */
    public static final Rebalance DEFAULTS = new Rebalance(true, 1.5, Duration.ofSeconds(30), 0.05,
        0.30, Duration.ofSeconds(5));
    /** Off: sessions move only when their backend is gone. */
    public static final Rebalance OFF = new Rebalance(false, 1.5, Duration.ofSeconds(30), 0.05,
        0.30, Duration.ofSeconds(5));

    public Rebalance {
      if (!(above > 1) || Double.isInfinite(above)) {
        throw new IllegalArgumentException("above: " + above + " (expected: > 1, for example 1.5)");
      }
      Objects.requireNonNull(after, "after");
      if (after.isNegative()) {
        throw new IllegalArgumentException("after: " + after + " (expected: >= 0)");
      }
      if (!(step >= 0.0001 && step <= 1)) {
        // Shares are counted in 10,000 buckets: a smaller step would never move anything.
        throw new IllegalArgumentException("step: " + step + " (expected: 0.0001..1)");
      }
      if (!(maxShare >= step && maxShare <= 1)) {
        throw new IllegalArgumentException(
            "maxShare: " + maxShare + " (expected: >= step " + step + " and <= 1)");
      }
      Objects.requireNonNull(interval, "interval");
      if (interval.compareTo(Duration.ofMillis(10)) < 0) {
        throw new IllegalArgumentException("interval: " + interval + " (expected: >= 10 ms)");
      }
    }
  }
}
