package io.ballast.proxy.tcp;

import io.ballast.proxy.routing.PoolRef;
import io.ballast.proxy.tls.ServerNames;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a TCP listener routes TLS it does not terminate: it reads the server name of each
 * connection's ClientHello ({@link ClientHelloReader}) and sends the connection, ClientHello
 * and all, to the pool of the route that lists the name; the client's TLS session is with the
 * backend. Names match as certificates' do ({@link ServerNames}: exact before wildcard,
 * one-label wildcards, case-insensitive). A ClientHello without a server name, or with one no
 * route lists, goes to {@link #defaultPool}, or is closed when there is none.
 *
 * <p>Immutable and thread-safe: the table of names is built once, here, and a lookup is two
 * hash lookups.
 */
public final class SniSpec {
  /** Ample for any client on any network: it sends its ClientHello at once. */
  public static final Duration DEFAULT_CLIENT_HELLO_TIMEOUT = Duration.ofSeconds(5);

  private final List<SniRoute> routes;
  private final PoolRef defaultPool;
  private final Duration clientHelloTimeout;
  private final ServerNames<PoolRef> names;

  /**
   * @param routes in order; at least one, and no name in two of them
   * @param defaultPool where a ClientHello without a name, or with a name no route lists, goes;
   *     null: such a connection is closed
   * @param clientHelloTimeout how long the whole ClientHello may take to arrive; null for
   *     {@link #DEFAULT_CLIENT_HELLO_TIMEOUT}
   */
  public SniSpec(List<SniRoute> routes, PoolRef defaultPool, Duration clientHelloTimeout) {
    this.routes = List.copyOf(routes);
    if (this.routes.isEmpty()) {
      throw new IllegalArgumentException("routes: [] (expected: at least one route)");
    }
    this.defaultPool = defaultPool == null ? null : TcpListenerSpec.checkPool(defaultPool);
    this.clientHelloTimeout = clientHelloTimeout == null ? DEFAULT_CLIENT_HELLO_TIMEOUT
        : clientHelloTimeout;
    if (this.clientHelloTimeout.isNegative() || this.clientHelloTimeout.isZero()) {
      throw new IllegalArgumentException("client_hello_timeout: " + this.clientHelloTimeout
          + " (expected: > 0)");
    }
    ServerNames.Builder<PoolRef> b = ServerNames.builder();
    for (int i = 0; i < this.routes.size(); i++) {
      for (String name : this.routes.get(i).serverNames()) {
        if (!b.add(name, this.routes.get(i).pool())) {
          throw new IllegalArgumentException("routes[" + i + "].server_names: '" + name
              + "' is listed twice (expected: each name in one route only)");
        }
      }
    }
    this.names = b.build();
  }

  /**
   * The pool for a ClientHello that named {@code serverName} (null: it named none): the route's
   * that lists it, else the default; null when neither (the connection is closed).
   */
  public PoolRef route(String serverName) {
    PoolRef p = names.lookup(serverName);
    return p != null ? p : defaultPool;
  }

  public List<SniRoute> routes() {
    return routes;
  }

  /** Null when a connection no route takes is closed. */
  public PoolRef defaultPool() {
    return defaultPool;
  }

  public Duration clientHelloTimeout() {
    return clientHelloTimeout;
  }

  @Override
  public String toString() {
    return "sni " + routes + (defaultPool == null ? "" : ", default -> " + defaultPool.name())
        + ", ClientHello within " + clientHelloTimeout.toMillis() + " ms";
  }
}
