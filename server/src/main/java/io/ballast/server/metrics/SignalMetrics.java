package io.ballast.server.metrics;

import io.ballast.core.Backend;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.signal.BackendSignals;
import io.ballast.core.signal.LoadReport;
import io.ballast.core.signal.SignalSource;
import io.ballast.proxy.signals.SignalsSpec;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The backends' own signals in {@code /metrics}, read at scrape time:
 * <ul>
 *   <li>{@code lb_backend_signal{pool,backend,source,figure}}: each figure of each source's latest
 *       report, only while fresh (the source is not stale and the report is at most the pool's
 *       {@link SignalsSpec#staleAfter()} old): a dashboard never shows an old value as current;
 *   <li>{@code lb_backend_signal_stale{pool,backend,source}}: 1 while a configured source is stale
 *       (down, slow, garbage, or silent for longer than stale-after), 0 while it delivers.
 * </ul>
 * Only pools with a {@code signals} section have series, and only for their configured sources.
 *
 * <p>Threading: thread-safe (the callbacks read atomics of {@link BackendSignals}).
 */
public final class SignalMetrics {
  private final Supplier<? extends List<LoadBalancer>> pools;
  private final Supplier<Map<String, SignalsSpec>> specs;

  /**
   * Registers the gauges into {@code registry}.
   *
   * @param pools the pools reported on, read at each scrape
   * @param specs each pool's signal sources, by pool name, read at each scrape; pools not named
   *     have no series
   */
  public SignalMetrics(PrometheusRegistry registry, Supplier<? extends List<LoadBalancer>> pools,
      Supplier<Map<String, SignalsSpec>> specs) {
    this.pools = Objects.requireNonNull(pools, "pools");
    this.specs = Objects.requireNonNull(specs, "specs");
    GaugeWithCallback.builder()
        .name("lb_backend_signal")
        .help("A figure the backend reports about its own load (header, agent or Prometheus),"
            + " while fresh")
        .labelNames("pool", "backend", "source", "figure")
        .callback(cb -> eachSource((pool, b, s, spec, now) -> {
          LoadReport r = b.signals().latest(s);
          if (r != null && !stale(b.signals(), s, r, now, spec)) {
            r.figures().forEach((name, v) -> cb.call(v, pool.name(), b.name(), s.configName(),
                name));
          }
        }))
        .register(registry);
    GaugeWithCallback.builder()
        .name("lb_backend_signal_stale")
        .help("1 while the backend's signal source is stale (unreachable, slow, garbage or"
            + " silent beyond stale-after), 0 while it delivers")
        .labelNames("pool", "backend", "source")
        .callback(cb -> eachSource((pool, b, s, spec, now) -> {
          LoadReport r = b.signals().latest(s);
          // Before the first report only a failure counts: a poller may not have run yet, and a
          // backend may send its header only with some responses.
          boolean stale = r == null ? b.signals().staleReason(s) != null
              : stale(b.signals(), s, r, now, spec);
          cb.call(stale ? 1 : 0, pool.name(), b.name(), s.configName());
        }))
        .register(registry);
  }

  /** Calls {@code visit} for each configured source of each backend of each pool with signals. */
  private void eachSource(SourceVisit visit) {
    Map<String, SignalsSpec> all = specs.get();
    for (LoadBalancer pool : pools.get()) {
      SignalsSpec spec = all.get(pool.name());
      if (spec == null) {
        continue;
      }
      long now = pool.nowNanos();
      for (Backend b : pool.backends()) {
        for (SignalSource s : sources(spec)) {
          visit.of(pool, b, s, spec, now);
        }
      }
    }
  }

  @FunctionalInterface
  private interface SourceVisit {
    void of(LoadBalancer pool, Backend backend, SignalSource source, SignalsSpec spec, long now);
  }

  private static boolean stale(BackendSignals signals, SignalSource s, LoadReport r, long now,
      SignalsSpec spec) {
    return signals.staleReason(s) != null || now - r.atNanos() > spec.staleAfter().toNanos();
  }

  /** The sources a pool configures, in {@link SignalSource} order. */
  static List<SignalSource> sources(SignalsSpec spec) {
    List<SignalSource> sources = new ArrayList<>(3);
    if (spec.agent() != null) {
      sources.add(SignalSource.AGENT);
    }
    if (spec.loadReportHeader() != null) {
      sources.add(SignalSource.HEADER);
    }
    if (spec.prometheus() != null) {
      sources.add(SignalSource.PROMETHEUS);
    }
    return sources;
  }
}
