package io.ballast.server.metrics;

/**
 * The share of one backend's responses that were errors over a sliding window, computed from
 * samples of the backend's cumulative {@code requests} and {@code failures} counters taken on a
 * fixed timer (one sample per tick).
 *
 * <p>A ring keeps the last {@code ticks + 1} samples; the rate is the failures added since the
 * oldest kept sample divided by the requests added since then. Worked example with a 3-tick
 * window: samples (requests, failures) = (0,0) (10,0) (30,5) (40,10) → the oldest kept sample is
 * (0,0), so the rate is (10 − 0) / (40 − 0) = 0.25; after one more tick at (50,10) the oldest is
 * (10,0): (10 − 0) / (50 − 10) = 0.25; then at (60,10) the oldest is (30,5): 5 / 30 ≈ 0.167.
 * Until the ring is full, the window starts at the first sample. A window without requests has
 * a rate of 0, so that an idle backend does not trip an error-rate alert.
 *
 * <p>Threading: {@link #sample} is called by one thread at a time (the control loop that harvests
 * every tick); {@link #rate()} is thread-safe (one volatile read).
 */
final class ErrorRateWindow {
  private final long[] requests;
  private final long[] failures;
  private int next;
  private int size;
  private volatile double rate;

  ErrorRateWindow(int ticks) {
    if (ticks < 1) {
      throw new IllegalArgumentException("ticks: " + ticks + " (expected: >= 1)");
    }
    this.requests = new long[ticks + 1];
    this.failures = new long[ticks + 1];
  }

  /** Records the cumulative counters as of this tick and recomputes the rate. */
  void sample(long requestsTotal, long failuresTotal) {
    requests[next] = requestsTotal;
    failures[next] = failuresTotal;
    next = (next + 1) % requests.length;
    if (size < requests.length) {
      size++;
    }
    // The oldest kept sample sits where the next one will be written once the ring is full.
    int oldest = size < requests.length ? 0 : next;
    long dr = requestsTotal - requests[oldest];
    long df = failuresTotal - failures[oldest];
    rate = dr <= 0 ? 0.0 : Math.min(1.0, Math.max(0.0, (double) df / dr));
  }

  /** The error share over the window, between 0 and 1. */
  double rate() {
    return rate;
  }
}
