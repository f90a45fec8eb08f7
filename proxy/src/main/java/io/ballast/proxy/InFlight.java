package io.ballast.proxy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

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
    return Waits.until(() -> count.get() == 0, timeout);
  }

}
