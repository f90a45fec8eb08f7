package io.ballast.proxy.tcp;

import io.ballast.proxy.client.AccessList;
import io.ballast.proxy.client.HashKey;
import io.ballast.proxy.limits.ListenerLimits;
import io.ballast.proxy.proxyprotocol.ProxyProtocolSpec;
import io.ballast.proxy.routing.PoolRef;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * A listener that relays raw TCP: each accepted connection goes, whole, to one backend of one
 * pool, picked by the pool's algorithm (hash-based pools key on the client's address); the pool
 * is the listener's, or, on a listener that routes TLS by server name, the one its ClientHello's
 * name chooses. Immutable and validated at construction.
 *
 * @param name the listener's name, in logs and metrics
 * @param bind where to listen; port 0 binds any free port
 * @param pool the pool, with its retry policy (its attempts and overall timeout bound the
 *     connects tried for one client), hash key and zones; a pool for HTTP-only features
 *     (sessions, TLS or HTTP/2 to backends, a hash key other than the client's address) is
 *     refused. Null exactly when {@code sni} is set (its routes name the pools)
 * @param connectTimeout how long one connect to a backend may take
 * @param idleTimeout a connection in which neither side sent a byte for this long is closed
 * @param access which client addresses are served; null for every one
 * @param limits connections at once and per client address ({@code maxRequestsPerConnection}
 *     does not apply); null for none
 * @param proxyProtocol the front balancers that connect with a PROXY protocol header (only they
 *     may connect; the client each header names is the connection's client, judged by
 *     {@code access} once the header is read); null when clients connect directly
 * @param sni routes by the server name of each connection's TLS ClientHello; null: every
 *     connection goes to {@code pool}
 */
public record TcpListenerSpec(String name, InetSocketAddress bind, PoolRef pool,
    Duration connectTimeout, Duration idleTimeout, AccessList access, ListenerLimits limits,
    ProxyProtocolSpec proxyProtocol, SniSpec sni) {
  /** The connect timeout when none is set. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
  /** The idle timeout when none is set. */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofHours(1);

  public TcpListenerSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(bind, "bind");
    if ((pool == null) == (sni == null)) {
      throw new IllegalArgumentException("pool: " + (pool == null ? "none" : pool.name())
          + (sni == null ? " without sni" : " with sni")
          + " (expected: either a pool, or sni routes naming the pools)");
    }
    positive("connectTimeout", connectTimeout);
    positive("idleTimeout", idleTimeout);
    if (connectTimeout.toMillis() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("connectTimeout: " + connectTimeout
          + " (expected: <= " + Integer.MAX_VALUE + " ms)");
    }
    limits = limits == null ? ListenerLimits.DEFAULTS : limits;
    if (pool != null) {
      checkPool(pool);
    }
  }

  /** A listener clients connect to directly, every connection to {@code pool}. */
  public TcpListenerSpec(String name, InetSocketAddress bind, PoolRef pool,
      Duration connectTimeout, Duration idleTimeout, AccessList access, ListenerLimits limits) {
    this(name, bind, pool, connectTimeout, idleTimeout, access, limits, null, null);
  }

  /** True when a connection is read before its backend is chosen (a PROXY header, a ClientHello). */
  public boolean readsFirst() {
    return proxyProtocol != null || sni != null;
  }

  /**
   * Returns {@code pool} when a TCP listener can use it.
   *
   * @throws IllegalArgumentException naming what only HTTP requests carry that the pool has
   */
  static PoolRef checkPool(PoolRef pool) {
    if (pool.hashKey() != null && !(pool.hashKey() instanceof HashKey.ClientIp)) {
      throw new IllegalArgumentException("pool: " + pool.name() + " hashes on "
          + pool.hashKey() + " (expected: the client's address, the only key a TCP stream has)");
    }
    if (pool.affinity() != null) {
      throw new IllegalArgumentException("pool: " + pool.name()
          + " keeps sessions (expected: no affinity; a hash on the client's address sticks)");
    }
    if (pool.tls() != null || pool.protocol().multiplexed()) {
      throw new IllegalArgumentException("pool: " + pool.name()
          + " speaks TLS or HTTP/2 to its backends (expected: plain connections)");
    }
    return pool;
  }

  /** A listener with the default timeouts, open to every client and unlimited. */
  public TcpListenerSpec(String name, InetSocketAddress bind, PoolRef pool) {
    this(name, bind, pool, DEFAULT_CONNECT_TIMEOUT, DEFAULT_IDLE_TIMEOUT, null, null, null, null);
  }

  private static void positive(String field, Duration d) {
    Objects.requireNonNull(d, field);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(field + ": " + d + " (expected: > 0)");
    }
  }
}
