package io.ballast.core.optimizer;

import java.time.Duration;
import java.util.Objects;

/**
 * A scaling event of one pool: raised when the pool stayed hot (or cold) for the configured
 * duration, cleared when it came back between the thresholds. Immutable.
 *
 * @param atNanos when, on the pool's ticker
 * @param pool the pool's name
 * @param direction {@link Direction#UP} when the pool wants more backends, {@link Direction#DOWN}
 *     when it could do with fewer
 * @param raised true when the signal is raised, false when it clears
 * @param level the pool's level that decided it (mean utilization, or p99 in milliseconds)
 * @param sustained how long the level has been beyond the threshold (zero when cleared)
 * @param backends how many backends to add (UP) or could be removed (DOWN), about; 0 when the
 *     level gives no basis for a count (the latency objective) or when cleared
 * @param message the event in one line: "pool api: utilization 0.86 for 5m, add about 2 backends"
 */
public record ScalingSignal(long atNanos, String pool, Direction direction, boolean raised,
    double level, Duration sustained, int backends, String message) {

  /** Which way the pool should scale. */
  public enum Direction {
    UP,
    DOWN;

    /** "up", "down": the label in metrics and JSON. */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public ScalingSignal {
    Objects.requireNonNull(pool, "pool");
    Objects.requireNonNull(direction, "direction");
    Objects.requireNonNull(sustained, "sustained");
    Objects.requireNonNull(message, "message");
  }
}
