package io.ballast.server.config;

import io.ballast.proxy.tls.ServerNames;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A {@code mode: tcp} listener's {@code sni} block: TLS passthrough routed by the server name of
 * each connection's ClientHello. Immutable.
 *
 * @param routes in file order, at least one; no name in two routes
 * @param defaultPool where a ClientHello without a name, or with a name no route lists, goes;
 *     empty: such a connection is closed
 * @param clientHelloTimeout how long the whole ClientHello may take to arrive
 */
public record SniConfig(List<Route> routes, Optional<String> defaultPool,
    Duration clientHelloTimeout) {
  public SniConfig {
    routes = List.copyOf(routes);
    Objects.requireNonNull(defaultPool, "defaultPool");
    Checks.positive("client_hello_timeout", clientHelloTimeout);
    if (routes.isEmpty()) {
      throw new IllegalArgumentException("routes: [] (expected: at least one route)");
    }
  }

  /** Every pool it sends connections to, once each: the routes' in order, then the default. */
  public Set<String> pools() {
    Set<String> out = new LinkedHashSet<>();
    routes.forEach(r -> out.add(r.pool()));
    defaultPool.ifPresent(out::add);
    return out;
  }

  /**
   * One route: the connections whose ClientHello names one of {@code serverNames} go to
   * {@code pool}.
   *
   * @param serverNames exact names or {@code *.} wildcards, as written; at least one
   * @param pool the pool's name
   */
  public record Route(List<String> serverNames, String pool) {
    public Route {
      serverNames = ServerNames.requireNames("server_names", serverNames);
      Objects.requireNonNull(pool, "pool");
    }
  }
}
