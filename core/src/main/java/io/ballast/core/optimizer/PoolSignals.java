package io.ballast.core.optimizer;

import io.ballast.core.Backend;
import io.ballast.core.optimizer.WeightControlSettings.Objective;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * One control step's view of the pool, over the backends with enough data: each backend's signal,
 * the set point they are driven toward, and the pool's figures the reasons quote.
 *
 * <h2>The signal</h2>
 * Under the utilization objective a backend's signal is its own utilization figure (such as
 * {@code cpu}) when a fresh one is known. A backend without one falls back to its traffic: its
 * mean latency over the interval relative to the average of its peers' means, times the mean
 * figure of the backends that have one (a backend whose requests take 1.5 times as long as the
 * pool's average reads as 1.5 times as busy). When no backend has a figure the whole pool runs on
 * those relative latencies (balance point 1), and the absolute target and the overload and
 * under-use thresholds, which are utilizations, do not apply. Under the latency objective the
 * signal is the backend's p99 over the interval, in milliseconds.
 *
 * <h2>The set point</h2>
 * An absolute {@link WeightControlSettings#target() target}, or else the pool's balance point: the
 * mean signal of the backends with enough data. With per-backend costs and a
 * {@link WeightControlSettings#latencyObjective() latency objective} that the pool meets (its p99,
 * the requests-weighted mean of its backends' p99, within the objective), a backend's set point is
 * scaled by {@code mean cost / its cost}, capped at the overload threshold (utilization) or the
 * objective itself (latency): cheaper backends are driven busier, dearer ones idler. When the
 * pool misses its objective, costs are ignored until it meets it again.
 *
 * <p>Worked example, utilization, no target, costs 1 and 3 (mean 2), the pool within its latency
 * objective, both backends at cpu 0.4: the balance point is 0.4; the cheap backend's set point is
 * 0.4 × 2 / 1 = 0.8, capped at overload_above 0.7; the dear one's 0.4 × 2 / 3 = 0.27.
 *
 * <p>Immutable once built; built and read on the control loop.
 */
final class PoolSignals {
  private final WeightControlSettings settings;
  private final double[] signals;
  private final Map<Backend, Integer> index = new IdentityHashMap<>();
  /** The average of the backends' mean latencies. */
  final double avgMeanNanos;
  /** The mean utilization figure of the backends that have one; NaN when none has. */
  final double figureMean;
  /** No backend has a figure: signals are latencies relative to the pool's (balance point 1). */
  final boolean relative;
  /** The pool's p99: the requests-weighted mean of its backends' p99; 0 without requests. */
  final double p99Nanos;
  /** The pool's share of failed requests; 0 without requests. */
  final double errorRate;
  final double meanCost;
  /** The target, or the mean signal; NaN without backends. */
  final double setPoint;
  /** "target" or "pool", for the reasons. */
  final String setPointName;
  /** Costs shape the set points this step. */
  final boolean costs;

  private PoolSignals(WeightControlSettings settings, List<BackendStats> data,
      ToDoubleFunction<Backend> cost) {
    this.settings = settings;
    int n = data.size();
    double sumMean = 0;
    double sumFigure = 0;
    int figures = 0;
    long requests = 0;
    long failures = 0;
    double weightedP99 = 0;
    double sumCost = 0;
    for (BackendStats s : data) {
      sumMean += s.meanNanos();
      if (s.utilization().isPresent()) {
        sumFigure += s.utilization().getAsDouble();
        figures++;
      }
      requests += s.requests();
      failures += s.failures();
      weightedP99 += (double) s.p99Nanos() * s.requests();
      sumCost += cost.applyAsDouble(s.backend());
    }
    avgMeanNanos = n == 0 ? 0 : sumMean / n;
    figureMean = figures == 0 ? Double.NaN : sumFigure / figures;
    relative = settings.objective() == Objective.UTILIZATION && figures == 0;
    p99Nanos = requests == 0 ? 0 : weightedP99 / requests;
    errorRate = requests == 0 ? 0 : (double) failures / requests;
    double mc = n == 0 ? 1 : sumCost / n;
    meanCost = mc;
    signals = new double[n];
    double sum = 0;
    for (int i = 0; i < n; i++) {
      signals[i] = signal(data.get(i));
      sum += signals[i];
    }
    for (int i = 0; i < n; i++) {
      index.put(data.get(i).backend(), i);
    }
    boolean absoluteTarget = settings.target().isPresent() && !relative;
    setPoint = absoluteTarget ? settings.target().getAsDouble() : n == 0 ? Double.NaN : sum / n;
    setPointName = absoluteTarget ? "target" : "pool";
    long objective = settings.latencyObjective().toNanos();
    costs = objective > 0 && !relative && n > 1 && p99Nanos <= objective
        && data.stream().anyMatch(s -> cost.applyAsDouble(s.backend()) != mc);
  }

  /**
   * @param data the backends with enough data this step
   * @param cost each backend's cost
   */
  static PoolSignals of(WeightControlSettings settings, List<BackendStats> data,
      ToDoubleFunction<Backend> cost) {
    return new PoolSignals(settings, data, cost);
  }

  private double signal(BackendStats s) {
    if (settings.objective() == Objective.LATENCY) {
      return s.p99Nanos() / 1e6;
    }
    if (s.utilization().isPresent()) {
      return s.utilization().getAsDouble();
    }
    double relativeLatency = avgMeanNanos > 0 ? s.meanNanos() / avgMeanNanos : 1;
    return relative ? relativeLatency : relativeLatency * figureMean;
  }

  /** How many backends have enough data. */
  int size() {
    return signals.length;
  }

  /** The signal of a backend with enough data. */
  double signal(Backend backend) {
    return signals[index.get(backend)];
  }

  /**
   * The set point of a backend of this cost: the pool's, or shaped by cost while costs apply
   * (never pushed above the overload threshold or the latency objective, unless the pool's own
   * set point already is).
   */
  double setPoint(double cost) {
    if (!costs) {
      return setPoint;
    }
    double cap = settings.objective() == Objective.LATENCY
        ? settings.latencyObjective().toNanos() / 1e6 : settings.overloadAbove();
    return Math.min(setPoint * meanCost / cost, Math.max(cap, setPoint));
  }

  /** The reason in numbers: "cpu 0.91 vs pool 0.55, p99 240 ms vs pool 80 ms". */
  String describe(BackendStats s, double signal, double setPoint, double cost) {
    StringBuilder sb = new StringBuilder();
    String vs = " vs " + setPointName + " ";
    if (settings.objective() == Objective.LATENCY) {
      sb.append("p99 ").append(Format.millis(signal * 1e6)).append(vs)
          .append(Format.millis(setPoint * 1e6));
    } else if (s.utilization().isPresent()) {
      sb.append(settings.figure()).append(' ').append(Format.ratio(signal)).append(vs)
          .append(Format.ratio(setPoint)).append(", p99 ").append(Format.millis(s.p99Nanos()))
          .append(" vs pool ").append(Format.millis(p99Nanos));
    } else {
      sb.append("no fresh ").append(settings.figure()).append(", mean latency ")
          .append(Format.millis(s.meanNanos())).append(" vs pool ")
          .append(Format.millis(avgMeanNanos));
      if (!relative) {
        sb.append(" (reads as ").append(settings.figure()).append(' ')
            .append(Format.ratio(signal)).append(vs).append(Format.ratio(setPoint)).append(')');
      }
    }
    if (s.errorRate() > 0) {
      sb.append(", errors ").append(Format.percent(s.errorRate()));
    }
    if (costs) {
      sb.append(", cost ").append(Format.ratio(cost)).append(" vs mean ")
          .append(Format.ratio(meanCost)).append(" while pool p99 ")
          .append(Format.millis(p99Nanos)).append(" is within ")
          .append(Format.millis(settings.latencyObjective().toNanos()));
    }
    return sb.toString();
  }
}
