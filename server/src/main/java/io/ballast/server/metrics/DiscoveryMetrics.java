package io.ballast.server.metrics;

import io.ballast.proxy.discovery.DnsCounters;
import io.ballast.proxy.discovery.DnsFailure;
import io.ballast.proxy.discovery.DnsWatch;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * DNS discovery of every pool, read at each scrape from the resolver's counters:
 * {@code lb_discovery_lookups_total{pool,name}}, {@code lb_discovery_failures_total{pool,name,
 * reason}}, {@code lb_discovery_members{pool,name}} (members the name gives now; the last good
 * set while lookups fail) and {@code lb_discovery_last_success_timestamp_seconds{pool,name}}.
 * The name is as written ({@code api.internal:8080} for a host entry, the SRV name alone).
 *
 * <p>Thread-safe: the counters are lock-free.
 */
public final class DiscoveryMetrics {
  private DiscoveryMetrics() {}

  /** @param watches every pool's DNS watches by pool name, read at each scrape */
  public static void register(PrometheusRegistry registry,
      Supplier<Map<String, List<DnsWatch>>> watches) {
    CounterWithCallback.builder()
        .name("lb_discovery_lookups_total")
        .help("DNS lookups of a pool's dns or srv entry")
        .labelNames("pool", "name")
        .callback(cb -> watches.get().forEach((pool, list) -> list.forEach(
            w -> cb.call(w.counters().lookups(), pool, name(w)))))
        .register(registry);
    CounterWithCallback.builder()
        .name("lb_discovery_failures_total")
        .help("DNS lookups that failed (the entry keeps its last members), by reason")
        .labelNames("pool", "name", "reason")
        .callback(cb -> watches.get().forEach((pool, list) -> list.forEach(w -> {
          DnsCounters c = w.counters();
          for (DnsFailure f : DnsFailure.values()) {
            cb.call(c.failures(f), pool, name(w), f.label());
          }
        })))
        .register(registry);
    GaugeWithCallback.builder()
        .name("lb_discovery_members")
        .help("Members a pool's dns or srv entry gives now (the last good set while lookups"
            + " fail)")
        .labelNames("pool", "name")
        .callback(cb -> watches.get().forEach((pool, list) -> list.forEach(
            w -> cb.call(w.counters().members(), pool, name(w)))))
        .register(registry);
    GaugeWithCallback.builder()
        .name("lb_discovery_last_success_timestamp_seconds")
        .help("When the entry's last lookup succeeded, in Unix seconds (absent before the first)")
        .labelNames("pool", "name")
        .callback(cb -> watches.get().forEach((pool, list) -> list.forEach(
            w -> w.counters().lastSuccess().ifPresent(
                t -> cb.call(t.toEpochMilli() / 1000.0, pool, name(w))))))
        .register(registry);
  }

  private static String name(DnsWatch w) {
    return w.spec().srv() ? w.spec().name() : w.spec().name() + ":" + w.spec().port();
  }
}
