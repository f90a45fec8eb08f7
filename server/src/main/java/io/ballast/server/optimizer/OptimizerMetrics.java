package io.ballast.server.optimizer;

import io.ballast.core.Backend;
import io.ballast.core.optimizer.PoolOptimizer;
import io.ballast.core.optimizer.ScalingAdvisor;
import io.ballast.core.optimizer.ScalingSignal;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.server.metrics.ProxyMetrics;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import java.util.Collection;
import java.util.List;

/**
 * The weight controller's metrics, read at scrape time, registered into {@link ProxyMetrics}'
 * registry:
 * <ul>
 *   <li>{@code lb_backend_effective_weight{pool,backend}}: the weight in the published picker
 *       (0 while out), for every pool, controlled or not;</li>
 *   <li>{@code lb_backend_weight_percent{pool,backend}}: the effective weight in percent of the
 *       configured one (100 unless the controller, an agent or a warm-up changed it);</li>
 *   <li>{@code lb_scaling_signal{pool,direction}}: 1 while the pool signals it wants more
 *       ({@code up}) or fewer ({@code down}) backends;</li>
 *   <li>{@code lb_scaling_signals_total{pool}}: scaling signals raised.</li>
 * </ul>
 *
 * <p>Threading: registration once at start; the callbacks run on the scraping thread and only
 * read thread-safe state.
 */
public final class OptimizerMetrics {
  private volatile List<PoolOptimizer> optimizers = List.of();

  /** Registers the metrics; the pools are those {@code metrics} reports on. */
  public OptimizerMetrics(ProxyMetrics metrics) {
    GaugeWithCallback.builder()
        .name("lb_backend_effective_weight")
        .help("The backend's effective weight in the published picker (configured weight with "
            + "slow start, degraded share and weight percent applied, scaled alike within a "
            + "pool); 0 while it is out of the picker")
        .labelNames("pool", "backend")
        .callback(cb -> {
          for (LoadBalancer pool : metrics.pools()) {
            for (Backend b : pool.backends()) {
              cb.call(pool.effectiveWeight(b), pool.name(), b.name());
            }
          }
        })
        .register(metrics.registry());
    GaugeWithCallback.builder()
        .name("lb_backend_weight_percent")
        .help("The backend's effective weight in percent of its configured weight, as set by "
            + "the weight controller, an agent or a warm-up (100 when untouched)")
        .labelNames("pool", "backend")
        .callback(cb -> {
          for (LoadBalancer pool : metrics.pools()) {
            for (Backend b : pool.backends()) {
              cb.call(pool.weightPercent(b), pool.name(), b.name());
            }
          }
        })
        .register(metrics.registry());
    GaugeWithCallback.builder()
        .name("lb_scaling_signal")
        .help("1 while the pool signals that it wants more (up) or fewer (down) backends")
        .labelNames("pool", "direction")
        .callback(cb -> {
          for (PoolOptimizer o : optimizers) {
            ScalingAdvisor advisor = o.scaling();
            if (advisor != null) {
              ScalingSignal.Direction active = advisor.active();
              for (ScalingSignal.Direction d : ScalingSignal.Direction.values()) {
                cb.call(d == active ? 1 : 0, o.pool().name(), d.label());
              }
            }
          }
        })
        .register(metrics.registry());
    CounterWithCallback.builder()
        .name("lb_scaling_signals_total")
        .help("Scaling signals the pool raised")
        .labelNames("pool")
        .callback(cb -> {
          for (PoolOptimizer o : optimizers) {
            if (o.scaling() != null) {
              cb.call(o.scaling().raisedTotal(), o.pool().name());
            }
          }
        })
        .register(metrics.registry());
  }

  /** The optimizers whose scaling signals are reported. Thread-safe. */
  public void setOptimizers(Collection<PoolOptimizer> optimizers) {
    this.optimizers = List.copyOf(optimizers);
  }
}
