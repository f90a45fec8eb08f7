package io.ballast.core.optimizer;

import io.ballast.core.Backend;
import io.ballast.core.BackendLoad;
import io.ballast.core.LatencyHistogram;
import java.util.OptionalDouble;

/**
 * Turns one backend's cumulative counters into per-interval {@link BackendStats}: it keeps the
 * previous reading of the counters and the latency histogram and subtracts it from the current
 * one, so the data plane never resets anything and a request completing during the harvest
 * simply counts in the next window.
 *
 * <p>Control loop only (one harvest at a time); the counters it reads are thread-safe.
 */
public final class TrafficWindow {
  private final Backend backend;
  private long[] previous = new long[LatencyHistogram.BUCKETS];
  private long[] current = new long[LatencyHistogram.BUCKETS];
  private final long[] delta = new long[LatencyHistogram.BUCKETS];
  private long previousRequests;
  private long previousFailures;
  private long previousLatency;
  private long previousNanos;

  /** Starts the first window at {@code nowNanos}, with the counters as they are now. */
  public TrafficWindow(Backend backend, long nowNanos) {
    this.backend = backend;
    BackendLoad load = backend.load();
    // Histogram first and counters after: a request completing in between counts in the counters
    // of this window and the histogram of the next, never twice in one window's requests.
    load.latencyHistogram().copyInto(previous);
    previousRequests = load.requests();
    previousFailures = load.failures();
    previousLatency = load.latencyNanosTotal();
    previousNanos = nowNanos;
  }

  /**
   * Closes the window at {@code nowNanos} and opens the next one.
   *
   * @param utilization the backend's fresh utilization figure, or empty
   * @param agentPercent the weight percentage its agent asks for, or -1
   */
  public BackendStats harvest(long nowNanos, OptionalDouble utilization, int agentPercent) {
    BackendLoad load = backend.load();
    load.latencyHistogram().copyInto(current);
    long requests = load.requests();
    long failures = load.failures();
    long latency = load.latencyNanosTotal();
    long windowRequests = Math.max(0, requests - previousRequests);
    long windowFailures = Math.min(windowRequests, Math.max(0, failures - previousFailures));
    long histogramTotal = 0;
    for (int i = 0; i < delta.length; i++) {
      delta[i] = current[i] - previous[i];
      histogramTotal += delta[i];
    }
    BackendStats stats = new BackendStats(backend, Math.max(1, nowNanos - previousNanos),
        windowRequests, windowFailures,
        LatencyHistogram.quantile(delta, histogramTotal, 0.50),
        LatencyHistogram.quantile(delta, histogramTotal, 0.90),
        LatencyHistogram.quantile(delta, histogramTotal, 0.99),
        windowRequests == 0 ? 0 : (double) (latency - previousLatency) / windowRequests,
        load.inFlight(), utilization, agentPercent);
    long[] swap = previous;
    previous = current;
    current = swap;
    previousRequests = requests;
    previousFailures = failures;
    previousLatency = latency;
    previousNanos = nowNanos;
    return stats;
  }

  public Backend backend() {
    return backend;
  }
}
