package io.ballast.core.circuit;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The calls of the last {@code seconds} seconds, as Resilience4j's time-based window: one bucket
 * per second of the ticker ({@code floorDiv(nanos, 1e9)}), the current second included, and
 * running totals. The first call of a new second advances the window: the thread that wins the
 * compare-and-set on {@link #head} empties the buckets of the seconds that leave the window and
 * subtracts what it removed from the totals, so the totals are always the sum of the buckets.
 *
 * <p>There are a power of two of buckets, at least {@code seconds}, so that a second finds its
 * bucket with a mask instead of a division (which cost about 15 ns per call). A bucket is emptied
 * when its second leaves the window, so it is empty again by the time a later second maps to it.
 *
 * <p>Counters are kept per field (not packed as in {@link CountWindow}) because a long window at a
 * high rate can exceed a packed field; a successful fast call touches two counters.
 *
 * <p>Thread-safe, lock-free, allocation-free. A call recorded by a thread that read the head just
 * before the window moved on counts in the second it read, or is lost if its bucket is being
 * emptied at that instant; either way the totals stay equal to the buckets.
 */
final class TimeWindow implements SlidingWindow {
  private static final long SECOND = 1_000_000_000L;

  private final int seconds;
  private final int mask;
  private final AtomicLongArray calls;
  private final AtomicLongArray failed;
  private final AtomicLongArray slow;
  private final AtomicLong totalCalls = new AtomicLong();
  private final AtomicLong totalFailed = new AtomicLong();
  private final AtomicLong totalSlow = new AtomicLong();
  /** The latest second the window has been advanced to. */
  private final AtomicLong head;

  TimeWindow(int seconds, long nowNanos) {
    if (seconds < 1 || seconds > CircuitBreakerSettings.MAX_TIME_WINDOW_SECONDS) {
      throw new IllegalArgumentException("seconds: " + seconds + " (expected: 1 to "
          + CircuitBreakerSettings.MAX_TIME_WINDOW_SECONDS + ")");
    }
    this.seconds = seconds;
    int buckets = Integer.bitCount(seconds) == 1 ? seconds : Integer.highestOneBit(seconds) << 1;
    this.mask = buckets - 1;
    this.calls = new AtomicLongArray(buckets);
    this.failed = new AtomicLongArray(buckets);
    this.slow = new AtomicLongArray(buckets);
    this.head = new AtomicLong(Math.floorDiv(nowNanos, SECOND));
  }

  @Override
  public long record(long outcome, long nowNanos) {
    long second = advance(Math.floorDiv(nowNanos, SECOND));
    int bucket = (int) second & mask;
    calls.getAndIncrement(bucket);
    long c = totalCalls.incrementAndGet();
    long f;
    long s;
    if ((outcome & Tally.FAILED) != 0) {
      failed.getAndIncrement(bucket);
      f = totalFailed.incrementAndGet();
    } else {
      f = totalFailed.get();
    }
    if ((outcome & Tally.SLOW) != 0) {
      slow.getAndIncrement(bucket);
      s = totalSlow.incrementAndGet();
    } else {
      s = totalSlow.get();
    }
    return Tally.packScaled(c, f, s);
  }

  @Override
  public long snapshot(long nowNanos) {
    advance(Math.floorDiv(nowNanos, SECOND));
    return Tally.packScaled(totalCalls.get(), totalFailed.get(), totalSlow.get());
  }

  /**
   * Moves the window to {@code second} if it is newer and returns the second to record into: a
   * reading older than the head (another thread's ticker read landed later) goes to the oldest
   * second still in the window at worst.
   */
  private long advance(long second) {
    long h = head.get();
    while (second > h) {
      if (head.compareAndSet(h, second)) {
        // Seconds h - seconds + 1 .. h were in the window; those up to second - seconds leave it.
        long last = Math.min(h, second - seconds);
        for (long k = h - seconds + 1; k <= last; k++) {
          clear((int) k & mask);
        }
        return second;
      }
      h = head.get();
    }
    return Math.max(second, h - seconds + 1);
  }

  private void clear(int bucket) {
    long c = calls.getAndSet(bucket, 0L);
    if (c != 0L) {
      totalCalls.addAndGet(-c);
    }
    long f = failed.getAndSet(bucket, 0L);
    if (f != 0L) {
      totalFailed.addAndGet(-f);
    }
    long s = slow.getAndSet(bucket, 0L);
    if (s != 0L) {
      totalSlow.addAndGet(-s);
    }
  }

  @Override
  public void reset(long nowNanos) {
    for (int i = 0; i <= mask; i++) {
      clear(i);
    }
    // The window restarts at the current second, as a fresh Resilience4j window would.
    head.set(Math.floorDiv(nowNanos, SECOND));
  }

  @Override
  public String toString() {
    return "TimeWindow[seconds=" + seconds + ", calls=" + totalCalls.get() + ", failed="
        + totalFailed.get() + ", slow=" + totalSlow.get() + "]";
  }
}
