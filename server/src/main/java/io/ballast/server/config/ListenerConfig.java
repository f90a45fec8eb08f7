package io.ballast.server.config;

import io.ballast.proxy.proxyprotocol.ProxyProtocolSpec;
import io.ballast.proxy.tls.ServerTls;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One listening socket and its routes. A listener written with {@code pool: NAME} has one route,
 * {@value #DEFAULT_ROUTE}, that takes every request to that pool. A {@code mode: tcp} listener
 * ({@link #tcp()} present) relays raw TCP: it has exactly that one route (its pool), or, when it
 * routes TLS passthrough by server name ({@link TcpListenerConfig#sni()}), no route at all; no
 * TLS and no rate limits. Immutable.
 *
 * @param name unique among listeners, {@code [a-z0-9][a-z0-9_-]*}
 * @param bind the local address to listen on; port 0 picks a free port
 * @param routes tried in order; at least one (none on a tcp listener routing by server name)
 * @param tls the certificates, built, when the listener terminates TLS; null for plain HTTP
 * @param access which client addresses the listener serves; null for every one
 * @param rateLimits limits on every request of the listener (one set of buckets for all its
 *     routes), taken before its routes' own
 * @param limits its connection limits, and the request body limit of its routes that set none
 * @param proxyProtocol the front balancers that connect with a PROXY protocol header; null when
 *     clients connect directly
 * @param tcp the settings of a {@code mode: tcp} listener; null for an HTTP listener
 */
public record ListenerConfig(String name, HostPort bind, List<RouteConfig> routes, ServerTls tls,
    AccessConfig access, List<io.ballast.proxy.ratelimit.RateLimitSpec> rateLimits,
    ListenerLimitsConfig limits, ProxyProtocolSpec proxyProtocol, TcpListenerConfig tcp) {
  /** The name of the one route of a listener written with {@code pool:}. */
  public static final String DEFAULT_ROUTE = "default";

  public ListenerConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(bind, "bind");
    routes = List.copyOf(routes);
    rateLimits = rateLimits == null ? List.of() : List.copyOf(rateLimits);
    limits = limits == null ? ListenerLimitsConfig.DEFAULTS : limits;
    if (routes.isEmpty() && (tcp == null || tcp.sni().isEmpty())) {
      throw new IllegalArgumentException("routes: [] (expected: at least one route)");
    }
    if (tcp != null && tcp.sni().isPresent() && !routes.isEmpty()) {
      throw new IllegalArgumentException("routes: " + routes.size() + " on a tcp listener with"
          + " sni (expected: none; its sni routes name the pools)");
    }
    if (tcp != null && tcp.sni().isEmpty()
        && (routes.size() != 1 || routes.get(0).pool() == null)) {
      throw new IllegalArgumentException("routes: " + routes.size() + " on a tcp listener"
          + " (expected: the one route of its pool)");
    }
    if (tcp != null && (tls != null || !rateLimits.isEmpty())) {
      throw new IllegalArgumentException("tls or rate limits on a tcp listener (expected: none)");
    }
  }

  /** An HTTP listener. */
  public ListenerConfig(String name, HostPort bind, List<RouteConfig> routes, ServerTls tls,
      AccessConfig access, List<io.ballast.proxy.ratelimit.RateLimitSpec> rateLimits,
      ListenerLimitsConfig limits, ProxyProtocolSpec proxyProtocol) {
    this(name, bind, routes, tls, access, rateLimits, limits, proxyProtocol, null);
  }

  /** An HTTP listener clients connect to directly. */
  public ListenerConfig(String name, HostPort bind, List<RouteConfig> routes, ServerTls tls,
      AccessConfig access, List<io.ballast.proxy.ratelimit.RateLimitSpec> rateLimits,
      ListenerLimitsConfig limits) {
    this(name, bind, routes, tls, access, rateLimits, limits, null, null);
  }

  /** A {@code mode: tcp} listener relaying every connection to {@code pool}. */
  public static ListenerConfig tcp(String name, HostPort bind, String pool, AccessConfig access,
      ListenerLimitsConfig limits, TcpListenerConfig tcp) {
    return tcp(name, bind, pool, access, limits, null, tcp);
  }

  /**
   * A {@code mode: tcp} listener relaying every connection to {@code pool}, or (null) to the
   * pool its {@code tcp.sni()} routes choose, behind {@code proxyProtocol}'s front balancers
   * (null: clients connect directly).
   */
  public static ListenerConfig tcp(String name, HostPort bind, String pool, AccessConfig access,
      ListenerLimitsConfig limits, ProxyProtocolSpec proxyProtocol, TcpListenerConfig tcp) {
    List<RouteConfig> routes = pool == null ? List.of()
        : List.of(RouteConfig.toPool(DEFAULT_ROUTE, pool));
    return new ListenerConfig(name, bind, routes, null, access, List.of(), limits, proxyProtocol,
        Objects.requireNonNull(tcp, "tcp"));
  }

  /** True for a {@code mode: tcp} listener. */
  public boolean isTcp() {
    return tcp != null;
  }

  /** The pool of a {@code mode: tcp} listener (its one route's); null when it routes by name. */
  public String tcpPool() {
    return routes.isEmpty() ? null : routes.get(0).pool();
  }

  /** A listener without limits of its own. */
  public ListenerConfig(String name, HostPort bind, List<RouteConfig> routes, ServerTls tls,
      AccessConfig access, List<io.ballast.proxy.ratelimit.RateLimitSpec> rateLimits) {
    this(name, bind, routes, tls, access, rateLimits, null, null, null);
  }

  /** A listener that serves every client address. */
  public ListenerConfig(String name, HostPort bind, List<RouteConfig> routes, ServerTls tls) {
    this(name, bind, routes, tls, null, List.of(), null, null, null);
  }

  /** A plain-HTTP listener. */
  public ListenerConfig(String name, HostPort bind, List<RouteConfig> routes) {
    this(name, bind, routes, null);
  }

  /** A plain-HTTP listener sending every request to one pool. */
  public ListenerConfig(String name, HostPort bind, String pool) {
    this(name, bind, List.of(RouteConfig.toPool(DEFAULT_ROUTE, pool)));
  }

  /** Every pool its routes use (a tcp listener's routes by server name too), once each. */
  public Set<String> pools() {
    Set<String> out = new LinkedHashSet<>();
    for (RouteConfig r : routes) {
      out.addAll(r.pools());
    }
    if (tcp != null) {
      tcp.sni().ifPresent(sni -> out.addAll(sni.pools()));
    }
    return out;
  }
}
