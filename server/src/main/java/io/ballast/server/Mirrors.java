package io.ballast.server;

import io.ballast.proxy.mirror.Mirror;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.List;
import java.util.function.Supplier;

/**
 * The routes' mirrors now serving, and their metrics: copies by outcome, and copies in flight.
 *
 * <p>Thread-safe: a reload publishes the new list with {@link #use} (the reload thread and start
 * are serialised), metric scrapes read whichever list is current.
 */
final class Mirrors {
  private final PrometheusRegistry registry;
  private volatile List<Entry> current = List.of();
  private boolean registered;

  Mirrors(PrometheusRegistry registry) {
    this.registry = registry;
  }

  /**
   * The mirrors of the running routes from now on; the metrics are registered with the first
   * mirror. A removed mirror's series end (its counters are not kept).
   */
  synchronized void use(List<Entry> mirrors) {
    current = List.copyOf(mirrors);
    if (!registered && !current.isEmpty()) {
      registerMetrics(registry, () -> current);
      registered = true;
    }
  }

  List<Entry> current() {
    return current;
  }

  /** One mirror and the route it copies. */
  record Entry(String listener, String route, Mirror mirror) {}

  /**
   * Registers {@code lb_mirror_requests_total{listener,route,outcome}} (outcome: sent, 2xx, 3xx,
   * 4xx, 5xx, connect_failed, timeout, reset, dropped_too_big, dropped_over_limit,
   * dropped_no_backend) and {@code lb_mirror_in_flight{listener,route}} of the current mirrors.
   */
  private static void registerMetrics(PrometheusRegistry registry, Supplier<List<Entry>> mirrors) {
    CounterWithCallback.builder()
        .name("lb_mirror_requests_total")
        .help("Requests copied to a shadow pool, by what became of the copy")
        .labelNames("listener", "route", "outcome")
        .callback(cb -> {
          for (Entry e : mirrors.get()) {
            Mirror.Stats s = e.mirror().stats();
            String l = e.listener();
            String r = e.route();
            cb.call(s.sent(), l, r, "sent");
            cb.call(s.completed2xx(), l, r, "2xx");
            cb.call(s.completed3xx(), l, r, "3xx");
            cb.call(s.completed4xx(), l, r, "4xx");
            cb.call(s.completed5xx(), l, r, "5xx");
            cb.call(s.failedConnect(), l, r, "connect_failed");
            cb.call(s.failedTimeout(), l, r, "timeout");
            cb.call(s.failedReset(), l, r, "reset");
            cb.call(s.droppedTooBig(), l, r, "dropped_too_big");
            cb.call(s.droppedOverLimit(), l, r, "dropped_over_limit");
            cb.call(s.droppedNoBackend(), l, r, "dropped_no_backend");
          }
        })
        .register(registry);
    GaugeWithCallback.builder()
        .name("lb_mirror_in_flight")
        .help("Copies to a shadow pool in flight")
        .labelNames("listener", "route")
        .callback(cb -> {
          for (Entry e : mirrors.get()) {
            cb.call(e.mirror().stats().inFlight(), e.listener(), e.route());
          }
        })
        .register(registry);
  }
}
