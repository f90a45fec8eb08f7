package io.ballast.core.retry;

import io.ballast.core.Ticker;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The retry budget of one pool, as Finagle's retry budget: requests deposit, retries withdraw,
 * and a retry is allowed only while the retries of the last {@code window} stay within
 * {@code percent} % of its requests plus a floor of {@code minRetriesPerSecond × window}. When
 * every backend fails, the pool therefore receives at most {@code (1 + percent/100)} times the
 * client's requests plus the floor, instead of {@code maxAttempts} times.
 *
 * <p>Thread-safe, lock-free and allocation-free: event loops call {@link #onRequest()} for every
 * request and {@link #tryAcquireRetry()} before a retry that would reach a backend; metrics read
 * the gauges from any thread.
 *
 * <h2>Sliding window</h2>
 * The window is {@link #BUCKETS} buckets of {@code window / BUCKETS} on the injected
 * {@link Ticker}. Each bucket counter is one {@code long} holding the bucket's epoch (the number
 * of the bucket period since the budget was created, upper 32 bits) and its count (lower 32 bits),
 * so a thread that finds a counter from an older period resets it with the same CAS that adds its
 * own count, and no count is lost to a reset racing an increment. A counter whose epoch is
 * {@code BUCKETS} or more periods old is ignored by readers, which makes the window slide by one
 * bucket at a time: at any instant it covers the current, partial bucket and the
 * {@code BUCKETS - 1} before it.
 *
 * <p>Requests are counted in stripes (one per core, padded to separate cache lines) so that
 * event loops do not contend on one counter for every request; retries are rare and have one
 * counter per bucket, which lets {@link #tryAcquireRetry()} check and take in one CAS: two
 * threads racing for the last retry cannot both get it.
 *
 * <h2>Worked example</h2>
 * percent 20, minRetriesPerSecond 3, window 10 s: the floor is 3 × 10 = 30 retries. With 1 000
 * requests in the last 10 s, 1 000 × 20 / 100 + 30 = 230 retries may have been made in that
 * time; the 231st is refused until buckets expire or more requests arrive. A quiet pool with 2
 * requests may still retry 30 times in 10 s.
 *
 * <h2>Bound</h2>
 * At every grant, the retries counted in the window are within the window's allowance, and a
 * retry stays counted for a full window after it was taken, never shorter than the requests that
 * paid for it, so one request's allowance is not spent twice. With steady traffic over
 * {@code s} seconds this gives at most {@code percent/100 × requests + minRetriesPerSecond ×
 * (s + window)} retries (the floor of the window that is partly before the run is the extra
 * {@code window}); the tests check it with every attempt failing.
 */
public final class RetryBudget {
  /** Buckets per window: the window slides in steps of a tenth of its length. */
  public static final int BUCKETS = 10;

  /** longs per cache line: counters written by different threads are this far apart. */
  private static final int PAD = 8;
  private static final long COUNT_MASK = 0xFFFF_FFFFL;
  private static final int MAX_STRIPES = 16;

  private final boolean enabled;
  private final double percent;
  private final double floor;
  private final long bucketNanos;
  private final Ticker ticker;
  private final long origin;
  private final int stripeMask;
  /** [stripe][bucket] request counters, each on its own cache line. */
  private final AtomicLongArray requests;
  /** [bucket] retry counters, each on its own cache line. */
  private final AtomicLongArray retries;
  private final RetryBudgetSettings settings;

  /** A budget with one request stripe per available processor (up to 16). */
  public RetryBudget(RetryBudgetSettings settings, Ticker ticker) {
    this(settings, ticker, Runtime.getRuntime().availableProcessors());
  }

  /** A budget with at least {@code stripes} request stripes, rounded up to a power of two. */
  public RetryBudget(RetryBudgetSettings settings, Ticker ticker, int stripes) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    if (stripes < 1 || stripes > MAX_STRIPES) {
      throw new IllegalArgumentException("stripes: " + stripes + " (expected: 1.." + MAX_STRIPES + ")");
    }
    int n = Integer.highestOneBit(stripes);
    n = n < stripes ? n << 1 : n;
    this.stripeMask = n - 1;
    this.enabled = settings.enabled();
    this.percent = settings.percent();
    long windowNanos = settings.window().toNanos();
    this.floor = settings.minRetriesPerSecond() * (windowNanos / 1e9);
    this.bucketNanos = Math.max(1, windowNanos / BUCKETS);
    this.origin = ticker.nanos();
    this.requests = new AtomicLongArray(n * BUCKETS * PAD);
    this.retries = new AtomicLongArray(BUCKETS * PAD);
  }

  /** The settings this budget was built with. */
  public RetryBudgetSettings settings() {
    return settings;
  }

  /** A client request arrived (its first attempt); retries are not requests. */
  public void onRequest() {
    if (!enabled) {
      return;
    }
    long epoch = epoch();
    int stripe = stripeIndex();
    increment(requests, (stripe * BUCKETS + bucket(epoch)) * PAD, epoch);
  }

  /**
   * Takes one retry from the budget: true when the retry may be made (and is now counted), false
   * when the budget is spent. Always true when the budget is disabled.
   */
  public boolean tryAcquireRetry() {
    if (!enabled) {
      return true;
    }
    long epoch = epoch();
    int index = bucket(epoch) * PAD;
    int stamp = (int) epoch;
    for (;;) {
      long current = retries.get(index);
      boolean fresh = stamp(current) == stamp;
      long retriesInWindow = sum(retries, 1, epoch, index) + (fresh ? current & COUNT_MASK : 0);
      double allowed = sum(requests, stripeMask + 1, epoch, -1) * percent / 100.0 + floor;
      if (retriesInWindow + 1 > allowed || (fresh && (current & COUNT_MASK) == COUNT_MASK)) {
        return false;
      }
      long next = fresh ? current + 1 : pack(stamp, 1);
      if (retries.compareAndSet(index, current, next)) {
        return true;
      }
    }
  }

  /**
   * Gives back a retry taken by {@link #tryAcquireRetry()} that was not made (no backend could
   * take it). A no-op once its bucket has passed: the retry then stays counted, which errs toward
   * fewer retries.
   */
  public void refundRetry() {
    if (!enabled) {
      return;
    }
    long epoch = epoch();
    int index = bucket(epoch) * PAD;
    int stamp = (int) epoch;
    for (;;) {
      long current = retries.get(index);
      if (stamp(current) != stamp || (current & COUNT_MASK) == 0) {
        return;
      }
      if (retries.compareAndSet(index, current, current - 1)) {
        return;
      }
    }
  }

  /** Requests counted in the current window. */
  public long requestsInWindow() {
    return sum(requests, stripeMask + 1, epoch(), -1);
  }

  /** Retries taken in the current window. */
  public long retriesInWindow() {
    return sum(retries, 1, epoch(), -1);
  }

  /** Retries that may still be taken now; {@link Long#MAX_VALUE} when the budget is disabled. */
  public long available() {
    if (!enabled) {
      return Long.MAX_VALUE;
    }
    long epoch = epoch();
    double allowed = sum(requests, stripeMask + 1, epoch, -1) * percent / 100.0 + floor;
    return Math.max(0, (long) Math.floor(allowed) - sum(retries, 1, epoch, -1));
  }

  private long epoch() {
    // Non-negative for a monotonic ticker; floorMod in bucket() copes with one that is not.
    return Math.floorDiv(ticker.nanos() - origin, bucketNanos);
  }

  private static int bucket(long epoch) {
    return (int) Math.floorMod(epoch, (long) BUCKETS);
  }

  private int stripeIndex() {
    int h = System.identityHashCode(Thread.currentThread());
    return (h ^ (h >>> 16)) & stripeMask;
  }

  private static int stamp(long value) {
    return (int) (value >>> 32);
  }

  private static long pack(int stamp, long count) {
    return ((long) stamp << 32) | count;
  }

  /** Adds one to the counter at {@code index} for the bucket period {@code epoch}. */
  private static void increment(AtomicLongArray counters, int index, long epoch) {
    int stamp = (int) epoch;
    for (;;) {
      long current = counters.get(index);
      long next;
      if (stamp(current) == stamp) {
        if ((current & COUNT_MASK) == COUNT_MASK) {
          return; // saturated: 4 billion in one bucket, counting more changes no decision
        }
        next = current + 1;
      } else {
        next = pack(stamp, 1);
      }
      if (counters.compareAndSet(index, current, next)) {
        return;
      }
    }
  }

  /**
   * Sums the counts of {@code stripes × BUCKETS} counters that belong to the window ending in the
   * period {@code epoch}, skipping the counter at {@code skip} (-1 for none).
   */
  private static long sum(AtomicLongArray counters, int stripes, long epoch, int skip) {
    int now = (int) epoch;
    long total = 0;
    for (int i = 0, n = stripes * BUCKETS * PAD; i < n; i += PAD) {
      if (i == skip) {
        continue;
      }
      long value = counters.get(i);
      int age = now - stamp(value); // int arithmetic: correct across the 32-bit stamp wrap
      if (age >= 0 && age < BUCKETS) {
        total += value & COUNT_MASK;
      }
    }
    return total;
  }

  @Override
  public String toString() {
    return enabled
        ? "RetryBudget[" + percent + "% + " + floor + " per " + settings.window()
            + ", requests=" + requestsInWindow() + ", retries=" + retriesInWindow() + "]"
        : "RetryBudget[disabled]";
  }
}
