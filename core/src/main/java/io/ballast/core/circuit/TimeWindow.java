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
 * bucket with a mask instead of a division. A bucket is emptied when its second leaves the window,
 * so it is empty again by the time a later second maps to it.
 *
 * <p>Calls and failures are packed in one {@code long} (32 bits each: a long window at a high
 * rate can exceed {@link Tally}'s 21-bit fields), slow calls kept apart because they are rare: a
 * call that is not slow costs two atomic additions (its bucket and the totals) and one read. The
 * slow total sits 8 longs (64 bytes) away from the packed total, so that reading it does not share
 * a cache line with the total every thread writes. As in {@link Tally}, a field can dip below zero
 * for an instant while a bucket is emptied, and the decoding reads it as signed.
 *
 * <p>Thread-safe, lock-free, allocation-free. A call recorded by a thread that read the head just
 * before the window moved on counts in the second it read, or in a bucket that the next advance
 * empties; either way the totals stay equal to the buckets, and every bucket outside the window
 * is emptied on each advance, so a late call cannot outlive the window.
 */
final class TimeWindow implements SlidingWindow {
  private static final long SECOND = 1_000_000_000L;
  private static final long CALL = 1L;
  private static final long FAILED = 1L << 32;
  private static final int PACKED_TOTAL = 0;
  private static final int SLOW_TOTAL = 8;

  private final int seconds;
  private final int mask;
  /** Per bucket: calls and failed calls, packed 32/32. */
  private final AtomicLongArray callsAndFailed;
  private final AtomicLongArray slow;
  /** [PACKED_TOTAL] calls and failed calls; [SLOW_TOTAL] slow calls, a cache line apart. */
  private final AtomicLongArray totals = new AtomicLongArray(SLOW_TOTAL + 8);
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
    this.callsAndFailed = new AtomicLongArray(buckets);
    this.slow = new AtomicLongArray(buckets);
    this.head = new AtomicLong(Math.floorDiv(nowNanos, SECOND));
  }

  @Override
  public long record(long outcome, long nowNanos) {
    int bucket = (int) advance(Math.floorDiv(nowNanos, SECOND)) & mask;
    long delta = (outcome & Tally.FAILED) != 0 ? CALL | FAILED : CALL;
    callsAndFailed.getAndAdd(bucket, delta);
    long packed = totals.addAndGet(PACKED_TOTAL, delta);
    long s;
    if ((outcome & Tally.SLOW) != 0) {
      slow.getAndIncrement(bucket);
      s = totals.incrementAndGet(SLOW_TOTAL);
    } else {
      s = totals.get(SLOW_TOTAL);
    }
    return snapshotOf(packed, s);
  }

  @Override
  public long snapshot(long nowNanos) {
    advance(Math.floorDiv(nowNanos, SECOND));
    return snapshotOf(totals.get(PACKED_TOTAL), totals.get(SLOW_TOTAL));
  }

  private static long snapshotOf(long packed, long slowCalls) {
    long calls = (int) packed; // the low half, signed
    long failed = (packed - calls) >> 32;
    return Tally.packScaled(calls, failed, slowCalls);
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
        // The new window is second - seconds + 1 .. second. Of its buckets, those of seconds up
        // to h keep their calls; every other bucket must be empty: the seconds after h (they may
        // hold a late call of a thread that read an old head, or of a second that left) and the
        // spare buckets beyond {@code seconds}. Those are the buckets of seconds h + 1 ..
        // first + buckets - 1, a run of consecutive seconds. Worked example, 3 s in 4 buckets,
        // h = 10 -> 11: seconds 9 and 10 stay, seconds 11 and 12 (buckets of 7 and 8) empty.
        long first = second - seconds + 1;
        long end = first + mask; // first + buckets - 1
        for (long k = Math.max(h + 1, end - mask); k <= end; k++) {
          clear((int) k & mask);
        }
        return second;
      }
      h = head.get();
    }
    return Math.max(second, h - seconds + 1);
  }

  private void clear(int bucket) {
    if (callsAndFailed.get(bucket) == 0L && slow.get(bucket) == 0L) {
      return;
    }
    long cf = callsAndFailed.getAndSet(bucket, 0L);
    if (cf != 0L) {
      totals.addAndGet(PACKED_TOTAL, -cf);
    }
    long s = slow.getAndSet(bucket, 0L);
    if (s != 0L) {
      totals.addAndGet(SLOW_TOTAL, -s);
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
    long t = snapshotOf(totals.get(PACKED_TOTAL), totals.get(SLOW_TOTAL));
    return "TimeWindow[seconds=" + seconds + ", calls=" + Tally.calls(t) + ", failed="
        + Tally.failed(t) + ", slow=" + Tally.slow(t) + "]";
  }
}
