package io.ballast.proxy;

import io.netty.channel.Channel;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The proxy's client connections and requests in flight, as a drain needs them: the connections
 * accepted that no protocol handler has taken yet (with when), those a handler took, and the
 * count of requests under way. A stop drains every connection (or a removed listener's) and
 * waits until no request is in flight and no idle connection may still have one on its way.
 *
 * <p>Thread-safe: connections register and leave on their event loops, a stop reads from its
 * own thread; the sets are concurrent and a connection is added to the taken ones before it
 * leaves the untaken, so a stop's look never misses it in between.
 */
final class ClientConnections {
  private final Set<ClientConnection> taken = ConcurrentHashMap.newKeySet();
  /**
   * Connections accepted that no protocol handler has taken yet (the first bytes or the TLS
   * handshake have not come), with when they were accepted: a stop waits for them a little.
   */
  private final Map<Channel, Long> untaken = new ConcurrentHashMap<>();
  private final InFlight inFlight = new InFlight();

  void accepted(Channel child) {
    untaken.put(child, System.nanoTime());
    child.closeFuture().addListener(f -> untaken.remove(child));
  }

  void register(ClientConnection c) {
    taken.add(c);
    untaken.remove(c.connection());
  }

  void unregister(ClientConnection c) {
    taken.remove(c);
  }

  void requestStarted() {
    inFlight.started();
  }

  void requestEnded() {
    inFlight.ended();
  }

  /** Requests in flight now. */
  int requests() {
    return inFlight.count();
  }

  /** Connections a protocol handler took, open now. */
  int open() {
    return taken.size();
  }

  /** Each connection of {@code listener} (null: of every listener) closes when it can. */
  void drain(ListenerContext listener) {
    for (ClientConnection c : taken) {
      if (listener == null || c.listener() == listener) {
        c.executor().execute(c::drain);
      }
    }
  }

  /**
   * Waits until no request is in flight and no idle connection may still have one on its way
   * (for at most {@code grace} each: see {@link ClientConnection#awaitingRequest}) (true), or
   * {@code timeout} has passed (false).
   */
  boolean awaitDrained(Duration timeout, Duration grace) {
    // First the connections, then the count: a connection stops awaiting only once its request
    // is counted in flight, so this order never sees neither while one is under way.
    return Waits.until(() -> !awaitingRequest(grace.toNanos()) && inFlight.count() == 0,
        timeout);
  }

  private boolean awaitingRequest(long grace) {
    long now = System.nanoTime();
    for (long at : untaken.values()) {
      if (now - at < grace) {
        return true;
      }
    }
    for (ClientConnection c : taken) {
      if (c.awaitingRequest(now, grace)) {
        return true;
      }
    }
    return false;
  }
}
