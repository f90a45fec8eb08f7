package io.ballast.server.metrics;

import io.ballast.core.AdminState;
import io.ballast.core.Backend;
import io.ballast.core.HealthState;
import io.ballast.core.pool.LoadBalancer;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The scrape-time gauges of every backend of every running pool ({@code lb_active_connections},
 * {@code lb_backend_requests_in_flight}, {@code lb_backend_health}, {@code lb_backend_available},
 * {@code lb_error_rate}, {@code lb_backend_health_state}, {@code lb_health_check_passing_ratio},
 * {@code lb_health_check_level_up}, {@code lb_backend_admin_state}) and
 * {@code lb_client_connections}: read from the pools as they are at each scrape, so members that
 * join or leave appear and disappear with them.
 *
 * <p>Thread-safe: the callbacks read thread-safe state.
 */
final class BackendGauges {
  private final PrometheusRegistry registry;
  private final Supplier<List<LoadBalancer>> pools;

  BackendGauges(PrometheusRegistry registry, Supplier<List<LoadBalancer>> pools,
      ToDoubleFunction<Backend> errorRate, Supplier<Map<String, java.util.concurrent.atomic.AtomicLong>> clientConnections) {
    this.registry = registry;
    this.pools = pools;
    backendGauge("lb_active_connections", "Open connections to the backend",
        (pool, b) -> b.load().connections());
    backendGauge("lb_backend_requests_in_flight", "Requests sent to the backend, not yet answered",
        (pool, b) -> b.load().inFlight());
    backendGauge("lb_backend_health", "1 when the backend's health lets it serve, 0 otherwise",
        (pool, b) -> pool.health(b).serving() ? 1 : 0);
    backendGauge("lb_backend_available",
        "1 when the backend takes new requests (serving and administratively active)",
        (pool, b) -> pool.available(b) ? 1 : 0);
    backendGauge("lb_error_rate",
        "Share of the backend's responses that were errors (5xx or transport failure), "
            + "over the recent window",
        (pool, b) -> errorRate.applyAsDouble(b));
    GaugeWithCallback.builder()
        .name("lb_backend_health_state")
        .help("1 for the backend's current health state, 0 for the others")
        .labelNames("pool", "backend", "state")
        .callback(cb -> {
          for (LoadBalancer pool : pools.get()) {
            for (Backend b : pool.backends()) {
              HealthState current = pool.health(b);
              for (HealthState st : HealthState.values()) {
                cb.call(st == current ? 1 : 0, pool.name(), b.name(), label(st));
              }
            }
          }
        })
        .register(registry);
    backendGauge("lb_health_check_passing_ratio",
        "Share of the backend's active-check weight whose levels are up (1 when all are)",
        (pool, b) -> pool.passingPercent(b) / 100.0);
    GaugeWithCallback.builder()
        .name("lb_health_check_level_up")
        .help("1 when the active-check level is up after rise/fall damping, 0 when it is down")
        .labelNames("pool", "backend", "level")
        .callback(cb -> {
          for (LoadBalancer pool : pools.get()) {
            for (Backend b : pool.backends()) {
              for (var level : pool.levels(b)) {
                cb.call(level.up() ? 1 : 0, pool.name(), b.name(), level.name());
              }
            }
          }
        })
        .register(registry);
    GaugeWithCallback.builder()
        .name("lb_backend_admin_state")
        .help("1 for the backend's current admin state, 0 for the others")
        .labelNames("pool", "backend", "state")
        .callback(cb -> {
          for (LoadBalancer pool : pools.get()) {
            for (Backend b : pool.backends()) {
              AdminState current = pool.adminState(b);
              for (AdminState st : AdminState.values()) {
                cb.call(st == current ? 1 : 0, pool.name(), b.name(), label(st));
              }
            }
          }
        })
        .register(registry);
    GaugeWithCallback.builder()
        .name("lb_client_connections")
        .help("Open client connections per listener")
        .labelNames("listener")
        .callback(cb -> clientConnections.get()
            .forEach((listener, n) -> cb.call(n.get(), listener)))
        .register(registry);
  }

  private void backendGauge(String name, String help, BackendValue value) {
    GaugeWithCallback.builder()
        .name(name)
        .help(help)
        .labelNames("pool", "backend")
        .callback(cb -> {
          for (LoadBalancer pool : pools.get()) {
            for (Backend b : pool.backends()) {
              cb.call(value.of(pool, b), pool.name(), b.name());
            }
          }
        })
        .register(registry);
  }

  @FunctionalInterface
  private interface BackendValue {
    double of(LoadBalancer pool, Backend backend);
  }

  private static String label(Enum<?> state) {
    return state.name().toLowerCase(Locale.ROOT);
  }
}
