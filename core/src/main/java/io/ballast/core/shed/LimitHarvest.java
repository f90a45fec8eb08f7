package io.ballast.core.shed;

import io.ballast.core.LatencyHistogram;

/**
 * Turns a {@link ConcurrencyLimiter}'s cumulative counters into {@link LimitWindow}s: it keeps the
 * previous reading of the latency histogram and the counters and subtracts it from the current
 * one, so the data plane never resets anything and a request ending during the harvest counts in
 * the next window (the same double reading as the weight controller's {@code TrafficWindow}).
 *
 * <p>A window with fewer completions than the settings' {@code minSamples} is not closed: the
 * next harvest extends it, so a quiet pool is judged on enough requests rather than on noise.
 *
 * <p>Control loop only.
 */
final class LimitHarvest {
  private final ConcurrencyLimiter limiter;
  private long[] previous = new long[LatencyHistogram.BUCKETS];
  private long[] current = new long[LatencyHistogram.BUCKETS];
  private final long[] delta = new long[LatencyHistogram.BUCKETS];
  private long previousRefused;
  private long previousSheddable;
  private long previousQueued;
  private long startNanos;
  private int peak;

  LimitHarvest(ConcurrencyLimiter limiter, long nowNanos) {
    this.limiter = limiter;
    limiter.latency().copyInto(previous);
    previousRefused = limiter.refused();
    previousSheddable = limiter.refused(Priority.SHEDDABLE);
    previousQueued = limiter.queued();
    startNanos = nowNanos;
    limiter.takePeak();
  }

  /**
   * Closes the window at {@code nowNanos} and opens the next; null when it holds fewer than
   * {@code minSamples} completions (it stays open, its peak kept).
   */
  LimitWindow harvest(long nowNanos, int minSamples) {
    peak = Math.max(peak, limiter.takePeak());
    limiter.latency().copyInto(current);
    long total = 0;
    for (int i = 0; i < delta.length; i++) {
      delta[i] = current[i] - previous[i];
      total += delta[i];
    }
    if (total < minSamples) {
      return null;
    }
    long refused = limiter.refused();
    long sheddable = limiter.refused(Priority.SHEDDABLE);
    long queued = limiter.queued();
    LimitWindow w = new LimitWindow(Math.max(1, nowNanos - startNanos), total,
        LatencyHistogram.quantile(delta, total, 0.50), peak,
        Math.max(0, refused - previousRefused), Math.max(0, sheddable - previousSheddable),
        limiter.inFlight(), Math.max(0, queued - previousQueued));
    long[] swap = previous;
    previous = current;
    current = swap;
    previousRefused = refused;
    previousSheddable = sheddable;
    previousQueued = queued;
    startNanos = nowNanos;
    peak = 0;
    return w;
  }
}
