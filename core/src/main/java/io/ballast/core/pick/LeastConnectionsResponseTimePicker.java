package io.ballast.core.pick;

import io.ballast.core.Backend;
import io.ballast.core.BackendLoad;
import io.ballast.core.PickContext;
import io.ballast.core.PickResult;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Weighted least connections plus response time: the backend with the lowest score
 * {@code (connectionWeight × inFlight / capacity + responseTimeWeight × rt) / weight}, where rt is
 * the backend's latency EWMA in seconds ({@link BackendLoad}) and capacity the requests in flight a
 * weight-1 backend is expected to hold. Worked example, defaults (1, 1, capacity 100): a backend
 * with 20 in flight answering in 50 ms scores 0.2 + 0.05 = 0.25; one with 5 in flight answering
 * in 400 ms scores 0.05 + 0.4 = 0.45, so the first wins.
 *
 * <p>Failures do not make a backend look fast: {@link BackendLoad} counts a failed request's
 * latency as at least twice the current EWMA (and at least 100 ms). A backend without a sample yet
 * (or long idle) is given the average EWMA of the backends that have one, so it is probed at the
 * pool's pace rather than flooded as "0 s" or starved.
 *
 * <p>This picker scans every available backend, twice (the neutral latency, then the scores):
 * O(n) per pick, no allocation. Ties rotate: the scan starts at a position that advances on every
 * pick and only a strictly lower score replaces the best. Thread-safe, non-blocking.
 */
public final class LeastConnectionsResponseTimePicker implements Cursor.CursorPicker {
  private final Backend[] backends;
  private final double[] weights;
  private final double connectionWeight;
  private final double responseTimeWeight;
  private final double capacity;
  private final AtomicLong cursor;

  /** The factory for these options: {@code connectionWeight}, {@code responseTimeWeight}, {@code capacity}. */
  public static PickerFactory factory(AlgorithmOptions options) {
    return (pool, previous, rng) -> new LeastConnectionsResponseTimePicker(
        pool.availableBackends(), pool.availableWeights(), options.connectionWeight(),
        options.responseTimeWeight(), options.capacity(), Cursor.carryOver(previous, rng));
  }

  LeastConnectionsResponseTimePicker(List<Backend> backends, int[] weights, double connectionWeight,
      double responseTimeWeight, int capacity, AtomicLong cursor) {
    if (weights.length != backends.size() || weights.length == 0) {
      throw new IllegalArgumentException(
          "weights: " + weights.length + " entries (expected: " + backends.size() + ", > 0)");
    }
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= 1)");
    }
    this.backends = backends.toArray(Backend[]::new);
    this.weights = new double[weights.length];
    for (int i = 0; i < weights.length; i++) {
      this.weights[i] = weights[i];
    }
    this.connectionWeight = connectionWeight;
    this.responseTimeWeight = responseTimeWeight;
    this.capacity = capacity;
    this.cursor = cursor;
  }

  @Override
  public PickResult pick(PickContext context) {
    Backend[] all = backends;
    int n = all.length;
    double sum = 0;
    int sampled = 0;
    long now = all[0].load().nowNanos();
    for (Backend b : all) {
      double e = b.load().latencyEwmaNanos(now);
      if (!Double.isNaN(e)) {
        sum += e;
        sampled++;
      }
    }
    double neutral = sampled == 0 ? 0.0 : sum / sampled;
    int start = Cursor.index(cursor.getAndIncrement(), n);
    Backend best = null;
    double bestScore = 0;
    for (int k = 0; k < n; k++) {
      int i = start + k < n ? start + k : start + k - n;
      Backend b = all[i];
      if (context.isExcluded(b)) {
        continue;
      }
      BackendLoad load = b.load();
      double rtSeconds = load.latencyEstimateNanos(neutral, now) * 1e-9;
      double score = (connectionWeight * load.inFlight() / capacity
          + responseTimeWeight * rtSeconds) / weights[i];
      if (best == null || score < bestScore) {
        best = b;
        bestScore = score;
      }
    }
    return best == null ? PickResult.NoBackend.ALL_EXCLUDED : best.picked();
  }

  @Override
  public AtomicLong cursor() {
    return cursor;
  }

  @Override
  public String toString() {
    return "LeastConnectionsResponseTimePicker" + Picks.names(backends) + " connectionWeight="
        + connectionWeight + " responseTimeWeight=" + responseTimeWeight + " capacity=" + capacity;
  }
}
