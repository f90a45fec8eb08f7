package io.ballast.core;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Data-plane load accounting for one backend.
 *
 * <p>Thread-safe and non-blocking: event loops call {@link #start()} when a request is sent to the
 * backend and {@link #complete(boolean, long)} exactly once when it ends (whatever the outcome);
 * pickers read {@link #inFlight()}. The control loop reads the cumulative counters.
 */
public final class BackendLoad {
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger connections = new AtomicInteger();
  private final LongAdder requests = new LongAdder();
  private final LongAdder failures = new LongAdder();
  private final LongAdder latencyNanos = new LongAdder();
  private volatile PoolLoad pool = NO_POOL;

  private static final PoolLoad NO_POOL = new PoolLoad();

  /**
   * Makes this backend's requests count in the pool's load too. Called once by the pool that owns
   * the backend, before any request can reach it.
   */
  public void attach(PoolLoad poolLoad) {
    if (pool != NO_POOL && pool != poolLoad) {
      throw new IllegalStateException("backend load already belongs to another pool");
    }
    pool = java.util.Objects.requireNonNull(poolLoad, "poolLoad");
  }

  /** True once {@link #attach} was called. */
  public boolean attached() {
    return pool != NO_POOL;
  }

  /** The load of the pool this backend belongs to. */
  public PoolLoad pool() {
    return pool;
  }

  /** A request was sent (or is about to be sent) to the backend. */
  public void start() {
    inFlight.incrementAndGet();
    pool.started();
  }

  /**
   * The request started with {@link #start()} has ended.
   *
   * @param success false for a transport failure or a 5xx answer
   * @param nanos time from start to the end of the response
   */
  public void complete(boolean success, long nanos) {
    inFlight.decrementAndGet();
    pool.ended();
    requests.increment();
    if (!success) {
      failures.increment();
    }
    latencyNanos.add(nanos);
  }

  /** Requests currently sent to the backend and not yet answered. */
  public int inFlight() {
    return inFlight.get();
  }

  /** The data plane opened a connection to the backend. */
  public void connectionOpened() {
    connections.incrementAndGet();
  }

  /** A connection opened with {@link #connectionOpened()} closed. */
  public void connectionClosed() {
    connections.decrementAndGet();
  }

  /** Open connections to the backend (pooled idle ones included). */
  public int connections() {
    return connections.get();
  }

  public long requests() {
    return requests.sum();
  }

  public long failures() {
    return failures.sum();
  }

  public long latencyNanosTotal() {
    return latencyNanos.sum();
  }

  @Override
  public String toString() {
    return "inFlight=" + inFlight() + " requests=" + requests() + " failures=" + failures();
  }
}
