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
 * one limit L and the shares below, sheddable requests stop at 0.75 L, default ones at 0.9 L and
 * critical ones at L, so while sheddable traffic is being refused the others still have a quarter
 * of the limit to themselves, and critical traffic a tenth of it while default traffic is refused.
 * The gradient controller ({@link GradientLimit}) moves L until the threshold that binds gives the
 * latency it tolerates, so the shares set the headroom kept for the higher classes, not how much
 * of the pool a lower class may use.
 *
 * <p>Worked example, L = 40: sheddable admitted while in flight < 30 (40 × 0.75), default while
 * < 36 (40 × 0.9), critical while < 40.
 *
 * <p>Immutable.
 */
public enum Priority {
  CRITICAL(1.0),
  DEFAULT(0.9),
  SHEDDABLE(0.75);

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

  /** Every class, most important first (the order of {@link #ordinal()}). */
  public static Priority[] all() {
    return ALL.clone();
  }
}
