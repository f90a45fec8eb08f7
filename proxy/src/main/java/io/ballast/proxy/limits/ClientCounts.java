package io.ballast.proxy.limits;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Connections open per client address, for {@link ListenerLimits#maxConnectionsPerClient}. An
 * address is in the table only while it has a connection open: its entry goes when its count
 * reaches zero. So the table never holds more entries than connections are open (about 100 bytes
 * each: a map node, the address, a boxed count), however many addresses come and go; an attacker
 * rotating addresses costs what its open connections cost anyway.
 *
 * <p>Thread-safe: each call is one atomic update of the address's entry. Acquires come from one
 * thread (the listening channel's event loop), releases from the connections' own loops.
 */
final class ClientCounts {
  private final ConcurrentHashMap<InetAddress, Integer> open = new ConcurrentHashMap<>();

  /**
   * Counts one more connection of {@code address} and returns true, unless it has {@code max}
   * open already (then nothing is counted). Called by one thread at a time: the increment and the
   * take-back are never interleaved with another acquire.
   */
  boolean tryAcquire(InetAddress address, int max) {
    if (open.merge(address, 1, Integer::sum) <= max) {
      return true;
    }
    release(address);
    return false;
  }

  /** One connection of {@code address} closed; at zero the address leaves the table. */
  void release(InetAddress address) {
    open.computeIfPresent(address, (a, n) -> n == 1 ? null : n - 1);
  }

  /** Connections open from {@code address}. */
  int count(InetAddress address) {
    Integer n = open.get(address);
    return n == null ? 0 : n;
  }

  /** Addresses with a connection open. */
  int addresses() {
    return open.size();
  }
}
