package io.ballast.core.circuit;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The last {@code size} calls, as Resilience4j's count-based window: a ring of outcomes and the
 * packed totals of what the ring holds. Recording is three atomic instructions: claim the next
 * slot, swap the outcome in, add the difference to the totals.
 *
 * <p>Thread-safe, lock-free, allocation-free.
 */
final class CountWindow implements SlidingWindow {
  private final int size;
  private final AtomicLongArray slots;
  private final AtomicLong cursor = new AtomicLong();
  private final AtomicLong totals = new AtomicLong();

  CountWindow(int size) {
    if (size < 1 || size > CircuitBreakerSettings.MAX_COUNT_WINDOW) {
      throw new IllegalArgumentException(
          "size: " + size + " (expected: 1 to " + CircuitBreakerSettings.MAX_COUNT_WINDOW + ")");
    }
    this.size = size;
    this.slots = new AtomicLongArray(size);
  }

  @Override
  public long record(long outcome, long nowNanos) {
    // A long cursor never wraps in practice (2^63 calls), so the ring order is exact.
    int slot = (int) (cursor.getAndIncrement() % size);
    long evicted = slots.getAndSet(slot, outcome);
    return Tally.decode(totals.addAndGet(outcome - evicted));
  }

  @Override
  public long snapshot(long nowNanos) {
    return Tally.decode(totals.get());
  }

  @Override
  public void reset(long nowNanos) {
    for (int i = 0; i < size; i++) {
      long removed = slots.getAndSet(i, 0L);
      if (removed != 0L) {
        totals.addAndGet(-removed);
      }
    }
  }

  @Override
  public String toString() {
    long t = snapshot(0);
    return "CountWindow[size=" + size + ", calls=" + Tally.calls(t) + ", failed="
        + Tally.failed(t) + ", slow=" + Tally.slow(t) + "]";
  }
}
