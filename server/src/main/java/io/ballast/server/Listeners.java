package io.ballast.server;

import io.ballast.proxy.ListenerControl;
import io.ballast.proxy.ListenerSpec;
import io.ballast.proxy.ProxyServer;
import io.ballast.proxy.routing.RouteSpec;
import io.ballast.proxy.tls.ServerTls;
import io.ballast.server.config.BallastConfig;
import io.ballast.server.config.HostPort;
import io.ballast.server.config.ListenerConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy's listeners as configured: opened at start, and changed by a reload to what the new
 * configuration says. A listener that stays keeps its socket and swaps its routes; a new one
 * opens; a removed one stops accepting and its connections close after their current response;
 * one whose address or mode changed closes and opens again. A {@code mode: tcp} listener is
 * built by {@link TcpListenerSpecs} and kept by the proxy's {@code tcp()} listeners: a reload
 * hands it its new pool, timeouts, access list and limits for its next connection.
 *
 * <p>Used by one thread at a time (start, then the reload thread); {@link #tls()} from any.
 */
final class Listeners {
  private static final Logger log = LoggerFactory.getLogger(Listeners.class);

  private final ProxyServer proxy;
  /** What each open listener was opened with. */
  private Map<String, HostPort> open = new LinkedHashMap<>();
  /** The open listeners that relay TCP ({@code mode: tcp}). */
  private final java.util.Set<String> tcp = new java.util.HashSet<>();
  /**
   * The certificates each open listener serves (absent: plain HTTP); replaced whole, so that a
   * scrape on another thread reads one consistent map.
   */
  private volatile Map<String, ServerTls> tls = Map.of();

  Listeners(ProxyServer proxy) {
    this.proxy = Objects.requireNonNull(proxy, "proxy");
  }

  /**
   * Checks, before anything changes, that every address {@code next} must newly listen on is
   * free (a port 0 always is).
   *
   * @throws IllegalStateException naming the listener and address that cannot be bound
   */
  void checkBinds(BallastConfig next) {
    for (ListenerConfig l : next.listeners()) {
      HostPort was = open.get(l.name());
      if (l.bind().port() == 0 || l.bind().equals(was) || sameSocket(l.bind())) {
        continue;
      }
      InetSocketAddress at = l.bind().toSocketAddress();
      try (ServerSocket s = new ServerSocket()) {
        s.setReuseAddress(true);
        s.bind(at);
      } catch (IOException e) {
        throw new IllegalStateException("listeners." + l.name() + ".bind: cannot bind " + at
            + ": " + e.getMessage());
      }
    }
  }

  /** True when a listener that is open now (under another name) holds this very address. */
  private boolean sameSocket(HostPort bind) {
    return open.containsValue(bind);
  }

  /**
   * Makes the open listeners those of {@code config}, with {@code routes} by listener name.
   * Returns what changed ("listener api added", "listener web moved to 0.0.0.0:8081").
   */
  List<String> apply(BallastConfig config, Map<String, List<RouteSpec>> routes,
      TcpListenerSpecs tcpSpecs) {
    List<String> changes = new ArrayList<>();
    Map<String, HostPort> next = new LinkedHashMap<>();
    for (ListenerConfig l : config.listeners()) {
      next.put(l.name(), l.bind());
    }
    java.util.Set<String> moving = new java.util.HashSet<>();
    for (String name : new ArrayList<>(open.keySet())) {
      HostPort want = next.get(name);
      if (want == null || !want.equals(open.get(name)) || modeChanged(name, config)) {
        proxy.removeListener(name);
        proxy.tcp().remove(name);
        tcp.remove(name);
        open.remove(name);
        forget(name);
        if (want == null) {
          changes.add("listener " + name + " removed");
        } else {
          moving.add(name);
        }
      }
    }
    for (ListenerConfig l : config.listeners()) {
      List<RouteSpec> r = routes.get(l.name());
      if (l.isTcp()) {
        if (open.containsKey(l.name())) {
          proxy.tcp().replace(tcpSpecs.spec(l));
        } else {
          InetSocketAddress bound = proxy.tcp().add(tcpSpecs.spec(l));
          changes.add("listener " + l.name() + (moving.contains(l.name()) ? " moved to "
              : " added on ") + hostPort(bound));
          open.put(l.name(), l.bind());
          tcp.add(l.name());
          log.info("listener {} on tcp://{} ({})", l.name(), hostPort(bound),
              l.tcpPool() != null ? "pool " + l.tcpPool() : "sni, pools " + l.pools());
        }
        continue;
      }
      if (open.containsKey(l.name())) {
        ListenerControl control = proxy.listener(l.name());
        control.replaceRoutes(r);
        control.replaceAccess(access(l));
        control.replaceLimits(l.limits().connections());
        control.replaceProxyProtocol(l.proxyProtocol());
        if (!Objects.equals(tls.get(l.name()), l.tls())) {
          // New connections get the new certificates; open ones keep theirs.
          control.replaceTls(l.tls());
          changes.add("listener " + l.name() + (l.tls() == null ? " serves plain HTTP"
              : " certificates reloaded: " + l.tls()));
          remember(l);
        }
        continue;
      }
      InetSocketAddress bound = proxy.addListener(spec(l, r));
      changes.add("listener " + l.name() + (moving.contains(l.name()) ? " moved to " : " added on ")
          + hostPort(bound));
      open.put(l.name(), l.bind());
      remember(l);
      log.info("listener {} on {}://{}{}", l.name(), l.tls() == null ? "http" : "https",
          hostPort(bound), l.tls() == null ? "" : " (" + l.tls() + ")");
    }
    return changes;
  }

  /**
   * Opens every listener of {@code config} at start (the HTTP ones first, then those that relay
   * TCP); returns the bound addresses in configuration order. A bind that fails closes what
   * opened before it and throws.
   */
  List<InetSocketAddress> start(BallastConfig config, Map<String, List<RouteSpec>> routes,
      TcpListenerSpecs tcpSpecs) {
    List<ListenerSpec> specs = new ArrayList<>();
    for (ListenerConfig l : config.listeners()) {
      if (!l.isTcp()) {
        specs.add(spec(l, routes.get(l.name())));
      }
    }
    proxy.start(specs);
    try {
      for (ListenerConfig l : config.listeners()) {
        if (l.isTcp()) {
          proxy.tcp().add(tcpSpecs.spec(l));
          tcp.add(l.name());
        }
      }
    } catch (RuntimeException e) {
      for (ListenerConfig l : config.listeners()) {
        proxy.removeListener(l.name());
        proxy.tcp().remove(l.name());
      }
      throw e;
    }
    for (ListenerConfig l : config.listeners()) {
      open.put(l.name(), l.bind());
      remember(l);
    }
    return addresses();
  }

  /** True when the listener {@code name}, open now, changes between HTTP and TCP. */
  private boolean modeChanged(String name, BallastConfig config) {
    for (ListenerConfig l : config.listeners()) {
      if (l.name().equals(name)) {
        return l.isTcp() != tcp.contains(name);
      }
    }
    return false;
  }

  private static ListenerSpec spec(ListenerConfig l, List<RouteSpec> routes) {
    return new ListenerSpec(l.name(), l.bind().toSocketAddress(), routes, l.tls(), access(l),
        l.limits().connections(), l.proxyProtocol());
  }

  private static io.ballast.proxy.client.AccessList access(ListenerConfig l) {
    return l.access() == null ? null : l.access().list();
  }

  private void remember(ListenerConfig l) {
    Map<String, ServerTls> next = new LinkedHashMap<>(tls);
    if (l.tls() == null) {
      next.remove(l.name());
    } else {
      next.put(l.name(), l.tls());
    }
    tls = Map.copyOf(next);
  }

  private void forget(String name) {
    Map<String, ServerTls> next = new LinkedHashMap<>(tls);
    next.remove(name);
    tls = Map.copyOf(next);
  }

  /** The certificates of every TLS listener by name, for metrics. Thread-safe. */
  Map<String, ServerTls> tls() {
    return tls;
  }

  /** The bound address of every open listener, in configuration order. */
  List<InetSocketAddress> addresses() {
    List<InetSocketAddress> out = new ArrayList<>();
    for (String name : open.keySet()) {
      InetSocketAddress a = proxy.listenerAddress(name);
      if (a != null) {
        out.add(a);
      }
    }
    return out;
  }

  static String hostPort(InetSocketAddress a) {
    String host = a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
  }
}
