package io.ballast.server;

import io.ballast.core.optimizer.PoolOptimizer;
import io.ballast.core.retry.RetryPolicy;
import io.ballast.proxy.affinity.PoolAffinity;
import io.ballast.proxy.signals.SignalsSpec;
import io.ballast.server.metrics.AffinityMetrics;
import io.ballast.server.metrics.DiscoveryMetrics;
import io.ballast.server.metrics.ProxyMetrics;
import io.ballast.server.metrics.ShedMetrics;
import io.ballast.server.metrics.SignalMetrics;
import io.ballast.server.optimizer.OptimizerMetrics;
import io.ballast.server.pool.PoolRuntime;
import io.ballast.server.pool.Pools;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The metrics that read what the pools run (retry counters and budgets, signals, weight
 * controllers, affinity, zones, load shedding), registered once and fed from the running pools:
 * a reload that adds, removes or changes a pool changes what they report at the next scrape.
 *
 * <p>Thread-safe: {@link #poolsChanged()} is called by one thread at a time (start, reloads);
 * the scrapes read immutable snapshots.
 */
final class Metrics {
  private final ProxyMetrics metrics;
  private final Pools pools;
  private final OptimizerMetrics optimizerMetrics;
  private volatile List<PoolOptimizer> optimizers = List.of();
  private volatile List<PoolAffinity> affinities = List.of();
  private volatile Map<String, SignalsSpec> signals = Map.of();

  Metrics(ProxyMetrics metrics, Pools pools, Zones zones) {
    this.metrics = metrics;
    this.pools = pools;
    this.optimizerMetrics = new OptimizerMetrics(metrics);
    new SignalMetrics(metrics.registry(), metrics::pools, () -> signals);
    AffinityMetrics.register(metrics.registry(), () -> affinities);
    zones.registerMetrics(metrics.registry());
    ShedMetrics.register(metrics.registry(), () -> {
      Map<String, io.ballast.core.shed.ConcurrencyLimiter> out = new LinkedHashMap<>();
      pools.byName().forEach((name, r) -> {
        if (r.limiter() != null) {
          out.put(name, r.limiter());
        }
      });
      return out;
    });
    DiscoveryMetrics.register(metrics.registry(), () -> {
      Map<String, List<io.ballast.proxy.discovery.DnsWatch>> out = new LinkedHashMap<>();
      pools.byName().forEach((name, r) -> out.put(name, r.dnsWatches()));
      return out;
    });
  }

  /** The pools changed (start, reload): the pool-dependent metrics follow. */
  void poolsChanged() {
    Map<String, RetryPolicy> retries = new LinkedHashMap<>();
    List<PoolOptimizer> o = new ArrayList<>();
    List<PoolAffinity> a = new ArrayList<>();
    Map<String, SignalsSpec> s = new LinkedHashMap<>();
    for (PoolRuntime r : pools.byName().values()) {
      retries.put(r.name(), r.retry());
      r.parts().optimizer().ifPresent(o::add);
      if (r.affinity() != null) {
        a.add(r.affinity());
      }
      r.config().signals().ifPresent(spec -> s.put(r.name(), spec));
    }
    metrics.setRetryPolicies(retries);
    optimizers = List.copyOf(o);
    optimizerMetrics.setOptimizers(optimizers);
    affinities = List.copyOf(a);
    signals = Map.copyOf(s);
  }

  List<PoolOptimizer> optimizers() {
    return optimizers;
  }

  List<PoolAffinity> affinities() {
    return affinities;
  }
}
