package io.ballast.core.pool;

import io.ballast.core.health.HealthLevel;
import io.ballast.core.health.HealthPolicy;
import java.time.Duration;
import java.util.Objects;

/**
 * How health is judged (see {@link HealthPolicy}) and what the pool does when much of it is
 * down.
 *
 * @param rise passing checks in a row that bring a backend back (the single level's, when
 *     {@code policy} is built from them)
 * @param fall failing checks in a row that take a backend out (likewise)
 * @param activeChecks whether active health checks run (otherwise a refused backend returns
 *     after {@code passiveDownTime})
 * @param passiveDownTime how long a refused backend stays out without active checks
 * @param panicThresholdPercent when fewer than this share of the pool's active (not drained)
 *     backends are healthy, the pool balances over all of them, healthy or not, rather than
 *     crush the few that are left (Envoy's panic mode); 0 turns it off. With no healthy backend
 *     at all the pool answers "none available" at once instead.
 * @param slowStart over this window a backend that comes back takes a weight growing linearly
 *     from almost nothing to its full weight; zero turns it off. Only algorithms that honour
 *     weights feel it.
 * @param policy the levels of active checks and how they combine into a verdict;
 *     {@link HealthPolicy#single} of {@code rise} and {@code fall} for one check
 */
public record HealthSettings(int rise, int fall, boolean activeChecks, Duration passiveDownTime,
    int panicThresholdPercent, Duration slowStart, HealthPolicy policy) {
  public HealthSettings {
    if (rise < 1) {
      throw new IllegalArgumentException("rise: " + rise + " (expected: >= 1)");
    }
    if (fall < 1) {
      throw new IllegalArgumentException("fall: " + fall + " (expected: >= 1)");
    }
    Objects.requireNonNull(passiveDownTime, "passiveDownTime");
    if (passiveDownTime.isNegative() || passiveDownTime.isZero()) {
      throw new IllegalArgumentException(
          "passiveDownTime: " + passiveDownTime + " (expected: > 0)");
    }
    if (panicThresholdPercent < 0 || panicThresholdPercent > 100) {
      throw new IllegalArgumentException(
          "panicThresholdPercent: " + panicThresholdPercent + " (expected: 0..100)");
    }
    Objects.requireNonNull(slowStart, "slowStart");
    if (slowStart.isNegative()) {
      throw new IllegalArgumentException("slowStart: " + slowStart + " (expected: >= 0)");
    }
    Objects.requireNonNull(policy, "policy");
  }

  /** One check level damped by {@code rise} and {@code fall}. */
  public HealthSettings(int rise, int fall, boolean activeChecks, Duration passiveDownTime,
      int panicThresholdPercent, Duration slowStart) {
    this(rise, fall, activeChecks, passiveDownTime, panicThresholdPercent, slowStart,
        HealthPolicy.single(rise, fall));
  }

  /**
   * Active checks in several levels: {@code rise} and {@code fall} are those of the first
   * level, for whoever reads them.
   */
  public static HealthSettings levels(HealthPolicy policy, Duration passiveDownTime,
      int panicThresholdPercent, Duration slowStart) {
    HealthLevel first = policy.levels().get(0);
    return new HealthSettings(first.rise(), first.fall(), true, passiveDownTime,
        panicThresholdPercent, slowStart, policy);
  }

  /** Panic below {@value #DEFAULT_PANIC_THRESHOLD}% healthy, no slow start. */
  public HealthSettings(int rise, int fall, boolean activeChecks, Duration passiveDownTime) {
    this(rise, fall, activeChecks, passiveDownTime, DEFAULT_PANIC_THRESHOLD, Duration.ZERO);
  }

  /** Envoy's default panic threshold. */
  public static final int DEFAULT_PANIC_THRESHOLD = 50;

  /** No active checks: a refused backend is retried after 10 s. */
  public static final HealthSettings PASSIVE_ONLY =
      new HealthSettings(2, 3, false, Duration.ofSeconds(10));
}
