package io.ballast.core.pick;

import static io.ballast.core.pick.Packed.EMPTY;
import static io.ballast.core.pick.Packed.decayWeight;
import static io.ballast.core.pick.Packed.pack;
import static io.ballast.core.pick.Packed.value;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * How a backend's latency grows with the requests it holds, learned per backend for
 * {@link AutoLoad} ("Latency by load" in its class comment): the average ratio of a request's
 * latency to the backend's average L, per half-octave bucket of q, the requests in flight it
 * joined (itself included): 1, 2, 3, 4, 5-6, 7-8, 9-12, ... 129+. Each bucket is averaged like L
 * over its own count (the plain mean up to {@link #SHAPE_WINDOW} samples, then the time-based
 * weight) and is stale after the history's stale limit without a sample.
 *
 * <p>Worked example: a backend with 8 workers and 4 ms requests has ratios near 1.0 in buckets 1
 * to 4 and none beyond: {@code shape(4)} is 1.0 + 3 × {@link #SLOPE}, {@code shape(5)} (bucket
 * 5-6 empty) 1.0 × 5/4 + 4 × SLOPE, capped at q.
 *
 * <p>Thread-safe and non-blocking, as {@link AutoLoad}: {@link #record} from any event loop,
 * {@link #shape} from pickers; each bucket is one packed {@code long} changed with a CAS loop.
 */
final class LoadShape {
  /** Count past which a load bucket's sample stops weighing more than 1/SHAPE_WINDOW. */
  static final int SHAPE_WINDOW = 32;
  /** Upper q of each load bucket: 1, 2, 3, 4, 6, 8, 12, ... 128, then all above. */
  private static final int[] BUCKET_TOP = {1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128,
      Integer.MAX_VALUE};
  static final int BUCKETS = BUCKET_TOP.length;
  /**
   * Added to the shape per request already in flight: among backends with free workers (shape
   * near 1 for all) the one holding fewer requests wins, as with least request, so that none
   * runs out of workers while another idles. 0.1 chosen in the simulator (docs/optimizer-auto.md).
   */
  static final double SLOPE = 0.1;

  /** Per load bucket: the average ratio of latency to L, packed ({@link Packed}). */
  private final AtomicLongArray ratios = new AtomicLongArray(BUCKETS);
  private final AtomicIntegerArray ratioCounts = new AtomicIntegerArray(BUCKETS);
  /** Per load bucket: the full-width time of its last sample, for staleness. */
  private final AtomicLongArray ratioNanos = new AtomicLongArray(BUCKETS);

  LoadShape() {
    for (int i = 0; i < BUCKETS; i++) {
      ratios.set(i, EMPTY);
    }
  }

  /** The load bucket of q requests in flight (q >= 1); see {@link #BUCKET_TOP}. */
  static int bucket(int q) {
    if (q <= 4) {
      return Math.max(0, q - 1);
    }
    if (q > 128) {
      return BUCKETS - 1;
    }
    int m = q - 1; // 4..127: octave (2^b, 2^(b+1)] of q, split in halves
    int b = 31 - Integer.numberOfLeadingZeros(m);
    return 2 * b + (m >= 3 << (b - 1) ? 1 : 0);
  }

  /**
   * A request that joined {@code joined} requests in flight took {@code ratio} times L; averaged
   * with time constant {@code tauNanos}; a bucket without a sample for {@code staleNanos} starts
   * over.
   */
  void record(int joined, double ratio, long now, double tauNanos, double staleNanos) {
    int i = bucket(joined);
    int n;
    if (ratios.get(i) == EMPTY || now - ratioNanos.get(i) > staleNanos) {
      ratioCounts.set(i, 1);
      n = 1;
    } else {
      n = ratioCounts.get(i);
      if (n < SHAPE_WINDOW) {
        n = ratioCounts.incrementAndGet(i);
      }
    }
    for (;;) {
      long current = ratios.get(i);
      double next;
      if (current == EMPTY || n <= 1) {
        next = ratio;
      } else {
        double v = value(current);
        double a = Math.max(1 - decayWeight(Packed.age(current, now) / tauNanos),
            1.0 / Math.min(n, SHAPE_WINDOW));
        next = v + (ratio - v) * a;
      }
      if (ratios.compareAndSet(i, current, pack(next, now))) {
        ratioNanos.set(i, now);
        return;
      }
    }
  }

  /**
   * How much longer than L a request joining q requests in flight (itself included) is
   * predicted to take: the highest ratio of the fresh buckets up to q's, grown like a queue
   * beyond the highest fresh bucket (ratio × q / its top q), plus SLOPE per request already in
   * flight, at most q; q itself with no fresh bucket. Walks at most the buckets up to q's.
   */
  double shape(int q, long now, double staleNanos) {
    for (int i = bucket(q); i >= 0; i--) {
      long s = ratios.get(i);
      if (s != EMPTY && now - ratioNanos.get(i) <= staleNanos) {
        double r = value(s);
        int top = BUCKET_TOP[i];
        return Math.min(q, (q <= top ? r : r * q / top) + SLOPE * (q - 1));
      }
    }
    return q;
  }
}
