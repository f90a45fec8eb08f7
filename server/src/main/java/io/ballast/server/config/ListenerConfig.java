package io.ballast.server.config;

import io.ballast.proxy.proxyprotocol.ProxyProtocolSpec;
import io.ballast.proxy.tls.ServerTls;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One listening socket and its routes. A listener written with {@code pool: NAME} has one route,
 * {@value #DEFAULT_ROUTE}, that takes every request to that pool. Immutable.
 *
 * @param name unique among listeners, {@code [a-z0-9][a-z0-9_-]*}
 * @param bind the local address to listen on; port 0 picks a free port
 * @param routes tried in order; at least one
 * @param tls the certificates, built, when the listener terminates TLS; null for plain HTTP
 * @param access which client addresses the listener serves; null for every one
 * @param rateLimits limits on every request of the listener (one set of buckets for all its
 *     routes), taken before its routes' own
 * @param limits its connection limits, and the request body limit of its routes that set none
 * @param proxyProtocol the front balancers that connect with a PROXY protocol header; null when
 *     clients connect directly
 */
public record ListenerConfig(String name, HostPort bind, List<RouteConfig> routes, ServerTls tls,
    AccessConfig access, List<io.ballast.proxy.ratelimit.RateLimitSpec> rateLimits,
    ListenerLimitsConfig limits, ProxyProtocolSpec proxyProtocol) {
  /** The name of the one route of a listener written with {@code pool:}. */
  public static final String DEFAULT_ROUTE = "default";

  public ListenerConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(bind, "bind");
    routes = List.copyOf(routes);
    rateLimits = rateLimits == null ? List.of() : List.copyOf(rateLimits);
    limits = limits == null ? ListenerLimitsConfig.DEFAULTS : limits;
    if (routes.isEmpty()) {
      throw new IllegalArgumentException("routes: [] (expected: at least one route)");
    }
  }

  /** A listener clients connect to directly. */
  public ListenerConfig(String name, HostPort bind, List<RouteConfig> routes, ServerTls tls,
      AccessConfig access, List<io.ballast.proxy.ratelimit.RateLimitSpec> rateLimits,
      ListenerLimitsConfig limits) {
    this(name, bind, routes, tls, access, rateLimits, limits, null);
  }

  /** A listener without limits of its own. */
  public ListenerConfig(String name, HostPort bind, List<RouteConfig> routes, ServerTls tls,
      AccessConfig access, List<io.ballast.proxy.ratelimit.RateLimitSpec> rateLimits) {
    this(name, bind, routes, tls, access, rateLimits, null, null);
  }

  /** A listener that serves every client address. */
  public ListenerConfig(String name, HostPort bind, List<RouteConfig> routes, ServerTls tls) {
    this(name, bind, routes, tls, null, List.of(), null, null);
  }

  /** A plain-HTTP listener. */
  public ListenerConfig(String name, HostPort bind, List<RouteConfig> routes) {
    this(name, bind, routes, null);
  }

  /** A plain-HTTP listener sending every request to one pool. */
  public ListenerConfig(String name, HostPort bind, String pool) {
    this(name, bind, List.of(RouteConfig.toPool(DEFAULT_ROUTE, pool)));
  }

  /** Every pool its routes use, once each. */
  public Set<String> pools() {
    Set<String> out = new LinkedHashSet<>();
    for (RouteConfig r : routes) {
      out.addAll(r.pools());
    }
    return out;
  }
}
