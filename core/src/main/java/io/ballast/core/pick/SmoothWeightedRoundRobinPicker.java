package io.ballast.core.pick;

import io.ballast.core.Backend;
import io.ballast.core.PickContext;
import io.ballast.core.PickResult;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Smooth weighted round robin, the NGINX algorithm (ngx_http_upstream_get_peer): on each step
 * every backend's current value grows by its weight, the largest current value wins (the first in
 * pool order on a tie) and the winner's value drops by the sum of weights. Weights 5, 1, 1 give
 * {@code a a b a c a a}: heavy backends are spread out instead of bunched.
 *
 * <p>NGINX runs that loop under a lock on every request. Its sequence is periodic with period
 * {@code sum(weights / gcd)}, so the control loop runs it once at build time into a schedule and a
 * pick is one atomic increment plus an array index. Worked example for 5, 1, 1 (sum 7):
 *
 * <pre>
 *   step  current after +w    pick  current after -7
 *   1     5  1  1             a     -2  1  1
 *   2     3  2  2             a     -4  2  2
 *   3     1  3  3             b      1 -4  3
 *   4     6 -3  4             a     -1 -3  4
 *   5     4 -2  5             c      4 -2 -2
 *   6     9 -1 -1             a      2 -1 -1
 *   7     7  0  0             a      0  0  0   (back to the start)
 * </pre>
 *
 * <p>When the period is long and the pool large (period × backends over {@link #EXACT_WORK}
 * steps) the exact O(period × n) construction is replaced by an earliest-deadline-first schedule
 * built with a heap in O(period × log n): the same proportions and the same smoothness bound
 * (each backend's picks stay within one of its ideal share at every prefix), though not the
 * identical order. Periods longer than {@link #MAX_PERIOD} are scaled down first.
 *
 * <p>Thread-safe, non-blocking, no allocation per pick.
 */
public final class SmoothWeightedRoundRobinPicker implements Cursor.CursorPicker {
  public static final PickerFactory FACTORY =
      (pool, previous, rng) -> new SmoothWeightedRoundRobinPicker(
          pool.availableBackends(), pool.availableWeights(), Cursor.carryOver(previous, rng));

  /** Longest schedule kept (4 MiB of ints). */
  static final int MAX_PERIOD = 1 << 20;
  /** Largest period × backends for which the exact NGINX loop runs at build time. */
  static final long EXACT_WORK = 1L << 24;

  private final Backend[] backends;
  private final int[] schedule;
  private final AtomicLong cursor;

  SmoothWeightedRoundRobinPicker(List<Backend> backends, int[] weights, AtomicLong cursor) {
    if (weights.length != backends.size()) {
      throw new IllegalArgumentException(
          "weights: " + weights.length + " entries (expected: " + backends.size() + ")");
    }
    this.backends = backends.toArray(Backend[]::new);
    this.schedule = schedule(weights);
    this.cursor = cursor;
  }

  @Override
  public PickResult pick(PickContext context) {
    int i = schedule[Cursor.index(cursor.getAndIncrement(), schedule.length)];
    Backend b = backends[i];
    if (!context.isExcluded(b)) {
      return b.picked();
    }
    return Picks.firstNotExcluded(backends, i, context);
  }

  @Override
  public AtomicLong cursor() {
    return cursor;
  }

  /** The schedule, as backend indexes; visible for tests. */
  int[] schedule() {
    return schedule.clone();
  }

  /** Builds one period of the smooth weighted sequence over backend indexes. */
  static int[] schedule(int[] weights) {
    int[] w = reduce(weights);
    long period = 0;
    for (int x : w) {
      period += x;
    }
    return period * w.length <= EXACT_WORK ? nginx(w, (int) period) : earliestDeadline(w, (int) period);
  }

  /** Divides by the gcd and, if the period is still too long, scales down keeping each >= 1. */
  private static int[] reduce(int[] weights) {
    int g = 0;
    long sum = 0;
    for (int x : weights) {
      if (x < 1) {
        throw new IllegalArgumentException("weight: " + x + " (expected: >= 1)");
      }
      g = gcd(g, x);
      sum += x;
    }
    int[] w = new int[weights.length];
    double scale = sum / g > MAX_PERIOD ? (double) MAX_PERIOD / sum : 1.0 / g;
    for (int i = 0; i < w.length; i++) {
      w[i] = (int) Math.max(1, Math.round(weights[i] * scale));
    }
    return w;
  }

  private static int gcd(int a, int b) {
    while (b != 0) {
      int t = a % b;
      a = b;
      b = t;
    }
    return a;
  }

  private static int[] nginx(int[] w, int period) {
    long[] current = new long[w.length];
    int[] out = new int[period];
    for (int step = 0; step < period; step++) {
      int best = 0;
      for (int i = 0; i < w.length; i++) {
        current[i] += w[i];
        if (current[i] > current[best]) {
          best = i;
        }
      }
      current[best] -= period;
      out[step] = best;
    }
    return out;
  }

  /**
   * Earliest deadline first: backend i's k-th pick is due at (k + 0.5) / w[i] of the period;
   * picks go out in deadline order (ties to the lower index). Compared as exact fractions.
   */
  private static int[] earliestDeadline(int[] w, int period) {
    int[] taken = new int[w.length];
    // deadline of i = (2 * taken[i] + 1) / (2 * w[i]); compare a/b < c/d as a*d < c*b.
    PriorityQueue<Integer> heap = new PriorityQueue<>(w.length, (a, b) -> {
      long lhs = (2L * taken[a] + 1) * w[b];
      long rhs = (2L * taken[b] + 1) * w[a];
      return lhs != rhs ? Long.compare(lhs, rhs) : Integer.compare(a, b);
    });
    for (int i = 0; i < w.length; i++) {
      heap.add(i);
    }
    int[] out = new int[period];
    for (int step = 0; step < period; step++) {
      int i = heap.poll();
      out[step] = i;
      taken[i]++;
      if (taken[i] < w[i]) {
        heap.add(i);
      }
    }
    return out;
  }

  @Override
  public String toString() {
    return "SmoothWeightedRoundRobinPicker" + Picks.names(backends) + " period=" + schedule.length;
  }
}
