package io.ballast.server.pool;

import io.ballast.core.pool.LoadBalancer;
import io.ballast.proxy.probe.HealthCheckSpec;
import io.ballast.proxy.probe.HealthChecker;
import io.ballast.proxy.tls.BackendTls;
import io.ballast.proxy.upstream.BackendProtocol;
import io.ballast.server.config.HealthCheckConfig;
import io.ballast.server.config.HealthChecksConfig;
import io.ballast.server.config.PoolConfig;
import java.util.List;
import java.util.Optional;

/**
 * Active health checks: the probes of every level for every member, on the proxy's event loops.
 * How results are damped and combined (rise, fall, levels) is the pool's own health policy,
 * which {@link PoolRuntime} sets before this part starts.
 */
final class HealthChecksPart implements PoolPart<HealthChecksPart.Checks, PoolPart.Running> {
  /**
   * What the checks depend on: their levels, and how the pool speaks to its backends (TLS and
   * protocol: HTTP and gRPC checks go the same way), so that a change of any restarts them.
   */
  record Checks(HealthChecksConfig levels, Optional<BackendTls> tls, BackendProtocol protocol) {}

  static final HealthChecksPart INSTANCE = new HealthChecksPart();

  private HealthChecksPart() {}

  @Override
  public String name() {
    return "health checks";
  }

  @Override
  public Optional<Checks> settings(PoolConfig config) {
    return config.healthChecks().map(h -> new Checks(h, config.tls(), config.protocol()));
  }

  @Override
  public Running start(LoadBalancer pool, PoolConfig config, Checks checks,
      PoolServices services) {
    HealthChecker checker = services.proxy().healthChecker(pool, specs(checks.levels()),
        checks.tls().orElse(null), checks.protocol());
    checker.start();
    return checker::close;
  }

  /** One probe spec per level, in the order of the pool's health policy. */
  static List<HealthCheckSpec> specs(HealthChecksConfig checks) {
    return checks.levels().stream().map(l -> spec(l.check())).toList();
  }

  static HealthCheckSpec spec(HealthCheckConfig h) {
    if (h.grpc()) {
      return HealthCheckSpec.grpc(h.grpcService().orElseThrow(), h.interval(), h.timeout());
    }
    return h.tcp() ? HealthCheckSpec.tcp(h.interval(), h.timeout(), h.sendExpect().orElse(null))
        : HealthCheckSpec.http(h.path(), h.host().orElse(null), h.method(),
            h.expectedStatus().ranges(), h.bodyContains().orElse(null), h.interval(), h.timeout());
  }
}
