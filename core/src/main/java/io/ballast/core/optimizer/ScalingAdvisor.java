package io.ballast.core.optimizer;

import io.ballast.core.optimizer.ScalingSignal.Direction;
import java.time.Duration;
import java.util.Objects;

/**
 * Watches one pool's level (mean utilization, or p99 in milliseconds under the latency objective)
 * and raises a {@link ScalingSignal} when it stays above {@code hot_above} (or below
 * {@code cold_below}) without a break for the configured duration. A raised signal stays raised
 * until the level returns between the thresholds, which clears it and re-arms the advisor; the
 * same direction does not fire again within the cooldown of its last signal.
 *
 * <p>The number of backends is a rough estimate under the utilization objective: the count that
 * would bring the level to the middle of the two thresholds with the same traffic, as
 * {@code ceil(n × level / middle) - n}. Worked example: 4 backends at 0.86, thresholds 0.2 and
 * 0.8 (middle 0.5): ceil(6.88) = 7, so "add about 3 backends".
 *
 * <p>Control loop only for {@link #observe}; {@link #active()} and {@link #raisedTotal()} are
 * thread-safe reads for metrics.
 */
public final class ScalingAdvisor {
  private static final long NEVER = Long.MIN_VALUE;

  private final String pool;
  private final WeightControlSettings.Scaling settings;
  private final String levelName;
  private final boolean countable;
  private long hotSince = NEVER;
  private long coldSince = NEVER;
  private long lastUp = NEVER;
  private long lastDown = NEVER;
  private volatile Direction active;
  private volatile long raisedTotal;

  /**
   * @param levelName what the level is, for messages ("utilization", "p99 ms")
   * @param countable whether the level is proportional to load per backend (utilization), so
   *     that a count of backends can be suggested
   */
  public ScalingAdvisor(String pool, WeightControlSettings.Scaling settings, String levelName,
      boolean countable) {
    this.pool = Objects.requireNonNull(pool, "pool");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.levelName = Objects.requireNonNull(levelName, "levelName");
    this.countable = countable;
  }

  /** The direction signalled now, or null while the pool is normal. Thread-safe. */
  public Direction active() {
    return active;
  }

  /** Signals raised since the start. Thread-safe. */
  public long raisedTotal() {
    return raisedTotal;
  }

  /**
   * One observation of the pool's level with {@code backends} serving; NaN when unknown (no data),
   * which breaks a streak without clearing a raised signal. Returns the event this observation
   * causes, or null.
   */
  public ScalingSignal observe(long nowNanos, double level, int backends) {
    if (Double.isNaN(level)) {
      hotSince = NEVER;
      coldSince = NEVER;
      return null;
    }
    if (level > settings.hotAbove()) {
      coldSince = NEVER;
      hotSince = hotSince == NEVER ? nowNanos : hotSince;
      return maybeRaise(nowNanos, Direction.UP, hotSince, level, backends);
    }
    if (level < settings.coldBelow()) {
      hotSince = NEVER;
      coldSince = coldSince == NEVER ? nowNanos : coldSince;
      return maybeRaise(nowNanos, Direction.DOWN, coldSince, level, backends);
    }
    hotSince = NEVER;
    coldSince = NEVER;
    Direction was = active;
    if (was == null) {
      return null;
    }
    active = null;
    return new ScalingSignal(nowNanos, pool, was, false, level, Duration.ZERO, 0,
        "pool " + pool + ": " + levelName + " " + Format.ratio(level) + ", back between "
            + Format.ratio(settings.coldBelow()) + " and " + Format.ratio(settings.hotAbove()));
  }

  private ScalingSignal maybeRaise(long now, Direction d, long since, double level, int n) {
    long last = d == Direction.UP ? lastUp : lastDown;
    if (active == d || now - since < settings.sustain().toNanos()
        || last != NEVER && now - last < settings.cooldown().toNanos()) {
      return null;
    }
    if (d == Direction.UP) {
      lastUp = now;
    } else {
      lastDown = now;
    }
    active = d;
    raisedTotal++;
    Duration sustained = Duration.ofNanos(now - since);
    int count = 0;
    String advice;
    if (countable && n > 0) {
      double middle = (settings.hotAbove() + settings.coldBelow()) / 2;
      int needed = (int) Math.ceil(n * level / middle - 1e-9);
      count = d == Direction.UP ? Math.max(1, needed - n) : Math.min(n - 1, Math.max(1, n - needed));
      advice = d == Direction.UP ? "add about " + count + (count == 1 ? " backend" : " backends")
          : count == 0 ? "cold, but it has a single backend"
              : "could lose about " + count + (count == 1 ? " backend" : " backends");
    } else {
      advice = d == Direction.UP ? "add backends" : "could do with fewer backends";
    }
    return new ScalingSignal(now, pool, d, true, level, sustained, count,
        "pool " + pool + ": " + levelName + " " + Format.ratio(level) + " for "
            + duration(sustained) + ", " + advice);
  }

  /** "5m", "90s", "1500ms". */
  static String duration(Duration d) {
    long ms = d.toMillis();
    if (ms >= 60_000 && ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    if (ms >= 1000 && ms % 1000 == 0) {
      return ms / 1000 + "s";
    }
    return ms + "ms";
  }
}
