package io.ballast.sim;

import io.ballast.core.shed.Priority;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * Measurements of one variant: the overall histogram and counters (requests that started after
 * the warm-up) and the per-bucket series (requests by the bucket they ended in, picks by the
 * bucket they happened in). Single-threaded; reuses one bucket histogram.
 */
final class Recorder {
  /** One hour in microseconds: the largest latency recorded (larger ones are clamped). */
  static final long MAX_MICROS = 3_600_000_000L;

  private final Histogram overall = new Histogram(MAX_MICROS, 3);
  private final Histogram bucket = new Histogram(MAX_MICROS, 2);
  private final long warmupNanos;
  private final int n;
  private long requests;
  private long errors;
  private long timeouts;
  private long attempts;
  private final long[] picks;
  private final long[] bucketPicks;
  private long bucketCompleted;
  private long bucketErrors;
  private long bucketShed;
  private long bucketSucceeded;
  private final long[] offered = new long[Priority.values().length];
  private final long[] shed = new long[Priority.values().length];
  private final long[] succeeded = new long[Priority.values().length];
  private long healthChanges;
  private long ejections;
  private final List<BucketPoint> series = new ArrayList<>();

  Recorder(int backends, long warmupNanos) {
    this.n = backends;
    this.warmupNanos = warmupNanos;
    this.picks = new long[backends];
    this.bucketPicks = new long[backends];
  }

  void picked(int backend, long startNanos) {
    bucketPicks[backend]++;
    if (startNanos >= warmupNanos) {
      picks[backend]++;
    }
  }

  void completed(long startNanos, long latencyNanos, boolean error, boolean timeout,
      int attemptCount, boolean inSeries) {
    long micros = Math.max(1, Math.min(MAX_MICROS, latencyNanos / 1000));
    if (inSeries) {
      bucket.recordValue(micros);
      bucketCompleted++;
      bucketErrors += error ? 1 : 0;
    }
    if (startNanos >= warmupNanos) {
      overall.recordValue(micros);
      requests++;
      errors += error ? 1 : 0;
      timeouts += timeout ? 1 : 0;
      attempts += attemptCount;
    }
  }

  /**
   * Load shedding refused a request of class {@code p} that arrived at {@code startNanos}: the
   * client got a 503 at once. It counts as a request and an error, not in the latencies (those
   * are of the requests the pool took).
   */
  void shed(Priority p, long startNanos, boolean inSeries) {
    if (inSeries) {
      bucketShed++;
    }
    if (startNanos >= warmupNanos) {
      requests++;
      errors++;
      offered[p.ordinal()]++;
      shed[p.ordinal()]++;
    }
  }

  /** A request of class {@code p} that the pool took ended, {@code ok} or not. */
  void classified(Priority p, long startNanos, boolean ok, boolean inSeries) {
    if (inSeries && ok) {
      bucketSucceeded++;
    }
    if (startNanos >= warmupNanos) {
      offered[p.ordinal()]++;
      succeeded[p.ordinal()] += ok ? 1 : 0;
    }
  }

  void healthChange() {
    healthChanges++;
  }

  void ejection() {
    ejections++;
  }

  /** Closes the current bucket at {@code nowNanos}; the weights are {@code pool}'s now. */
  void closeBucket(long nowNanos, Traffic pool) {
    long totalPicks = 0;
    for (long p : bucketPicks) {
      totalPicks += p;
    }
    double[] share = new double[n];
    double[] weightShare = new double[n];
    int[] weightPercent = new int[n];
    double totalWeight = 0;
    double[] weights = new double[n];
    for (int i = 0; i < n; i++) {
      share[i] = totalPicks == 0 ? 0 : 100.0 * bucketPicks[i] / totalPicks;
      weights[i] = pool.weight(i);
      totalWeight += weights[i];
      weightPercent[i] = pool.weightPercent(i);
    }
    for (int i = 0; i < n; i++) {
      weightShare[i] = totalWeight == 0 ? 0 : 100.0 * weights[i] / totalWeight;
    }
    boolean any = bucket.getTotalCount() > 0;
    series.add(new BucketPoint(nowNanos / 1e9, bucketCompleted,
        any ? bucket.getValueAtPercentile(50) / 1000.0 : Double.NaN,
        any ? bucket.getValueAtPercentile(99) / 1000.0 : Double.NaN,
        any ? bucket.getValueAtPercentile(99.9) / 1000.0 : Double.NaN,
        bucketCompleted == 0 ? 0 : 100.0 * bucketErrors / bucketCompleted,
        share, weightShare, weightPercent, bucketShed, bucketSucceeded));
    bucket.reset();
    bucketCompleted = 0;
    bucketErrors = 0;
    bucketShed = 0;
    bucketSucceeded = 0;
    java.util.Arrays.fill(bucketPicks, 0);
  }

  /** Requests still unfinished when the drain time ran out: measured as errors at that age. */
  void unfinished(long startNanos, long ageNanos) {
    completed(startNanos, ageNanos, true, false, 1, false);
  }

  VariantResult result(String name) {
    return new VariantResult(name, overall.copy(), requests, errors, timeouts, attempts,
        picks.clone(), healthChanges, ejections, List.copyOf(series), offered.clone(),
        shed.clone(), succeeded.clone());
  }
}
