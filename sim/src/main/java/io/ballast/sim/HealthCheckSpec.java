package io.ballast.sim;

import io.ballast.core.pool.HealthSettings;
import java.time.Duration;
import java.util.Objects;

/**
 * Active health checks as the pool would run them: every {@code interval}, each backend's check
 * passes while it is alive and fails (connection refused) while it is dead. Immutable.
 *
 * @param enabled false: no active checks; a refused backend returns after {@code passiveDownTime}
 * @param interval time between two checks of one backend
 * @param rise passes in a row that bring a backend back
 * @param fall failures in a row that take it out
 * @param passiveDownTime without active checks, how long a refused backend stays out
 * @param panicThreshold percent of healthy backends below which the pool balances over all
 * @param slowStart ramp of a returning backend's weight (0: none)
 */
public record HealthCheckSpec(boolean enabled, Duration interval, int rise, int fall,
    Duration passiveDownTime, int panicThreshold, Duration slowStart) {
  public static final HealthCheckSpec DEFAULTS = new HealthCheckSpec(true, Duration.ofSeconds(2),
      2, 3, Duration.ofSeconds(10), HealthSettings.DEFAULT_PANIC_THRESHOLD,
      Duration.ZERO);

  public HealthCheckSpec {
    Objects.requireNonNull(interval, "interval");
    if (interval.isZero() || interval.isNegative()) {
      throw new IllegalArgumentException("interval: " + interval + " (expected: > 0)");
    }
    Objects.requireNonNull(passiveDownTime, "passiveDownTime");
    Objects.requireNonNull(slowStart, "slowStart");
    // The rest is validated by the core settings built from it.
    settings(rise, fall, enabled, passiveDownTime, panicThreshold, slowStart);
  }

  /** The pool's health settings. */
  public HealthSettings settings() {
    return settings(rise, fall, enabled, passiveDownTime, panicThreshold, slowStart);
  }

  private static HealthSettings settings(int rise, int fall, boolean enabled,
      Duration passiveDownTime, int panicThreshold, Duration slowStart) {
    return new HealthSettings(rise, fall, enabled, passiveDownTime, panicThreshold,
        slowStart);
  }
}
