package io.ballast.core.optimizer;

import static io.ballast.core.optimizer.OptimizerFixtures.backend;
import static io.ballast.core.optimizer.OptimizerFixtures.cpu;
import static io.ballast.core.optimizer.OptimizerFixtures.stats;
import static io.ballast.core.optimizer.OptimizerFixtures.traffic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.ballast.core.Backend;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class PoolSignalsTest {
  private static final WeightControlSettings DEFAULTS = WeightControlSettings.DEFAULTS;
  private final Backend a = backend("a");
  private final Backend b = backend("b");
  private final Backend c = backend("c");

  private static PoolSignals of(WeightControlSettings settings, List<BackendStats> data) {
    return PoolSignals.of(settings, data, x -> 1.0);
  }

  @Test
  void theBalancePointIsTheMeanFigure() {
    PoolSignals p = of(DEFAULTS, List.of(cpu(a, 0.9, 100, 50), cpu(b, 0.3, 100, 50)));
    assertThat(p.signal(a)).isEqualTo(0.9);
    assertThat(p.signal(b)).isEqualTo(0.3);
    assertThat(p.setPoint).isCloseTo(0.6, within(1e-12));
    assertThat(p.setPoint(1)).isEqualTo(p.setPoint);
    assertThat(p.setPointName).isEqualTo("pool");
    assertThat(p.relative).isFalse();
    assertThat(p.costs).isFalse();
    assertThat(p.size()).isEqualTo(2);
  }

  @Test
  void anAbsoluteTargetIsTheSetPoint() {
    WeightControlSettings settings = DEFAULTS.toBuilder().target(0.5).build();
    PoolSignals p = of(settings, List.of(cpu(a, 0.9, 100, 50), cpu(b, 0.3, 100, 50)));
    assertThat(p.setPoint).isEqualTo(0.5);
    assertThat(p.setPointName).isEqualTo("target");
  }

  @Test
  void aBackendWithoutAFigureReadsAsItsRelativeLatencyTimesTheMeanFigure() {
    // Means 60, 30, 30 ms: average 40; c without a figure takes 30/40 = 0.75 of it, times the
    // mean figure (0.8 + 0.4) / 2 = 0.6: reads as 0.45.
    PoolSignals p = of(DEFAULTS,
        List.of(cpu(a, 0.8, 100, 60), cpu(b, 0.4, 100, 30), traffic(c, 0, 100, 30)));
    assertThat(p.signal(c)).isCloseTo(0.45, within(1e-12));
    assertThat(p.setPoint).isCloseTo((0.8 + 0.4 + 0.45) / 3, within(1e-12));
    assertThat(p.describe(traffic(c, 0, 100, 30), p.signal(c), p.setPoint, 1)).isEqualTo(
        "no fresh cpu, mean latency 30 ms vs pool 40 ms (reads as cpu 0.45 vs pool 0.55)");
  }

  @Test
  void withoutAnyFigureThePoolRunsOnRelativeLatencyAndIgnoresTheTarget() {
    WeightControlSettings settings = DEFAULTS.toBuilder().target(0.5).build();
    PoolSignals p = of(settings, List.of(traffic(a, 0, 100, 60), traffic(b, 0, 100, 20)));
    assertThat(p.relative).isTrue();
    assertThat(p.signal(a)).isEqualTo(1.5);
    assertThat(p.signal(b)).isEqualTo(0.5);
    assertThat(p.setPoint).isEqualTo(1.0);
    assertThat(p.setPointName).isEqualTo("pool");
    assertThat(p.describe(traffic(a, 0, 100, 60), 1.5, 1.0, 1))
        .isEqualTo("no fresh cpu, mean latency 60 ms vs pool 40 ms");
  }

  @Test
  void underTheLatencyObjectiveTheSignalIsTheP99InMilliseconds() {
    WeightControlSettings settings =
        DEFAULTS.toBuilder().objective(WeightControlSettings.Objective.LATENCY).build();
    PoolSignals p = of(settings, List.of(cpu(a, 0.9, 240, 50), cpu(b, 0.3, 80, 50)));
    assertThat(p.signal(a)).isEqualTo(240.0);
    assertThat(p.setPoint).isEqualTo(160.0);
    assertThat(p.describe(cpu(a, 0.9, 240, 50), 240, 160, 1))
        .isEqualTo("p99 240 ms vs pool 160 ms");
  }

  @Test
  void thePoolsP99IsWeightedByRequestsAndItsErrorRateCountsEveryRequest() {
    BackendStats busy = stats(a, 300, 3, 100, 50, OptionalDouble.of(0.5));
    PoolSignals p = of(DEFAULTS, List.of(busy, traffic(b, 5, 20, 10)));
    assertThat(p.p99Nanos).isEqualTo((300 * 100 + 100 * 20) / 400.0 * OptimizerFixtures.MS);
    assertThat(p.errorRate).isEqualTo(8 / 400.0);
  }

  @Test
  void workedExampleCostsShapeTheSetPointsWhileThePoolMeetsItsObjective() {
    WeightControlSettings settings =
        DEFAULTS.toBuilder().latencyObjective(Duration.ofMillis(200)).build();
    Map<Backend, Double> cost = Map.of(a, 1.0, b, 3.0);
    List<BackendStats> data = List.of(cpu(a, 0.4, 100, 50), cpu(b, 0.4, 100, 50));
    PoolSignals p = PoolSignals.of(settings, data, cost::get);
    assertThat(p.costs).isTrue();
    assertThat(p.meanCost).isEqualTo(2.0);
    assertThat(p.setPoint(1.0)).isEqualTo(0.7);
    assertThat(p.setPoint(3.0)).isCloseTo(0.4 * 2 / 3, within(1e-12));
    assertThat(p.describe(data.get(1), 0.4, p.setPoint(3.0), 3.0)).isEqualTo(
        "cpu 0.40 vs pool 0.27, p99 100 ms vs pool 100 ms, cost 3.00 vs mean 2.00 while pool"
            + " p99 100 ms is within 200 ms");
    // Missing the objective: costs are ignored.
    List<BackendStats> slow = List.of(cpu(a, 0.4, 300, 50), cpu(b, 0.4, 300, 50));
    PoolSignals missed = PoolSignals.of(settings, slow, cost::get);
    assertThat(missed.costs).isFalse();
    assertThat(missed.setPoint(1.0)).isEqualTo(0.4);
  }

  @Test
  void equalCostsOrNoObjectiveLeaveTheSetPointAlone() {
    List<BackendStats> data = List.of(cpu(a, 0.4, 100, 50), cpu(b, 0.4, 100, 50));
    assertThat(PoolSignals.of(DEFAULTS, data, x -> x == a ? 1.0 : 3.0).costs).isFalse();
    WeightControlSettings settings =
        DEFAULTS.toBuilder().latencyObjective(Duration.ofMillis(200)).build();
    assertThat(PoolSignals.of(settings, data, x -> 2.0).costs).isFalse();
  }

  @Test
  void theReasonQuotesTheFigureTheP99AndTheErrors() {
    BackendStats s = stats(a, 200, 7, 240, 50, OptionalDouble.of(0.91));
    PoolSignals p = of(DEFAULTS, List.of(s, cpu(b, 0.19, 80, 50)));
    assertThat(p.describe(s, 0.91, p.setPoint, 1)).startsWith("cpu 0.91 vs pool 0.55, p99 240 ms"
        + " vs pool ").endsWith(", errors 3.5%");
  }

  @Test
  void noDataNoSetPoint() {
    PoolSignals p = of(DEFAULTS, List.of());
    assertThat(p.size()).isZero();
    assertThat(p.setPoint).isNaN();
    assertThat(p.p99Nanos).isZero();
    assertThat(p.errorRate).isZero();
  }
}
