package io.ballast.core.pick;

import io.ballast.core.Backend;
import io.ballast.core.PickContext;
import io.ballast.core.PickResult;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Weighted least connections: the backend with the fewest requests in flight per unit of weight,
 * counting the request being placed ({@code (inFlight + 1) / weight}, as HAProxy's leastconn), so
 * that an idle heavy backend wins over an idle light one. Ties go round robin: the scan starts at a
 * rotating position.
 *
 * <p>This picker scans every available backend: O(n) per pick, no allocation. Thread-safe,
 * non-blocking; in-flight counts are read without a lock, so two concurrent picks may see the same
 * minimum, which is harmless.
 */
public final class LeastConnectionsPicker implements Cursor.CursorPicker {
  public static final PickerFactory FACTORY =
      (pool, previous, rng) -> new LeastConnectionsPicker(
          pool.availableBackends(), pool.availableWeights(), Cursor.carryOver(previous, rng));

  private final Backend[] backends;
  private final int[] weights;
  private final AtomicLong cursor;

  LeastConnectionsPicker(List<Backend> backends, int[] weights, AtomicLong cursor) {
    if (weights.length != backends.size()) {
      throw new IllegalArgumentException(
          "weights: " + weights.length + " entries (expected: " + backends.size() + ")");
    }
    this.backends = backends.toArray(Backend[]::new);
    this.weights = weights.clone();
    this.cursor = cursor;
  }

  @Override
  public PickResult pick(PickContext context) {
    Backend[] all = backends;
    int n = all.length;
    int start = Cursor.index(cursor.getAndIncrement(), n);
    Backend best = null;
    long bestLoad = 0;
    int bestWeight = 1;
    for (int k = 0; k < n; k++) {
      int i = start + k < n ? start + k : start + k - n;
      Backend b = all[i];
      if (context.isExcluded(b)) {
        continue;
      }
      long load = b.load().inFlight() + 1L;
      // load / weight < bestLoad / bestWeight, without division.
      if (best == null || load * bestWeight < bestLoad * weights[i]) {
        best = b;
        bestLoad = load;
        bestWeight = weights[i];
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
    return "LeastConnectionsPicker" + Picks.names(backends);
  }
}
