package io.ballast.server;

import io.ballast.proxy.routing.PoolRef;
import io.ballast.proxy.tcp.SniRoute;
import io.ballast.proxy.tcp.SniSpec;
import io.ballast.proxy.tcp.TcpListenerSpec;
import io.ballast.server.config.ListenerConfig;
import io.ballast.server.config.SniConfig;
import io.ballast.server.config.TcpListenerConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Builds the proxy's spec of each {@code mode: tcp} listener of one configuration: its pool, or
 * the pools of its routes by server name, as the running pools give them (balancer, retry
 * policy, hash key, zones: the same {@link PoolRef} HTTP routes use), its timeouts (the connect
 * timeout falls back on the top-level {@code timeouts.connect}), its front balancers, its access
 * list and its connection limits.
 *
 * <p>Immutable; used on the thread that starts or reloads.
 */
final class TcpListenerSpecs {
  private final Map<String, PoolRef> refs;
  private final Duration connectTimeout;

  /**
   * @param refs the running pools by name
   * @param connectTimeout the top-level {@code timeouts.connect}
   */
  TcpListenerSpecs(Map<String, PoolRef> refs, Duration connectTimeout) {
    this.refs = Objects.requireNonNull(refs, "refs");
    this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
  }

  /** The spec of {@code l}, a tcp listener whose pools run. */
  TcpListenerSpec spec(ListenerConfig l) {
    TcpListenerConfig tcp = l.tcp();
    SniSpec sni = tcp.sni().map(s -> sni(l, s)).orElse(null);
    return new TcpListenerSpec(l.name(), l.bind().toSocketAddress(),
        sni == null ? pool(l, l.tcpPool()) : null, tcp.connectTimeout(connectTimeout),
        tcp.idleTimeout(), l.access() == null ? null : l.access().list(),
        l.limits().connections(), l.proxyProtocol(), sni);
  }

  private SniSpec sni(ListenerConfig l, SniConfig s) {
    List<SniRoute> routes = new ArrayList<>();
    for (SniConfig.Route r : s.routes()) {
      routes.add(new SniRoute(r.serverNames(), pool(l, r.pool())));
    }
    return new SniSpec(routes, s.defaultPool().map(p -> pool(l, p)).orElse(null),
        s.clientHelloTimeout());
  }

  private PoolRef pool(ListenerConfig l, String name) {
    PoolRef pool = refs.get(name);
    if (pool == null) {
      throw new IllegalStateException("listener " + l.name() + ": pool " + name
          + " is not running");
    }
    return pool;
  }
}
