package io.ballast.server;

import io.ballast.core.Backend;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.proxy.routing.RouteSpec;
import io.ballast.server.config.BallastConfig;
import io.ballast.server.config.ListenerConfig;
import io.ballast.server.config.PoolConfig;
import io.ballast.server.config.SniConfig;
import io.ballast.server.pool.PoolRuntime;
import java.net.InetSocketAddress;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The lines a start writes: what each pool, listener and the admin listener run. Stateless. */
final class StartLog {
  private static final Logger log = LoggerFactory.getLogger(Ballast.class);

  private StartLog() {}

  static void pool(PoolRuntime r) {
    PoolConfig p = r.config();
    LoadBalancer pool = r.pool();
    log.info("pool {}: {}, {} backend{}{}", p.name(), p.algorithm(), pool.backends().size(),
        pool.backends().size() == 1 ? "" : "s",
        p.healthChecks().map(h -> ", " + Settings.describe(h)).orElse(
            ", no active health check (passive down time " + p.passiveDownTime().toMillis()
                + " ms)"));
    for (Backend b : pool.backends()) {
      if (b.name().equals(b.address())) {
        log.info("  backend {} weight {}", b.address(), b.weight());
      } else {
        log.info("  backend {} at {} weight {}", b.name(), b.address(), b.weight());
      }
    }
    if (r.affinity() != null) {
      log.info("pool {}: affinity {}", p.name(), r.affinity());
    }
  }

  static void listeners(BallastConfig config, RouteBuilder.Built routes,
      List<InetSocketAddress> addresses) {
    for (int i = 0; i < config.listeners().size() && i < addresses.size(); i++) {
      ListenerConfig l = config.listeners().get(i);
      List<RouteSpec> rs = routes.byListener().get(l.name());
      boolean one = rs.size() == 1 && rs.get(0).pool() != null
          && rs.get(0).match().matchesEverything();
      SniConfig sni = l.isTcp() ? l.tcp().sni().orElse(null) : null;
      log.info("listener {} on {}://{}{}", l.name(),
          l.isTcp() ? "tcp" : l.tls() == null ? "http" : "https",
          Listeners.hostPort(addresses.get(i)),
          sni != null ? ": TLS passthrough by server name, " + sni.routes().size() + " routes"
              : one ? " -> pool " + rs.get(0).pool().name() : ": " + rs.size() + " routes");
      if (l.tls() != null) {
        log.info("  {}", l.tls());
      }
      if (l.proxyProtocol() != null) {
        log.info("  behind front balancers: {}", l.proxyProtocol());
      }
      if (sni != null) {
        for (SniConfig.Route r : sni.routes()) {
          log.info("  {} -> pool {}", r.serverNames(), r.pool());
        }
        log.info("  anything else -> {}", sni.defaultPool().map(p -> "pool " + p)
            .orElse("closed (no default_pool)"));
      } else if (!one) {
        for (RouteSpec r : rs) {
          log.info("  route {} -> {}", r.name(), r.pool() != null ? "pool " + r.pool().name()
              : r.split() != null ? "split " + r.split().split().weights()
              : r.httpsRedirect());
        }
      }
    }
  }

  static void admin(InetSocketAddress address, boolean reloads, boolean token) {
    log.info("admin on http://{} (/metrics, /healthz, /readyz, /admin/backends,"
        + " /admin/decisions, /admin/splits, /admin/zones, /admin/affinity{}; actions {})",
        Listeners.hostPort(address), reloads ? ", /admin/reload" : "",
        token ? "enabled with the configured token" : "off: no admin.token");
  }
}
