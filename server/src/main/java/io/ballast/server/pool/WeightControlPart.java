package io.ballast.server.pool;

import io.ballast.core.Backend;
import io.ballast.core.optimizer.PoolOptimizer;
import io.ballast.core.optimizer.ScalingSignal;
import io.ballast.core.optimizer.WeightControlSettings;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.server.config.BackendConfig;
import io.ballast.server.config.PoolConfig;
import io.ballast.server.config.WeightControlConfig;
import io.ballast.server.optimizer.ScalingWebhook;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The weight controller of a pool: it ticks on the control loop, its decisions go to the
 * decision log, its scaling events to the webhook if any. Backend costs are not part of its
 * settings: they change live ({@link Started#useCosts}). Stopped, every member's weight goes back
 * to 100% of its configured weight and warm-up by feedback ends.
 */
final class WeightControlPart implements PoolPart<WeightControlConfig, WeightControlPart.Started> {
  static final WeightControlPart INSTANCE = new WeightControlPart();
  private static final Logger log = LoggerFactory.getLogger(WeightControlPart.class);

  private WeightControlPart() {}

  /** A running weight controller. */
  record Started(LoadBalancer pool, PoolOptimizer optimizer, PoolServices services)
      implements Running {
    /** The backends' costs, by backend name (1 for a backend not named). */
    void useCosts(Map<String, Double> byName) {
      optimizer.useCosts(byName);
    }

    @Override
    public void close() {
      optimizer.stop();
      services.decisions().unregister(optimizer);
      services.control().execute(() -> {
        pool.useFeedbackWarmup(0);
        Map<Backend, Integer> all = new HashMap<>();
        for (Backend b : pool.backends()) {
          all.put(b, 100);
        }
        pool.setWeightPercents(all);
      });
    }
  }

  @Override
  public String name() {
    return "weight control";
  }

  @Override
  public Optional<WeightControlConfig> settings(PoolConfig config) {
    return config.weightControl();
  }

  /** Each backend's cost by name, as configured. */
  static Map<String, Double> costs(PoolConfig config) {
    Map<String, Double> costs = new HashMap<>();
    for (BackendConfig b : config.backends()) {
      costs.put(b.name(), b.cost());
    }
    return costs;
  }

  @Override
  public Started start(LoadBalancer pool, PoolConfig config, WeightControlConfig wc,
      PoolServices services) {
    Consumer<ScalingSignal> scaling = wc.webhook()
        .<Consumer<ScalingSignal>>map(url -> new ScalingWebhook(url, wc.webhookTimeout()))
        .orElse(signal -> { });
    PoolOptimizer optimizer = new PoolOptimizer(pool, wc.settings(), Map.of(),
        services.decisions().log(), services.decisions()::logLine, scaling);
    optimizer.useCosts(costs(config));
    services.decisions().register(optimizer);
    optimizer.start(services.control());
    WeightControlSettings s = wc.settings();
    log.info("pool {}: weight control every {} ms on {}{}, weights {}..{}%, steps of {} points{}",
        pool.name(), s.interval().toMillis(),
        s.objective() == WeightControlSettings.Objective.LATENCY
            ? "p99 latency" : s.figure() + " utilization",
        s.target().isPresent() ? " toward " + s.target().getAsDouble() : " toward the pool's balance",
        s.floorPercent(), s.ceilingPercent(), s.maxStepPercent(),
        s.warmup().enabled() ? ", warm-up by feedback from " + s.warmup().startPercent() + "%" : "");
    return new Started(pool, optimizer, services);
  }
}
