package io.ballast.server.metrics;

import io.ballast.core.Backend;
import io.ballast.core.circuit.CircuitBreaker;
import io.ballast.core.circuit.CircuitCounts;
import io.ballast.core.circuit.CircuitState;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.retry.RetryDecision;
import io.ballast.core.retry.RetryPolicy;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Circuit breakers (scrape-time, from each backend's breaker; backends of pools without
 * breakers have no series) and retries (from each pool's retry counters and budget):
 * {@code lb_circuit_state}, {@code lb_circuit_transitions_total},
 * {@code lb_circuit_rejections_total}, {@code lb_attempts_total}, {@code lb_retries_total},
 * {@code lb_retries_refused_total}, {@code lb_retry_budget_available}.
 *
 * <p>Thread-safe.
 */
final class FailoverMetrics {
  private final Supplier<List<LoadBalancer>> pools;
  private volatile Map<String, RetryPolicy> retryPolicies = Map.of();

  /**
   * Circuit breakers (scrape-time, from each backend's breaker; backends of pools without
   * breakers have no series) and retries (from each pool's retry counters).
   */
  FailoverMetrics(PrometheusRegistry registry, Supplier<List<LoadBalancer>> pools) {
    this.pools = pools;
    GaugeWithCallback.builder()
        .name("lb_circuit_state")
        .help("1 for the backend circuit breaker's current state, 0 for the others")
        .labelNames("pool", "backend", "state")
        .callback(cb -> {
          for (LoadBalancer pool : pools.get()) {
            for (Backend b : pool.backends()) {
              if (b.gate() instanceof CircuitBreaker breaker) {
                CircuitState current = breaker.state();
                for (CircuitState st : CircuitState.values()) {
                  cb.call(st == current ? 1 : 0, pool.name(), b.name(), label(st));
                }
              }
            }
          }
        })
        .register(registry);
    CounterWithCallback.builder()
        .name("lb_circuit_transitions_total")
        .help("State changes of the backend's circuit breaker")
        .labelNames("pool", "backend")
        .callback(cb -> forEachCircuit((pool, b, c) -> cb.call(c.transitions(), pool, b)))
        .register(registry);
    CounterWithCallback.builder()
        .name("lb_circuit_rejections_total")
        .help("Attempts refused by the backend's circuit breaker: open (or no half-open trial "
            + "left) or the concurrency limit")
        .labelNames("pool", "backend", "reason")
        .callback(cb -> forEachCircuit((pool, b, c) -> {
          cb.call(c.notPermitted(), pool, b, "open");
          cb.call(c.rejectedByConcurrency(), pool, b, "concurrency");
        }))
        .register(registry);
    CounterWithCallback.builder()
        .name("lb_attempts_total")
        .help("Attempts to send a request to a backend, first attempts and retries")
        .labelNames("pool")
        .callback(cb -> retryPolicies.forEach((pool, p) -> cb.call(p.counters().attempts(), pool)))
        .register(registry);
    CounterWithCallback.builder()
        .name("lb_retries_total")
        .help("Retries made, by reason")
        .labelNames("pool", "reason")
        .callback(cb -> retryPolicies.forEach((pool, p) -> {
          for (RetryDecision d : RetryDecision.values()) {
            if (d.retry()) {
              cb.call(p.counters().count(d), pool, d.label());
            }
          }
        }))
        .register(registry);
    CounterWithCallback.builder()
        .name("lb_retries_refused_total")
        .help("Failed attempts not retried, by reason (no_retry_budget_exhausted: the retry "
            + "budget stopped it)")
        .labelNames("pool", "reason")
        .callback(cb -> retryPolicies.forEach((pool, p) -> {
          for (RetryDecision d : RetryDecision.values()) {
            if (!d.retry()) {
              cb.call(p.counters().count(d), pool, d.label());
            }
          }
        }))
        .register(registry);
    GaugeWithCallback.builder()
        .name("lb_retry_budget_available")
        .help("Retries the pool's retry budget allows now (-1: budget disabled)")
        .labelNames("pool")
        .callback(cb -> retryPolicies.forEach((pool, p) -> {
          long available = p.budget().available();
          cb.call(available == Long.MAX_VALUE ? -1 : available, pool);
        }))
        .register(registry);
  }

  /**
   * Makes each pool's retry counters and budget appear in the metrics, by pool name. Thread-safe.
   */
  public void setRetryPolicies(Map<String, RetryPolicy> policies) {
    retryPolicies = Map.copyOf(policies);
  }

  private void forEachCircuit(CircuitValue value) {
    for (LoadBalancer pool : pools.get()) {
      for (Backend b : pool.backends()) {
        if (b.gate() instanceof CircuitBreaker breaker) {
          value.of(pool.name(), b.name(), breaker.counts());
        }
      }
    }
  }

  @FunctionalInterface
  private interface CircuitValue {
    void of(String pool, String backend, CircuitCounts counts);
  }

  private static String label(Enum<?> state) {
    return state.name().toLowerCase(Locale.ROOT);
  }
}
