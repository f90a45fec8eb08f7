package io.ballast.proxy;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The proxy's requests in flight (head received, last response byte not yet written; an open
 * tunnel counts until it closes), which a graceful stop waits to see at zero.
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

}
