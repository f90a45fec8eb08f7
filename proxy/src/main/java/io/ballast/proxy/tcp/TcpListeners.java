package io.ballast.proxy.tcp;

import io.ballast.core.Backend;
import io.ballast.proxy.ListenSockets;
import io.ballast.proxy.Transport;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TCP listeners ({@code mode: tcp}) of one proxy: opened, replaced and closed live by name. A
 * replaced listener keeps its socket; its next connection takes the new pool, timeouts, access
 * list and limits. A closed one stops accepting, and its open connections go on until they end
 * (or the process stops).
 *
 * <p>The listeners and their connections (clients' and backends', each pair on one loop) run on
 * event loops of their own, made with the first listener, so that a busy relay and HTTP traffic
 * do not queue behind each other; native epoll where the platform has it (with
 * {@code KeepRegisteredEpoll}'s fix: raw TCP writes to half-closed connections all the time), so
 * that their listening sockets can be handed over to a new process like every other listener's.
 *
 * <p>Thread-safe: the lifecycle methods serialise on this object and never run on an event
 * loop's request path; {@link #forget} only posts to the connections' loops.
 */
public final class TcpListeners {
  private static final Logger LOG = LoggerFactory.getLogger(TcpListeners.class);

  private final int threads;
  private final TcpHost host;
  /** Made with the first listener; guarded by this. */
  private EventLoopGroup group;
  /** Guarded by this. */
  private final Map<String, TcpListener> byName = new LinkedHashMap<>();
  /** Every open connection, whichever listener accepted it (one that closed since, too). */
  private final Set<TcpSession> sessions = ConcurrentHashMap.newKeySet();
  /** Each backend's resolved address, for every listener; a backend gone is forgotten. */
  private final Map<Backend, InetSocketAddress> addresses = new ConcurrentHashMap<>();
  private volatile boolean stopped;
  /** Where listening sockets come from: bound afresh, or handed over by another process. */
  private volatile ListenSockets listenSockets = ListenSockets.BIND;

  /**
   * @param threads event loop threads of the TCP listeners (0: one per core), made with the
   *     first listener
   */
  public TcpListeners(int threads, TcpHost host) {
    if (threads < 0) {
      throw new IllegalArgumentException("threads: " + threads + " (expected: >= 0)");
    }
    this.threads = threads;
    this.host = Objects.requireNonNull(host, "host");
  }

  /** Listeners opened from now on take their sockets from {@code sockets}. */
  public void useListenSockets(ListenSockets sockets) {
    this.listenSockets = Objects.requireNonNull(sockets, "sockets");
  }

  /**
   * Opens a listener and returns the address it is bound to.
   *
   * @throws IllegalStateException when accepting has stopped, a TCP listener of that name is
   *     open, or the bind fails (naming the address)
   */
  public synchronized InetSocketAddress add(TcpListenerSpec spec) {
    if (stopped) {
      throw new IllegalStateException("proxy server is stopping");
    }
    if (byName.containsKey(spec.name())) {
      throw new IllegalStateException("tcp listener " + spec.name() + " exists");
    }
    if (group == null) {
      group = Transport.newGroup(threads, "ballast-tcp");
    }
    TcpListener l = new TcpListener(spec, host, sessions, group, addresses);
    InetSocketAddress bound = l.bind(listenSockets);
    byName.put(spec.name(), l);
    LOG.debug("{} on {}", l, bound);
    return bound;
  }

  /**
   * Gives an open listener a new spec at the same address: its next connection follows it.
   *
   * @throws IllegalArgumentException when no TCP listener has that name, or the address differs
   *     (close it and open it again instead)
   */
  public synchronized void replace(TcpListenerSpec spec) {
    TcpListener l = byName.get(spec.name());
    if (l == null) {
      throw new IllegalArgumentException("tcp listener: '" + spec.name() + "' (expected: one of "
          + byName.keySet() + ")");
    }
    if (!l.spec().bind().equals(spec.bind())) {
      throw new IllegalArgumentException("bind: " + spec.bind() + " (expected: "
          + l.spec().bind() + ", the listener's; a move closes and opens it)");
    }
    l.replace(spec);
  }

  /** Stops a listener accepting; its open connections go on. Nothing for an unknown name. */
  public synchronized void remove(String name) {
    TcpListener l = byName.remove(name);
    if (l != null) {
      l.close();
    }
  }

  /** True when a TCP listener of that name is open. */
  public synchronized boolean has(String name) {
    return byName.containsKey(name);
  }

  /** The names of the open TCP listeners, in the order they were opened. */
  public synchronized List<String> names() {
    return List.copyOf(byName.keySet());
  }

  /** Where the listener is bound, or null for an unknown name. */
  public synchronized InetSocketAddress address(String name) {
    TcpListener l = byName.get(name);
    return l == null ? null : l.address();
  }

  /** Connections open now on the named listener (0 for an unknown name). */
  public synchronized int open(String name) {
    TcpListener l = byName.get(name);
    return l == null ? 0 : l.open();
  }

  /** Every listener stops accepting (graceful stop); open connections go on. */
  public synchronized void stopAccepting() {
    stopped = true;
    for (TcpListener l : byName.values()) {
      l.close();
    }
  }

  /**
   * Stops accepting and shuts the TCP event loops down (after the proxy ended the open tunnels:
   * what is still open is cut).
   */
  public void close() {
    EventLoopGroup g;
    synchronized (this) {
      stopAccepting();
      g = group;
    }
    if (g != null) {
      g.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }
  }

  /**
   * {@code backend} left its pool for good (its drain is over): connections still relayed to it
   * close, on every listener.
   */
  public void forget(Backend backend) {
    addresses.remove(backend);
    for (TcpSession s : sessions) {
      s.closeIfTo(backend);
    }
  }

  /** Connections open now on every TCP listener, for tests and the admin view. */
  public int openConnections() {
    return sessions.size();
  }
}
