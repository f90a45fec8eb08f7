package io.ballast.proxy.signals;

import io.ballast.core.agent.AgentApplier;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.proxy.signals.AgentChecker;
import io.netty.channel.EventLoopGroup;
import java.util.ArrayList;
import java.util.List;

/**
 * The pollers of one pool's signal sources (agent and Prometheus; the load-report header needs
 * none: the proxy reads it from responses). Thread-safe lifecycle.
 */
public final class SignalPollers implements AutoCloseable {
  private final List<BackendPoller> pollers;

  private SignalPollers(List<BackendPoller> pollers) {
    this.pollers = pollers;
  }

  /**
   * Starts polling what {@code spec} configures for {@code pool} on {@code group}; an agent's
   * weight percentages reach the pool only with {@link SignalsSpec#applyAgentWeights()}.
   */
  public static SignalPollers start(LoadBalancer pool, SignalsSpec spec, EventLoopGroup group) {
    List<BackendPoller> pollers = new ArrayList<>(2);
    if (spec.agent() != null) {
      pollers.add(new AgentChecker(pool, spec.agent(),
          new AgentApplier(pool, spec.applyAgentWeights()), group));
    }
    if (spec.prometheus() != null) {
      pollers.add(new PrometheusScraper(pool, spec.prometheus(), group));
    }
    for (BackendPoller p : pollers) {
      p.start();
    }
    return new SignalPollers(List.copyOf(pollers));
  }

  /** True when nothing is polled. */
  public boolean isEmpty() {
    return pollers.isEmpty();
  }

  @Override
  public void close() {
    for (BackendPoller p : pollers) {
      p.close();
    }
  }
}
