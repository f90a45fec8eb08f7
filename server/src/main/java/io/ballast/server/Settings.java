package io.ballast.server;

import io.ballast.proxy.HealthCheckSpec;
import io.ballast.proxy.ProxySettings;
import io.ballast.server.config.BallastConfig;
import io.ballast.server.config.ForwardingConfig;
import io.ballast.server.config.HealthCheckConfig;

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
        l.maxUriLength(),
        l.maxHeaderSize(),
        new ProxySettings.Forwarding(f.xForwarded(), f.forwarded(),
            f.trustedProxies(), f.requestIdHeader()));
  }

  static HealthCheckSpec healthCheckSpec(HealthCheckConfig h) {
    return h.tcp() ? HealthCheckSpec.tcp(h.interval(), h.timeout())
        : new HealthCheckSpec(h.path(), h.host().orElse(null), h.interval(), h.timeout(),
            h.expectedStatus().ranges());
  }
}
