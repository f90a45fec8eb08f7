package io.ballast.core;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Pool-wide load: requests in flight over all the pool's backends, kept by the backends' own
 * {@link BackendLoad} counters so that a picker can compare one backend with the pool's average
 * in O(1) (bounded-load hashing needs that on every pick).
 *
 * <p>Thread-safe and non-blocking.
 */
public final class PoolLoad {
  private final AtomicInteger inFlight = new AtomicInteger();

  void started() {
    inFlight.incrementAndGet();
  }

  void ended() {
    inFlight.decrementAndGet();
  }

  /** Requests in flight over every backend of the pool. */
  public int inFlight() {
    return inFlight.get();
  }

  @Override
  public String toString() {
    return "inFlight=" + inFlight();
  }
}
