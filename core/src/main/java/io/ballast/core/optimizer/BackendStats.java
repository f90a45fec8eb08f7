package io.ballast.core.optimizer;

import io.ballast.core.Backend;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * What one backend did during one control interval, as the weight controller sees it. Immutable.
 *
 * @param backend the backend
 * @param windowNanos length of the window
 * @param requests requests completed in the window
 * @param failures of those, failed ones (transport failure or 5xx)
 * @param p50Nanos median latency of the window's requests (0 without requests)
 * @param p90Nanos 90th percentile
 * @param p99Nanos 99th percentile
 * @param meanNanos mean latency (0 without requests)
 * @param inFlight requests in flight at the end of the window
 * @param utilization the backend's own utilization figure (the objective's, such as cpu) from a
 *     fresh, non-stale signal source; empty when there is none
 * @param agentPercent the weight percentage the backend's agent asks for (fresh, not stale), or
 *     -1 when none does
 */
public record BackendStats(Backend backend, long windowNanos, long requests, long failures,
    long p50Nanos, long p90Nanos, long p99Nanos, double meanNanos, int inFlight,
    OptionalDouble utilization, int agentPercent) {
  public BackendStats {
    Objects.requireNonNull(backend, "backend");
    Objects.requireNonNull(utilization, "utilization");
    if (windowNanos <= 0) {
      throw new IllegalArgumentException("windowNanos: " + windowNanos + " (expected: > 0)");
    }
    if (requests < 0 || failures < 0 || failures > requests) {
      throw new IllegalArgumentException("failures: " + failures + " of " + requests
          + " requests (expected: 0..requests)");
    }
    if (agentPercent < -1) {
      throw new IllegalArgumentException(
          "agentPercent: " + agentPercent + " (expected: >= 0, or -1 for none)");
    }
  }

  /** Share of the window's requests that failed; 0 without requests. */
  public double errorRate() {
    return requests == 0 ? 0 : (double) failures / requests;
  }

  /** Completed requests per second over the window. */
  public double throughputPerSecond() {
    return requests * 1e9 / windowNanos;
  }

  /** The p99 in milliseconds. */
  public double p99Millis() {
    return p99Nanos / 1e6;
  }

  @Override
  public String toString() {
    return backend.name() + "[" + requests + " req, " + failures + " failed, p50 "
        + Format.millis(p50Nanos) + ", p99 " + Format.millis(p99Nanos) + ", in flight " + inFlight
        + (utilization.isPresent() ? ", utilization " + Format.ratio(utilization.getAsDouble()) : "")
        + "]";
  }
}
