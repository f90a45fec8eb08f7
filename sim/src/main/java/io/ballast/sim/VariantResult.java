package io.ballast.sim;

import io.ballast.core.shed.Priority;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * What one variant did over the measured part of the run (after the warm-up), and its time
 * series over the whole run. Latencies are end to end, as the client saw them (retries
 * included; a client timeout counts as the timeout). Arrays are indexed like the scenario's
 * backends. Immutable once returned (the histogram is a copy nobody writes).
 *
 * @param name the variant's name
 * @param latencyMicros end-to-end latency of every measured request, in microseconds
 * @param requests measured requests
 * @param errors of them, those that failed: a 5xx answer, no backend, a client timeout, or not
 *     finished when the run's drain time ran out
 * @param timeouts of the errors, client timeouts
 * @param attempts attempts made for them (a retry is one more)
 * @param picks attempts per backend
 * @param healthChanges health-state changes the load balancer made
 * @param ejections outlier ejections
 * @param series one point per bucket
 * @param offered measured requests by class ({@link Priority#ordinal()}), shed ones included
 * @param shed of them, those load shedding refused (they count in {@code requests} and
 *     {@code errors}, not in {@code latencyMicros}: the latencies are of the requests the pool
 *     took)
 * @param succeeded of them, those that ended without an error
 */
public record VariantResult(String name, Histogram latencyMicros, long requests, long errors,
    long timeouts, long attempts, long[] picks, long healthChanges, long ejections,
    List<BucketPoint> series, long[] offered, long[] shed, long[] succeeded) {

  /** Requests of class {@code p} refused by load shedding. */
  public long shed(Priority p) {
    return shed[p.ordinal()];
  }

  /** Measured requests of class {@code p}. */
  public long offered(Priority p) {
    return offered[p.ordinal()];
  }

  /** Requests of class {@code p} that ended without an error. */
  public long succeeded(Priority p) {
    return succeeded[p.ordinal()];
  }

  public double percentileMillis(double percentile) {
    return latencyMicros.getTotalCount() == 0
        ? Double.NaN : latencyMicros.getValueAtPercentile(percentile) / 1000.0;
  }

  public double meanMillis() {
    return latencyMicros.getTotalCount() == 0 ? Double.NaN : latencyMicros.getMean() / 1000.0;
  }

  public double errorPercent() {
    return requests == 0 ? 0 : 100.0 * errors / requests;
  }

  /** Share of the attempts that went to backend {@code i}, percent. */
  public double sharePercent(int i) {
    long total = 0;
    for (long p : picks) {
      total += p;
    }
    return total == 0 ? 0 : 100.0 * picks[i] / total;
  }
}
