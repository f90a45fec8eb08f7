package io.ballast.core.shed;

import io.ballast.core.LatencyHistogram;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The data-plane side of a pool's adaptive load shedding: admits a request while the pool's
 * requests in flight are below its {@link Priority}'s share of the limit, refuses it otherwise,
 * and counts what the control loop needs to move the limit ({@link GradientLimit}).
 *
 * <p><b>Contract for callers.</b> Every {@link #tryAcquire} that returns {@code true} must be
 * followed by exactly one {@link #release(long)} when the request ends, whatever its outcome. A
 * release can never take the count below zero, so a duplicate cannot create capacity. A refused
 * request holds nothing: answer it at once (503 with {@code Retry-After}).
 *
 * <p><b>What it keeps.</b> The count in flight (one {@link AtomicInteger}); the highest count an
 * admission reached since the control loop last looked ({@link #takePeak}, a compare-and-set only
 * when a new high is set); each class's refusals and the completions ({@link LongAdder}s); every
 * completion's latency in a cumulative {@link LatencyHistogram}, from which the control loop takes
 * each window's median by difference ({@link LimitHarvest}), so nothing is ever reset.
 *
 * <p><b>Thresholds.</b> The three classes' thresholds are computed once per limit change and
 * packed 21 bits each into one {@code long}, so an admission reads one volatile field and does
 * arithmetic: no allocation and no lock (ConcurrencyLimiterAllocationTest holds it to that). Worked
 * example, limit 40: critical 40, default 30, sheddable 20, packed as
 * {@code 40 | 30 << 21 | 20 << 42}.
 *
 * <p><b>Threading.</b> {@link #tryAcquire} and {@link #release} are thread-safe, lock-free and
 * allocation-free, for event loops. {@link #setLimit} and {@link #takePeak} are for the control
 * loop; readers ({@link #limit}, {@link #inFlight}, {@link #refused}) are thread-safe.
 */
public final class ConcurrencyLimiter {
  private static final int BITS = 21;
  private static final long MASK = (1L << BITS) - 1;

  private final String pool;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger peak = new AtomicInteger();
  private final LongAdder[] refused = new LongAdder[Priority.values().length];
  private final LongAdder admitted = new LongAdder();
  private final LongAdder queued = new LongAdder();
  private final LongAdder completed = new LongAdder();
  private final LatencyHistogram latency = new LatencyHistogram();
  private volatile long thresholds;
  private volatile int limit;

  /**
   * @param pool the pool's name, for messages
   * @param initialLimit the limit until the control loop sets another, 1 to
   *     {@link SheddingSettings#MAX_LIMIT}
   */
  public ConcurrencyLimiter(String pool, int initialLimit) {
    this.pool = java.util.Objects.requireNonNull(pool, "pool");
    for (int i = 0; i < refused.length; i++) {
      refused[i] = new LongAdder();
    }
    setLimit(initialLimit);
  }

  public String pool() {
    return pool;
  }

  /**
   * Admits one request of class {@code priority} (null counts as {@link Priority#DEFAULT}), or
   * refuses it when the requests in flight have reached the class's threshold. A {@code true}
   * must be paired with one {@link #release}.
   */
  public boolean tryAcquire(Priority priority) {
    Priority p = priority == null ? Priority.DEFAULT : priority;
    if (tryAcquireQuietly(p)) {
      return true;
    }
    refused[p.ordinal()].increment();
    return false;
  }

  /**
   * Admits one request of class {@code priority} when the class's threshold allows, without
   * counting a refusal when it does not: for a request that waits in the pool's
   * {@link WaitingLine} (its refusal, if it comes, is counted by {@link #refuse}). A {@code true}
   * must be paired with one {@link #release} or {@link #giveBack}.
   */
  public boolean tryAcquireQuietly(Priority priority) {
    Priority p = priority == null ? Priority.DEFAULT : priority;
    int max = (int) ((thresholds >>> (BITS * p.ordinal())) & MASK);
    AtomicInteger count = inFlight;
    int n;
    do {
      n = count.get();
      if (n >= max) {
        return false;
      }
    } while (!count.compareAndSet(n, n + 1));
    int now = n + 1;
    if (now > peak.get()) {
      peak.accumulateAndGet(now, Math::max);
    }
    admitted.increment();
    return true;
  }

  /** Counts a refusal of class {@code priority} decided elsewhere (a wait that ran out). */
  public void refuse(Priority priority) {
    refused[priority.ordinal()].increment();
  }

  /** Counts a request that met the limit and waits for a place instead of being refused. */
  void countQueued() {
    queued.increment();
  }

  /** Requests that met the limit and waited for a place, so far (admitted or refused after). */
  public long queued() {
    return queued.sum();
  }

  /**
   * Gives back a place that served no request (a waiter that gave up as it was granted one): the
   * count falls, nothing is measured.
   */
  public void giveBack() {
    if (decrement()) {
      admitted.decrement();
    }
  }

  /**
   * An admitted request ended after {@code nanos} (from its admission to its end, whatever the
   * outcome): its place is given back and its latency counts in the window.
   */
  public void release(long nanos) {
    if (decrement()) {
      latency.record(nanos);
      completed.increment();
    }
  }

  /**
   * One place back; false when none was held (a second release for one admission: ignored, so
   * capacity never grows).
   */
  private boolean decrement() {
    AtomicInteger count = inFlight;
    int n;
    do {
      n = count.get();
      if (n <= 0) {
        return false;
      }
    } while (!count.compareAndSet(n, n - 1));
    return true;
  }

  /** Control loop: sets the limit (clamped to 1..{@link SheddingSettings#MAX_LIMIT}). */
  public void setLimit(int newLimit) {
    setLimit(newLimit, 0);
  }

  /**
   * Control loop: sets the limit, and admits critical requests below at least
   * {@code criticalFloor} in flight (0: none) until the next call, so that a cut under the
   * requests in flight refuses the lower classes, not the critical one.
   */
  public void setLimit(int newLimit, int criticalFloor) {
    int l = Math.max(1, Math.min(SheddingSettings.MAX_LIMIT, newLimit));
    long packed = 0;
    for (Priority p : Priority.values()) {
      int t = p.threshold(l);
      if (p == Priority.CRITICAL) {
        t = Math.max(t, Math.min(criticalFloor, SheddingSettings.MAX_LIMIT));
      }
      packed |= ((long) t) << (BITS * p.ordinal());
    }
    thresholds = packed;
    limit = l;
  }

  /** The limit of the moment: critical requests are admitted below it. */
  public int limit() {
    return limit;
  }

  /** The threshold of {@code priority} under the current limit. */
  public int threshold(Priority priority) {
    return (int) ((thresholds >>> (BITS * priority.ordinal())) & MASK);
  }

  /** Requests admitted and not yet released. */
  public int inFlight() {
    return inFlight.get();
  }

  /**
   * Control loop: the highest count in flight an admission reached since the last call, and
   * starts the next watch from the count of now.
   */
  public int takePeak() {
    return Math.max(peak.getAndSet(inFlight.get()), 0);
  }

  /** Requests of class {@code priority} refused so far. */
  public long refused(Priority priority) {
    return refused[priority.ordinal()].sum();
  }

  /** Requests refused so far, every class. */
  public long refused() {
    long sum = 0;
    for (LongAdder r : refused) {
      sum += r.sum();
    }
    return sum;
  }

  /** Requests admitted so far. */
  public long admitted() {
    return admitted.sum();
  }

  /** Admitted requests released so far. */
  public long completed() {
    return completed.sum();
  }

  /** The cumulative latency of every released request. */
  LatencyHistogram latency() {
    return latency;
  }

  @Override
  public String toString() {
    return "concurrency limit of pool " + pool + ": " + limit + " (in flight " + inFlight()
        + ", refused " + refused() + ")";
  }
}
