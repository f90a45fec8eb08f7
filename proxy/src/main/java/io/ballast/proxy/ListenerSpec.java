package io.ballast.proxy;

import io.ballast.core.Ticker;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.retry.RetryPolicy;
import io.ballast.core.retry.RetrySettings;
import io.ballast.proxy.client.AccessList;
import io.ballast.proxy.client.HashKey;
import io.ballast.proxy.limits.ListenerLimits;
import io.ballast.proxy.proxyprotocol.ProxyProtocolSpec;
import io.ballast.proxy.routing.PoolRef;
import io.ballast.proxy.routing.RouteSpec;
import io.ballast.proxy.tls.ServerTls;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One listening socket and its routes, tried in order (the first that matches takes the
 * request; a request no route takes gets 404 from ballast).
 *
 * @param name the listener's name, in logs and metrics
 * @param bind where to listen; port 0 binds any free port
 * @param routes the routes, at least one, unique names
 * @param tls the listener's certificates when it terminates TLS; null for plain HTTP
 * @param access which client addresses the listener serves; null for every one
 * @param limits its connection limits; null for none
 * @param proxyProtocol the front balancers that connect with a PROXY protocol header, whose
 *     client address the listener takes; null when clients connect directly
 */
public record ListenerSpec(
    String name, InetSocketAddress bind, List<RouteSpec> routes, ServerTls tls,
    AccessList access, ListenerLimits limits, ProxyProtocolSpec proxyProtocol) {
  /** The route name of a listener that sends everything to one pool. */
  public static final String DEFAULT_ROUTE = "default";

  public ListenerSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(bind, "bind");
    limits = limits == null ? ListenerLimits.DEFAULTS : limits;
    routes = List.copyOf(routes);
    if (routes.isEmpty()) {
      throw new IllegalArgumentException("routes: [] (expected: at least one route)");
    }
    Set<String> names = new HashSet<>();
    for (RouteSpec r : routes) {
      if (!names.add(r.name())) {
        throw new IllegalArgumentException("routes: '" + r.name()
            + "' twice (expected: unique route names)");
      }
    }
  }

  /** A listener that clients connect to directly. */
  public ListenerSpec(String name, InetSocketAddress bind, List<RouteSpec> routes, ServerTls tls,
      AccessList access, ListenerLimits limits) {
    this(name, bind, routes, tls, access, limits, null);
  }

  /** A listener without connection limits. */
  public ListenerSpec(String name, InetSocketAddress bind, List<RouteSpec> routes, ServerTls tls,
      AccessList access) {
    this(name, bind, routes, tls, access, null);
  }

  /** A listener that serves every client address. */
  public ListenerSpec(String name, InetSocketAddress bind, List<RouteSpec> routes, ServerTls tls) {
    this(name, bind, routes, tls, null);
  }

  /** A plain-HTTP listener. */
  public ListenerSpec(String name, InetSocketAddress bind, List<RouteSpec> routes) {
    this(name, bind, routes, null);
  }

  /** A listener sending every request to one pool (route {@value #DEFAULT_ROUTE}). */
  public ListenerSpec(String name, InetSocketAddress bind, PoolRef pool) {
    this(name, bind, List.of(RouteSpec.toPool(DEFAULT_ROUTE, pool)));
  }

  /** A listener sending every request to one pool, which reads no load-report header. */
  public ListenerSpec(String name, InetSocketAddress bind, LoadBalancer pool, RetryPolicy retry,
      HashKey hashKey) {
    this(name, bind, new PoolRef(pool, retry, hashKey, null));
  }

  /** As above, with the pool's load-report header (null for none). */
  public ListenerSpec(String name, InetSocketAddress bind, LoadBalancer pool, RetryPolicy retry,
      HashKey hashKey, String loadReportHeader) {
    this(name, bind, new PoolRef(pool, retry, hashKey, loadReportHeader));
  }

  /** A listener with the default retry settings ({@link RetrySettings#DEFAULTS}). */
  public ListenerSpec(String name, InetSocketAddress bind, LoadBalancer pool) {
    this(name, bind, pool, new RetryPolicy(RetrySettings.DEFAULTS, Ticker.SYSTEM),
        pool.algorithm().hashBased() ? HashKey.CLIENT_IP : null);
  }
}
