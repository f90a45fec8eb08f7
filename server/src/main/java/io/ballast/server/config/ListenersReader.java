package io.ballast.server.config;

import io.ballast.core.retry.RetrySettings;
import io.ballast.proxy.client.HashKey;
import io.ballast.proxy.proxyprotocol.ProxyProtocolSpec;
import io.ballast.proxy.ratelimit.RateLimitSpec;
import io.ballast.proxy.tls.ServerTls;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Reads the {@code listeners} list: each listener's name, bind (checked against the other binds)
 * and either one {@code pool} or its {@code routes}. Read after the pools, whose names it checks.
 * Not thread-safe: one load at a time.
 */
final class ListenersReader {
  private final Problems problems;
  private final Binds binds;
  private final PoolReader pools;
  private final Function<Section, RetrySettings> retries;
  private final Function<Section, HashKey> keys;
  private final boolean http2;
  /** The pools read, by name, for what tcp listeners need of theirs; empty after errors. */
  private final Map<String, PoolConfig> poolConfigs;
  private static final java.util.regex.Pattern MODE = java.util.regex.Pattern.compile("http|tcp");

  /**
   * @param pools the pools already read, for references and which of them keep sessions
   * @param retries reads a route's retries block as a pool's
   * @param keys reads a hash-key block (a split's user_key) as a pool's {@code hash_key}
   * @param http2 TLS listeners offer h2 through ALPN
   * @param poolConfigs the pools read (null after errors), for the checks of tcp listeners
   */
  ListenersReader(Problems problems, Binds binds, PoolReader pools,
      Function<Section, RetrySettings> retries, Function<Section, HashKey> keys, boolean http2,
      List<PoolConfig> poolConfigs) {
    Map<String, PoolConfig> byName = new LinkedHashMap<>();
    if (poolConfigs != null) {
      poolConfigs.forEach(p -> byName.put(p.name(), p));
    }
    this.poolConfigs = byName;
    this.problems = problems;
    this.http2 = http2;
    this.binds = binds;
    this.pools = pools;
    this.retries = retries;
    this.keys = keys;
  }

  /** The listeners of {@code top}; null after reporting errors. */
  List<ListenerConfig> listeners(Section top) {
    int before = problems.errorCount();
    List<ListenerConfig> listeners = new ArrayList<>();
    Map<String, Mark> names = new LinkedHashMap<>();
    for (Section s : top.list("listeners", "listener")) {
      String name = s.require("name", Names.VALUE);
      Names.unique(problems, s, name, names, "listener");
      HostPort bind = s.require("bind", Value.hostPort(true));
      if (bind != null) {
        binds.check(bind, s.markOf("bind"), s.path("bind"),
            "listener '" + (name == null ? "?" : name) + "'");
      }
      String mode = s.get("mode", Value.string("http or tcp", MODE), "http");
      if ("tcp".equals(mode)) {
        tcp(s, name, bind).ifPresent(listeners::add);
        continue;
      }
      if (s.optional("timeouts").isPresent()) {
        problems.error(s.keyMarkOf("timeouts"), s.path("timeouts"), "set on an http listener"
            + " (expected: only with mode: tcp; HTTP's timeouts are the top-level timeouts and"
            + " a route's)");
      }
      if (s.optional("sni").isPresent()) {
        problems.error(s.keyMarkOf("sni"), s.path("sni"), "set on an http listener (expected:"
            + " only with mode: tcp, which passes TLS on by server name; an http listener picks"
            + " certificates by name in tls.certificates[].names and routes by"
            + " routes[].match.hosts)");
      }
      List<RouteConfig> routes = s.optional("routes").isPresent() ? routes(s) : onePool(s);
      int beforeTls = problems.errorCount();
      ServerTls tls = s.child("tls").map(t -> new TlsReader(problems, http2).tls(t)).orElse(null);
      boolean tlsRead = problems.errorCount() == beforeTls;
      AccessConfig access = new AccessReader(problems).read(s);
      List<RateLimitSpec> rateLimits = new RateLimitReader(problems).read(s);
      ListenerLimitsConfig limits = new LimitsReader(problems).listener(s);
      ProxyProtocolSpec proxyProtocol = new ProxyProtocolReader(problems).read(s);
      boolean accessRead = problems.errorCount() == beforeTls;
      s.rejectUnknown();
      if (name != null && bind != null && routes != null && tlsRead && accessRead) {
        listeners.add(problems.build(s.mark(), s.path(),
            () -> new ListenerConfig(name, bind, routes, tls, access, rateLimits, limits,
                proxyProtocol)));
      }
    }
    return problems.errorCount() == before ? listeners : null;
  }

  /**
   * A {@code mode: tcp} listener: its pool, or its routes by server name ({@code sni}); its
   * front balancers, access list, connection limits and timeouts.
   */
  private java.util.Optional<ListenerConfig> tcp(Section s, String name, HostPort bind) {
    int before = problems.errorCount();
    TcpListenerReader tcp = new TcpListenerReader(problems);
    tcp.refuseHttpFields(s);
    String pool = null;
    SniConfig sni = null;
    if (s.optional("sni").isPresent()) {
      if (s.optional("pool").isPresent()) {
        problems.error(s.keyMarkOf("pool"), s.path("pool"), "set together with sni (expected:"
            + " either pool, or sni; a connection no sni route takes goes to"
            + " sni.default_pool)");
      }
      PoolRefs refs = new PoolRefs(problems, pools.readable() ? pools.names() : Map.of());
      sni = new SniReader(problems, refs, tcp, poolConfigs).read(s);
    } else {
      List<RouteConfig> route = onePool(s);
      pool = route == null ? null : route.get(0).pool();
      tcp.checkPool(s, "pool", pool, poolConfigs);
    }
    ProxyProtocolSpec proxyProtocol = new ProxyProtocolReader(problems).read(s);
    AccessConfig access = new AccessReader(problems).read(s);
    ListenerLimitsConfig limits = new LimitsReader(problems).listener(s);
    TcpListenerConfig settings = tcp.settings(s);
    s.rejectUnknown();
    if (problems.errorCount() != before || name == null || bind == null
        || pool == null && sni == null || settings == null) {
      return java.util.Optional.empty();
    }
    String one = pool;
    TcpListenerConfig own = settings.withSni(java.util.Optional.ofNullable(sni));
    return java.util.Optional.ofNullable(problems.build(s.mark(), s.path(),
        () -> ListenerConfig.tcp(name, bind, one, access, limits, proxyProtocol, own)));
  }

  private List<RouteConfig> routes(Section s) {
    if (s.optional("pool").isPresent()) {
      problems.error(s.keyMarkOf("pool"), s.path("pool"), "set together with routes"
          + " (expected: either pool, for one pool, or routes)");
    }
    RoutesReader reader = new RoutesReader(problems,
        pools.readable() ? pools.names() : Map.of(), retries, keys, pools.stickyPools());
    return reader.routes(s, s.list("routes", "route"));
  }

  /** {@code pool: NAME}: one route that takes every request there. */
  private List<RouteConfig> onePool(Section s) {
    String pool = s.require("pool", Names.POOL_REF);
    Map<String, Mark> known = pools.names();
    if (pool != null && pools.readable() && !known.containsKey(pool)) {
      problems.error(s.markOf("pool"), s.path("pool"), "no pool named '" + pool + "' ("
          + Names.suggest(pool, known.keySet(),
              "expected one of: " + String.join(", ", known.keySet())) + ")");
    }
    return pool == null ? null : List.of(RouteConfig.toPool(ListenerConfig.DEFAULT_ROUTE, pool));
  }
}
