package io.ballast.core;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A cumulative latency histogram with log-linear buckets, cheap enough for the request path.
 *
 * <p>Thread-safe and non-blocking: event loops call {@link #record(long)} (one atomic increment);
 * the control loop copies the counts with {@link #copyInto(long[])} on its ticks and subtracts the
 * previous copy, so nothing is ever reset and no sample is lost between two windows (see
 * {@link TrafficWindow}).
 *
 * <h2>Buckets</h2>
 * Latencies are counted in units of 1024 ns (about a microsecond, a shift instead of a division).
 * Values below 8 units have a bucket each; above, every power of two is split into
 * {@value #SUB_BUCKETS} equal sub-buckets (as HdrHistogram with 3 significant bits), so a bucket is
 * at most 12.5% wide. The last bucket starts at 2^27 units (about 137 s) and takes everything
 * longer. Worked example: 3 ms = 2929 units; 2929 = 0b101101110001 has its top bit at 11; the
 * three bits after it are 011, so the bucket is (11 - 2) × 8 + 3 = 75, covering 2816..3071 units
 * (2.88 ms to 3.14 ms).
 */
public final class LatencyHistogram {
  /** Sub-buckets per power of two. */
  public static final int SUB_BUCKETS = 8;
  private static final int SUB_BITS = 3;
  private static final int UNIT_SHIFT = 10;
  /** Highest power of two with its own sub-buckets; beyond it everything lands in the last one. */
  private static final int MAX_EXPONENT = 26;
  /** Number of buckets. */
  public static final int BUCKETS = (MAX_EXPONENT - 1) * SUB_BUCKETS + 1;

  private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);

  /** Counts one latency. Negative values count as zero. */
  public void record(long nanos) {
    counts.incrementAndGet(bucket(nanos));
  }

  /** Copies the cumulative counts into {@code into} (length {@link #BUCKETS}) and returns it. */
  public long[] copyInto(long[] into) {
    if (into.length != BUCKETS) {
      throw new IllegalArgumentException("into.length: " + into.length + " (expected: " + BUCKETS + ")");
    }
    for (int i = 0; i < BUCKETS; i++) {
      into[i] = counts.get(i);
    }
    return into;
  }

  /** The bucket a latency falls in. */
  static int bucket(long nanos) {
    long units = Math.max(0, nanos) >>> UNIT_SHIFT;
    if (units < SUB_BUCKETS) {
      return (int) units;
    }
    int exponent = 63 - Long.numberOfLeadingZeros(units);
    if (exponent > MAX_EXPONENT) {
      return BUCKETS - 1;
    }
    int sub = (int) (units >>> (exponent - SUB_BITS)) & (SUB_BUCKETS - 1);
    return (exponent - 2) * SUB_BUCKETS + sub;
  }

  /** The smallest latency, in nanoseconds, that falls in the bucket. */
  static long lowerBound(int bucket) {
    if (bucket < SUB_BUCKETS) {
      return (long) bucket << UNIT_SHIFT;
    }
    int exponent = bucket / SUB_BUCKETS + 2;
    int sub = bucket % SUB_BUCKETS;
    return ((long) (SUB_BUCKETS + sub) << (exponent - SUB_BITS)) << UNIT_SHIFT;
  }

  /** The middle of the bucket, in nanoseconds: the value a quantile in it reports. */
  static long midpoint(int bucket) {
    if (bucket == BUCKETS - 1) {
      return lowerBound(bucket);
    }
    return (lowerBound(bucket) + lowerBound(bucket + 1)) / 2;
  }

  /**
   * The latency at quantile {@code q} (0..1) of the counts in {@code window} (per-bucket counts,
   * such as the difference of two copies), in nanoseconds; 0 for an empty window. Reports the
   * middle of the bucket the quantile falls in, so it is within about 6% of the true value.
   */
  public static long quantile(long[] window, long total, double q) {
    if (total <= 0) {
      return 0;
    }
    long rank = Math.max(1, (long) Math.ceil(q * total));
    long seen = 0;
    for (int i = 0; i < window.length; i++) {
      seen += window[i];
      if (seen >= rank) {
        return midpoint(i);
      }
    }
    return midpoint(window.length - 1);
  }
}
