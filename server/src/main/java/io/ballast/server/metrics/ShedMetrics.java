package io.ballast.server.metrics;

import io.ballast.core.shed.ConcurrencyLimiter;
import io.ballast.core.shed.Priority;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Adaptive load shedding, read at scrape time from each shedding pool's limiter (pools that shed
 * nothing have no series): {@code lb_shed_total{pool,priority}}, requests refused with a 503 at
 * the pool's concurrency limit; {@code lb_concurrency_limit{pool}}, the limit of the moment;
 * {@code lb_concurrency_in_flight{pool}}, the requests it counts in flight;
 * {@code lb_shed_waited_total{pool}}, requests that met the limit and waited in the pool's
 * waiting line (served after, or refused when their wait ran out: those count in
 * {@code lb_shed_total} too).
 *
 * <p>Thread-safe.
 */
public final class ShedMetrics {
  private ShedMetrics() {}

  /** Registers the series, fed by {@code limiters} (by pool name) at each scrape. */
  public static void register(PrometheusRegistry registry,
      Supplier<Map<String, ConcurrencyLimiter>> limiters) {
    CounterWithCallback.builder()
        .name("lb_shed_total")
        .help("Requests refused (503, Retry-After) because the pool was at its adaptive "
            + "concurrency limit, by priority class")
        .labelNames("pool", "priority")
        .callback(cb -> limiters.get().forEach((pool, l) -> {
          for (Priority p : Priority.values()) {
            cb.call(l.refused(p), pool, p.label());
          }
        }))
        .register(registry);
    CounterWithCallback.builder()
        .name("lb_shed_waited_total")
        .help("Requests that met the pool's concurrency limit and waited for a place "
            + "(shedding.queue_timeout) instead of being refused at once")
        .labelNames("pool")
        .callback(cb -> limiters.get().forEach((pool, l) -> cb.call(l.queued(), pool)))
        .register(registry);
    GaugeWithCallback.builder()
        .name("lb_concurrency_limit")
        .help("The pool's adaptive concurrency limit: critical requests are admitted below it, "
            + "default ones below 3/4 of it, sheddable ones below half of it")
        .labelNames("pool")
        .callback(cb -> limiters.get().forEach((pool, l) -> cb.call(l.limit(), pool)))
        .register(registry);
    GaugeWithCallback.builder()
        .name("lb_concurrency_in_flight")
        .help("Requests the pool's load shedding has admitted and that have not ended")
        .labelNames("pool")
        .callback(cb -> limiters.get().forEach((pool, l) -> cb.call(l.inFlight(), pool)))
        .register(registry);
  }
}
