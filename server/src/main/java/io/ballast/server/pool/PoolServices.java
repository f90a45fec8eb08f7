package io.ballast.server.pool;

import io.ballast.core.ControlLoop;
import io.ballast.proxy.ProxyServer;
import io.ballast.server.optimizer.DecisionRecorder;
import java.util.Objects;

/**
 * What the parts of a running pool use from the running balancer: the control loop their
 * decisions run on, the proxy whose event loops do their I/O, and the decision log.
 *
 * @param control the control loop
 * @param proxy the proxy (health probes, pollers and discovery run on its event loops)
 * @param decisions where decisions are recorded and logged
 * @param discovery the DNS resolver of the pools' dns and srv entries
 */
public record PoolServices(ControlLoop control, ProxyServer proxy, DecisionRecorder decisions,
    Discovery discovery) {
  public PoolServices {
    Objects.requireNonNull(control, "control");
    Objects.requireNonNull(proxy, "proxy");
    Objects.requireNonNull(decisions, "decisions");
    Objects.requireNonNull(discovery, "discovery");
  }
}
