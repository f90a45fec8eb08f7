package io.ballast.proxy;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The proxy's requests in flight (head received, last response byte not yet written; an open
 * tunnel counts until it closes), and a wait for none, for a graceful stop.
 *
 * <p>Thread-safe: event loops count, the stopping thread waits.
 */
final class InFlight {
  private final AtomicInteger count = new AtomicInteger();

  void started() {
    count.incrementAndGet();
  }

  void ended() {
    count.decrementAndGet();
  }

  int count() {
    return count.get();
  }

  /** Waits until none is in flight (true) or the time has passed (false). */
  boolean awaitNone(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (count.get() > 0) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      // Shutdown path only: a short park keeps this simple without touching the hot path.
      LockSupport.parkNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(5)));
      if (Thread.interrupted()) {
        Thread.currentThread().interrupt();
        return count.get() == 0;
      }
    }
    return true;
  }
}
