package io.ballast.core.optimizer;

import io.ballast.core.Backend;
import io.ballast.core.ManualScheduler;
import io.ballast.core.Rng;
import io.ballast.core.decision.Decision;
import io.ballast.core.decision.DecisionLog;
import io.ballast.core.pick.Algorithm;
import io.ballast.core.pool.HealthSettings;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.pool.PoolListener;
import io.ballast.core.signal.LoadReport;
import io.ballast.core.signal.SignalSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A modelled pool on a manual clock: each backend has a capacity in requests per second; every
 * second the model sends the pool's rate split by the published effective weights, each backend
 * reports its utilization (its requests over its capacity) as "cpu" when it reports at all, and
 * every request takes {@code base / (1 - utilization)} (a queue that grows as the backend fills
 * up), so that latency tells the same story as cpu.
 */
final class ModelPool {
  final ManualScheduler scheduler = new ManualScheduler();
  final List<Backend> backends = new ArrayList<>();
  final double[] capacity;
  final boolean[] reports;
  /** Extra latency factor per backend (1: none), for a backend that turns slow. */
  final double[] slowdown;
  final DecisionLog log = new DecisionLog();
  final List<Decision> decisions = new ArrayList<>();
  final List<ScalingSignal> scalingSignals = new ArrayList<>();
  final LoadBalancer lb;
  final PoolOptimizer optimizer;
  double rate;
  long baseLatencyNanos = 10_000_000;
  /** Utilization each backend had in the last second. */
  final double[] utilization;

  ModelPool(double rate, WeightControlSettings settings, double... capacity) {
    this(rate, settings, Map.of(), capacity);
  }

  ModelPool(double rate, WeightControlSettings settings, Map<String, Double> costs,
      double... capacity) {
    this.rate = rate;
    this.capacity = capacity.clone();
    this.reports = new boolean[capacity.length];
    this.slowdown = new double[capacity.length];
    this.utilization = new double[capacity.length];
    java.util.Arrays.fill(reports, true);
    java.util.Arrays.fill(slowdown, 1);
    for (int i = 0; i < capacity.length; i++) {
      backends.add(new Backend("b" + (i + 1), "127.0.0.1", 9001 + i, 1));
    }
    PoolOptimizer[] holder = new PoolOptimizer[1];
    PoolListener forward = new PoolListener() {
      @Override
      public void onWarmupStart(LoadBalancer pool, io.ballast.core.Backend backend) {
        holder[0].onWarmupStart(pool, backend);
      }

      @Override
      public void onHealthChange(LoadBalancer pool, Backend backend, io.ballast.core.HealthState from,
          io.ballast.core.HealthState to, String reason) {
        holder[0].onHealthChange(pool, backend, from, to, reason);
      }
    };
    lb = new LoadBalancer("api", backends, Algorithm.WEIGHTED_ROUND_ROBIN,
        new HealthSettings(1, 1, true, Duration.ofSeconds(1)), scheduler,
        Rng.seeded(7), forward);
    Map<Backend, Double> byBackend = new java.util.IdentityHashMap<>();
    for (Backend b : backends) {
      Double c = costs.get(b.name());
      if (c != null) {
        byBackend.put(b, c);
      }
    }
    Consumer<Decision> sink = decisions::add;
    optimizer = new PoolOptimizer(lb, settings, byBackend, log, sink, scalingSignals::add);
    holder[0] = optimizer;
    optimizer.start(scheduler);
    scheduler.runAll();
  }

  Backend backend(int i) {
    return backends.get(i);
  }

  /** Runs one second of traffic, then lets the clock reach the next tick. */
  void second() {
    long now = scheduler.ticker().nanos();
    long total = 0;
    int n = backends.size();
    int[] weights = new int[n];
    for (int i = 0; i < n; i++) {
      weights[i] = lb.effectiveWeight(backends.get(i));
      total += weights[i];
    }
    for (int i = 0; i < n; i++) {
      Backend b = backends.get(i);
      long requests = total == 0 ? 0 : Math.round(rate * weights[i] / total);
      double u = requests / capacity[i];
      utilization[i] = u;
      long latency = (long) (baseLatencyNanos * slowdown[i] / Math.max(0.05, 1 - Math.min(u, 0.95)));
      for (long r = 0; r < requests; r++) {
        b.load().start();
        b.load().complete(true, latency);
      }
      if (reports[i]) {
        b.signals().report(LoadReport.figures(SignalSource.HEADER, now, Map.of("cpu", Math.min(u, 1.0))));
      }
    }
    scheduler.advance(Duration.ofSeconds(1));
  }

  int percent(int i) {
    return lb.weightPercent(backends.get(i));
  }

  int[] percents() {
    int[] p = new int[backends.size()];
    for (int i = 0; i < p.length; i++) {
      p[i] = percent(i);
    }
    return p;
  }
}
