package io.ballast.server;

import io.ballast.proxy.ProxySettings;
import io.ballast.server.config.BallastConfig;
import io.ballast.server.config.ForwardingConfig;
import io.ballast.server.config.HealthCheckConfig;
import io.ballast.server.config.HealthChecksConfig;
import io.ballast.server.config.HealthLevelConfig;

/** Maps the validated configuration onto the data plane's settings. */
final class Settings {
  private Settings() {}

  static ProxySettings proxySettings(BallastConfig config) {
    var t = config.timeouts();
    var l = config.limits();
    ForwardingConfig f = config.forwarding();
    return new ProxySettings(
        t.connect(),
        t.response(),
        t.clientIdle(),
        t.backendIdle(),
        t.backendRead(),
        l.maxUriLength(),
        l.maxHeaderSize(),
        new ProxySettings.Forwarding(f.xForwarded(), f.forwarded(),
            f.trustedProxies(), f.requestIdHeader()),
        t.tunnelIdle(),
        config.http2(),
        l.maxWebSocketFrame(),
        l.clientLimits());
  }

  /** "GET /health every 2000 ms", "TCP connect every 1000 ms", "gRPC health of "x" every...". */
  static String describe(HealthCheckConfig h) {
    return (h.grpc() ? "gRPC health of \"" + h.grpcService().orElseThrow() + "\""
        : h.tcp() ? "TCP connect" : h.method() + " " + h.path()
        + h.bodyContains().map(b -> " (body contains '" + b + "')").orElse(""))
        + " every " + h.interval().toMillis() + " ms";
  }

  /** The pool's active checks in one line, for the start-up log. */
  static String describe(HealthChecksConfig checks) {
    if (checks.single()) {
      return "health check " + describe(checks.levels().get(0).check());
    }
    StringBuilder sb = new StringBuilder("health checks in " + checks.levels().size()
        + " levels (degraded below " + checks.degradedBelow() + "%, unhealthy below "
        + checks.unhealthyBelow() + "%):");
    for (HealthLevelConfig l : checks.levels()) {
      sb.append(' ').append(l.name()).append(" [weight ").append(l.weight())
          .append(l.critical() ? ", critical" : "").append("] ").append(describe(l.check()))
          .append(';');
    }
    sb.setLength(sb.length() - 1);
    return sb.toString();
  }
}
