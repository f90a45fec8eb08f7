package io.ballast.server.metrics;

import io.ballast.core.Backend;
import io.ballast.core.affinity.SessionAffinity;
import io.ballast.core.affinity.SessionCookieCodec;
import io.ballast.core.affinity.SessionRebalancer;
import io.ballast.proxy.affinity.PoolAffinity;
import io.ballast.proxy.affinity.StickyTable;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.List;
import java.util.Locale;

/**
 * The metrics of the pools' session affinity, read from the affinity's own counters at scrape
 * time (nothing is counted twice on the request path):
 * <ul>
 *   <li>{@code lb_affinity_sessions_total{pool,outcome}}: kept, new, moved, shed (moved by the
 *       rebalancer), overflowed (a new pin sent past a backend above its load bound), refused
 *       (strict routes, backend gone);
 *   <li>{@code lb_affinity_cookies_rejected_total{pool,reason}}: malformed, tampered, foreign,
 *       unknown_key, expired; each such request became a new session;
 *   <li>{@code lb_affinity_cookies_set_total{pool}};
 *   <li>{@code lb_affinity_table_entries{pool}} and
 *       {@code lb_affinity_table_evictions_total{pool,cause}} (size, expired) for the IP and
 *       header strategies;
 *   <li>{@code lb_affinity_shed_share{pool,backend}}: the share of a backend's sessions the
 *       rebalancer moves away now, 0..1.
 * </ul>
 * The series follow the sticky pools at each scrape: none while no pool keeps sessions. Thread-safe (scrapes read concurrent
 * counters).
 */
public final class AffinityMetrics {
  private AffinityMetrics() {}

  /** Registers the series of the sticky pools {@code affinities} gives at each scrape. */
  public static void register(PrometheusRegistry registry,
      java.util.function.Supplier<List<PoolAffinity>> affinities) {
    CounterWithCallback.builder()
        .name("lb_affinity_sessions_total")
        .help("Requests of sticky pools by what affinity did with the session")
        .labelNames("pool", "outcome")
        .callback(cb -> {
          for (PoolAffinity a : affinities.get()) {
            String p = a.sessions().pool().name();
            SessionAffinity.Counters c = a.sessions().counters();
            cb.call(c.kept(), p, "kept");
            cb.call(c.pinned(), p, "new");
            cb.call(c.moved(), p, "moved");
            cb.call(c.shed(), p, "shed");
            cb.call(c.overflowed(), p, "overflowed");
            cb.call(c.refused(), p, "refused");
          }
        })
        .register(registry);
    java.util.function.Supplier<List<PoolAffinity>> cookies = () -> affinities.get().stream()
        .filter(a -> a.spec().cookie() != null).toList();
    CounterWithCallback.builder()
        .name("lb_affinity_cookies_rejected_total")
        .help("Affinity cookies ignored (never trusted), by why; each request became a new"
            + " session")
        .labelNames("pool", "reason")
        .callback(cb -> {
          for (PoolAffinity a : cookies.get()) {
            for (SessionCookieCodec.Reason r : SessionCookieCodec.Reason.values()) {
              cb.call(a.rejectedCookies(r), a.sessions().pool().name(),
                  r.name().toLowerCase(Locale.ROOT));
            }
          }
        })
        .register(registry);
    CounterWithCallback.builder()
        .name("lb_affinity_cookies_set_total")
        .help("Affinity cookies set: new sessions, moved sessions and renewed pins")
        .labelNames("pool")
        .callback(cb -> cookies.get().forEach(
            a -> cb.call(a.cookiesSet(), a.sessions().pool().name())))
        .register(registry);
    java.util.function.Supplier<List<PoolAffinity>> tables = () -> affinities.get().stream()
        .filter(a -> a.table() != null).toList();
    GaugeWithCallback.builder()
        .name("lb_affinity_table_entries")
        .help("Sessions the sticky table remembers")
        .labelNames("pool")
        .callback(cb -> tables.get().forEach(
            a -> cb.call(a.table().size(), a.sessions().pool().name())))
        .register(registry);
    CounterWithCallback.builder()
        .name("lb_affinity_table_evictions_total")
        .help("Sessions the sticky table forgot: size (full) or expired (idle)")
        .labelNames("pool", "cause")
        .callback(cb -> {
          for (PoolAffinity a : tables.get()) {
            StickyTable.Counters c = a.table().counters();
            cb.call(c.evictions(), a.sessions().pool().name(), "size");
            cb.call(c.expirations(), a.sessions().pool().name(), "expired");
          }
        })
        .register(registry);
    GaugeWithCallback.builder()
        .name("lb_affinity_shed_share")
        .help("Share of a backend's sticky sessions the rebalancer moves away now, 0..1")
        .labelNames("pool", "backend")
        .callback(cb -> {
          for (PoolAffinity a : affinities.get()) {
            SessionRebalancer r = a.sessions().rebalancer();
            for (Backend b : a.sessions().pool().backends()) {
              cb.call(r == null ? 0 : r.share(b), a.sessions().pool().name(), b.name());
            }
          }
        })
        .register(registry);
  }
}
