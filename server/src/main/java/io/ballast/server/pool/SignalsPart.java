package io.ballast.server.pool;

import io.ballast.core.pool.LoadBalancer;
import io.ballast.proxy.signals.SignalPollers;
import io.ballast.proxy.signals.SignalsSpec;
import io.ballast.server.config.PoolConfig;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the backends say about their own load, polled: the agent and Prometheus sources (the
 * load-report header needs no poller: the proxy reads it from responses, see
 * {@code PoolRef.loadReportHeader}). An agent's weight percentages go straight to the pool's
 * effective weights unless a weight controller runs the pool: then they are one of its inputs
 * (they multiply its output), not weights set behind its back, so the settings this part
 * compares across reloads include whether the pool is controlled.
 */
final class SignalsPart implements PoolPart<SignalsSpec, PoolPart.Running> {
  static final SignalsPart INSTANCE = new SignalsPart();
  private static final Logger log = LoggerFactory.getLogger(SignalsPart.class);

  private SignalsPart() {}

  @Override
  public String name() {
    return "signals";
  }

  @Override
  public Optional<SignalsSpec> settings(PoolConfig config) {
    boolean controlled = config.weightControl().isPresent();
    return config.signals().map(s -> s.withApplyAgentWeights(!controlled));
  }

  @Override
  public Running start(LoadBalancer pool, PoolConfig config, SignalsSpec spec,
      PoolServices services) {
    log.info("pool {}: signals: {}", pool.name(), spec);
    SignalPollers pollers = services.proxy().signalPollers(pool, spec);
    return pollers::close;
  }
}
