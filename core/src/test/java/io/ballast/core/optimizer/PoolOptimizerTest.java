package io.ballast.core.optimizer;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.core.Backend;
import io.ballast.core.decision.Decision;
import io.ballast.core.signal.SignalSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PoolOptimizerTest {
  private static final WeightControlSettings DEFAULTS = WeightControlSettings.DEFAULTS;

  private static double spread(double[] u) {
    double min = Arrays.stream(u).min().orElseThrow();
    double max = Arrays.stream(u).max().orElseThrow();
    double mean = Arrays.stream(u).average().orElseThrow();
    return (max - min) / mean;
  }

  @Test
  void aPoolOfUnequalCapacityConvergesToEqualUtilizationWithoutOscillating() {
    ModelPool pool = new ModelPool(700, DEFAULTS, 200, 400, 800);
    List<int[]> history = new ArrayList<>();
    pool.second();
    assertThat(spread(pool.utilization)).isGreaterThan(1.2);
    for (int t = 0; t < 40; t++) {
      pool.second();
      history.add(pool.percents());
    }

    // Equal utilization within the deadband's reach (each within 5% of the mean, so 10% apart).
    assertThat(spread(pool.utilization)).isLessThan(0.12);
    // Settled: the last 15 seconds changed nothing.
    for (int t = history.size() - 15; t < history.size(); t++) {
      assertThat(history.get(t)).containsExactly(history.get(history.size() - 1));
    }
    // Without oscillating: the path each weight travels is at most 10 points longer than the
    // straight way from 100 to where it settles (one small overshoot at most).
    int[] last = history.get(history.size() - 1);
    for (int i = 0; i < 3; i++) {
      int travelled = 0;
      int previous = 100;
      for (int[] p : history) {
        travelled += Math.abs(p[i] - previous);
        previous = p[i];
      }
      assertThat(travelled).as("path of b" + (i + 1)).isLessThanOrEqualTo(Math.abs(last[i] - 100) + 10);
    }
    // The weights end in proportion to the capacities.
    assertThat((double) last[2] / last[0]).isBetween(3.4, 4.6);

  }

  @Test
  void stepsNeverExceedTheBoundAndFloorAndCeilingHold() {
    WeightControlSettings settings = DEFAULTS.toBuilder().bounds(20, 300).maxStepPercent(15).build();
    ModelPool pool = new ModelPool(600, settings, 50, 2000);
    int[] previous = pool.percents();
    for (int t = 0; t < 40; t++) {
      pool.second();
      int[] now = pool.percents();
      for (int i = 0; i < 2; i++) {
        assertThat(Math.abs(now[i] - previous[i])).isLessThanOrEqualTo(15);
        assertThat(now[i]).isBetween(20, 300);
      }
      previous = now;
    }
    // The pool needs 40:1 and gets what the bounds allow.
    assertThat(previous).containsExactly(20, 300);
    assertThat(pool.decisions.stream().filter(d -> d.backend().equals("b1")).map(Decision::to)
        .toList()).endsWith("20");
  }

  @Test
  void withinTheDeadbandTheWeightsHoldStill() {
    WeightControlSettings settings = DEFAULTS.toBuilder().deadband(0.1).build();
    ModelPool pool = new ModelPool(600, settings, 500, 530);
    for (int t = 0; t < 20; t++) {
      pool.second();
      assertThat(pool.percents()).containsExactly(100, 100);
    }
    assertThat(pool.decisions).noneMatch(d -> d.kind() == Decision.Kind.WEIGHT);
  }

  @Test
  void overloadAboveActsEvenInsideTheDeadband() {
    // cpu 0.9 and 0.8: 6% from the mean, inside a 10% deadband, but above overload_above 0.7.
    WeightControlSettings settings = DEFAULTS.toBuilder().deadband(0.1).build();
    ModelPool pool = new ModelPool(850, settings, 472.2, 531.25);
    pool.second();
    pool.second();
    assertThat(pool.percent(0)).isLessThan(100);
    assertThat(pool.decisions).anySatisfy(d -> assertThat(d.message())
        .startsWith("b1 weight 100 → ").contains("above overload_above 0.70"));
  }

  @Test
  void afterALongSpellAtTheFloorTheWeightRecoversInAFewTicks() {
    ModelPool pool = new ModelPool(2000, DEFAULTS, 10, 5000);
    for (int t = 0; t < 60; t++) {
      pool.second();
    }
    assertThat(pool.percent(0)).isEqualTo(DEFAULTS.floorPercent());
    // The backend is fine again: with the integral frozen at the floor it climbs at once, at the
    // controller's own pace rather than after unwinding a minute of accumulated error.
    pool.capacity[0] = 5000;
    pool.second();
    pool.second();
    // A wound-up integral (60 s of error) would keep it at the floor for dozens of ticks.
    assertThat(pool.percent(0)).isGreaterThan(DEFAULTS.floorPercent());
    int ticks = 2;
    while (pool.percent(0) < 80 && ticks < 30) {
      pool.second();
      ticks++;
    }
    assertThat(ticks).isLessThanOrEqualTo(15);
  }

  @Test
  void thinDataHoldsAndSaysSoOnce() {
    ModelPool pool = new ModelPool(20, DEFAULTS, 100, 400);
    for (int t = 0; t < 5; t++) {
      pool.second();
    }
    assertThat(pool.percents()).containsExactly(100, 100);
    assertThat(pool.decisions.stream().filter(d -> d.kind() == Decision.Kind.WEIGHT)
        .map(Decision::message)).containsExactly(
            "b1 weight: holds at 100%: 10 requests in the interval (expected: >= 20)",
            "b2 weight: holds at 100%: 10 requests in the interval (expected: >= 20)");
  }

  @Test
  void withoutFiguresThePoolBalancesOnLatencyRelativeToThePool() {
    ModelPool pool = new ModelPool(700, DEFAULTS, 250, 1000);
    Arrays.fill(pool.reports, false);
    for (int t = 0; t < 30; t++) {
      pool.second();
    }
    assertThat(pool.percent(0)).isLessThan(80);
    assertThat(pool.percent(1)).isGreaterThan(120);
    assertThat(pool.decisions).anySatisfy(d -> assertThat(d.message()).isEqualTo(
        "b1 signal cpu → traffic: no fresh cpu figure (none reported within stale_after 10000 ms,"
            + " or its source is stale): falling back to mean latency relative to the pool"));
    assertThat(pool.decisions).anySatisfy(d -> assertThat(d.message())
        .startsWith("b1 weight 100 → ").contains("no fresh cpu, mean latency "));
  }

  @Test
  void aStaleSourceFallsBackToTrafficAndComesBack() {
    ModelPool pool = new ModelPool(600, DEFAULTS, 500, 500);
    pool.second();
    pool.reports[1] = false;
    pool.backend(1).signals().markStale(SignalSource.HEADER, "garbage: cpu=abc");
    pool.second();
    assertThat(pool.optimizer.lastStats().get(pool.backend(1)).utilization()).isEmpty();
    assertThat(pool.optimizer.lastStats().get(pool.backend(0)).utilization()).isPresent();
    assertThat(pool.decisions).anySatisfy(d -> assertThat(d.message())
        .startsWith("b2 signal cpu → traffic: no fresh cpu figure"));
    pool.reports[1] = true;
    pool.second();
    pool.second();
    assertThat(pool.decisions).anySatisfy(d -> assertThat(d.message())
        .isEqualTo("b2 signal traffic → cpu: a fresh cpu figure: 0.60"));
    assertThat(pool.percents()).containsExactly(100, 100);
  }

  @Test
  void anAgentsWeightPercentMultipliesTheControllersOutput() {
    ModelPool pool = new ModelPool(600, DEFAULTS, 500, 500);
    pool.backend(0).signals().report(new io.ballast.core.signal.LoadReport(SignalSource.AGENT,
        pool.scheduler.ticker().nanos(), Map.of(), 50, io.ballast.core.signal.AgentCommand.NONE));
    pool.second();
    assertThat(pool.percent(0)).isEqualTo(50);
    assertThat(pool.decisions).anySatisfy(d -> assertThat(d.message())
        .startsWith("b1 weight 100 → 50: ").endsWith("agent asks 50%"));
  }

  @Test
  void cheaperBackendsArePreferredWhileThePoolMeetsItsLatencyObjective() {
    Map<String, Double> costs = Map.of("b1", 0.5, "b2", 1.0);
    ModelPool met = new ModelPool(400, DEFAULTS.toBuilder()
        .latencyObjective(Duration.ofMillis(500)).build(), costs, 500, 500);
    ModelPool missed = new ModelPool(400, DEFAULTS.toBuilder()
        .latencyObjective(Duration.ofMillis(5)).build(), costs, 500, 500);
    for (int t = 0; t < 30; t++) {
      met.second();
      missed.second();
    }
    assertThat(met.percent(0)).isGreaterThan(met.percent(1) * 3 / 2);
    assertThat(met.utilization[0]).isLessThanOrEqualTo(0.75);
    assertThat(met.decisions).anySatisfy(d -> assertThat(d.message())
        .contains("cost 0.50 vs mean 0.75 while pool p99"));
    assertThat(missed.percents()).containsExactly(100, 100);
  }

  @Test
  void theLatencyObjectiveLowersASlowBackend() {
    WeightControlSettings settings = DEFAULTS.toBuilder()
        .objective(WeightControlSettings.Objective.LATENCY).build();
    ModelPool pool = new ModelPool(300, settings, 500, 500, 500);
    Arrays.fill(pool.reports, false);
    pool.slowdown[1] = 4;
    for (int t = 0; t < 20; t++) {
      pool.second();
    }
    assertThat(pool.percent(1)).isLessThanOrEqualTo(30);
    assertThat(pool.percent(0)).isGreaterThan(100);
    assertThat(pool.decisions).anySatisfy(d -> assertThat(d.message()).matches(
        "b2 weight 100 → 75: p99 \\d+ ms vs pool \\d+ ms, step bound 25 points"));
  }

  @Test
  void warmUpGrowsWhileInLinePausesWhenNotAndBacksOffWhenClearlyWorse() {
    WeightControlSettings settings = DEFAULTS.toBuilder()
        .warmup(WeightControlSettings.Warmup.DEFAULT).build();
    ModelPool pool = new ModelPool(400, settings, 500, 500);
    Backend b2 = pool.backend(1);
    pool.second();
    pool.lb.reportConnectFailure(b2, "refused");
    pool.second();
    pool.lb.reportCheck(b2, true, "status 200");
    pool.scheduler.runAll();
    assertThat(pool.percent(1)).isEqualTo(10);
    assertThat(pool.decisions).anySatisfy(d -> assertThat(d.message()).isEqualTo(
        "b2 warmup 100 → 10: back in service, starts at 10% and grows 10 points per interval"
            + " toward 100% while in line with the pool"));
    List<Integer> ramp = new ArrayList<>();
    for (int t = 0; t < 3; t++) {
      pool.second();
      ramp.add(pool.percent(1));
    }
    assertThat(ramp).containsExactly(20, 30, 40);
    // About twice the pool's p99: beyond the 1.5× tolerance, within twice it: pause.
    pool.slowdown[1] = 3.5;
    pool.second();
    pool.second();
    assertThat(pool.percent(1)).isEqualTo(40);
    assertThat(pool.decisions).anySatisfy(d -> assertThat(d.message()).matches(
        "b2 warmup: paused at 40%: p99 \\d+ ms vs pool \\d+ ms, errors 0.0% vs pool 0.0%"
            + " \\(tolerance 1.5× p99, \\+1.0% errors\\)"));
    // More than three times: clearly worse, halve.
    pool.slowdown[1] = 8;
    pool.second();
    assertThat(pool.percent(1)).isEqualTo(20);
    // In line again: grows to its old output and hands over to the controller.
    pool.slowdown[1] = 1;
    for (int t = 0; t < 8; t++) {
      pool.second();
    }
    assertThat(pool.percent(1)).isEqualTo(100);
    assertThat(pool.optimizer.controller().warming(b2)).isFalse();
    assertThat(pool.decisions).anySatisfy(d -> assertThat(d.message())
        .startsWith("b2 warmup 90 → 100: warm-up done, in line with the pool: p99 "));
    assertThat(pool.decisions).anySatisfy(d -> assertThat(d.message())
        .startsWith("b2 warmup 40 → 20: clearly worse than the pool, backing off: p99 "));
    assertThat(pool.log.snapshot()).containsAll(pool.decisions);
  }

  @Test
  void aHotPoolRaisesOneScalingSignalAfterTheDurationAndClearsWhenNormal() {
    WeightControlSettings settings = DEFAULTS.toBuilder().scaling(new WeightControlSettings.Scaling(
        0.8, 0.2, Duration.ofSeconds(30), Duration.ZERO)).build();
    ModelPool pool = new ModelPool(860, settings, 500, 500);
    for (int t = 0; t < 29; t++) {
      pool.second();
    }
    assertThat(pool.scalingSignals).isEmpty();
    pool.second();
    pool.second();
    pool.second();
    assertThat(pool.scalingSignals).singleElement().satisfies(s -> {
      assertThat(s.message()).isEqualTo("pool api: cpu 0.86 for 30s, add about 2 backends");
      assertThat(s.raised()).isTrue();
    });
    assertThat(pool.optimizer.scaling().active()).isEqualTo(ScalingSignal.Direction.UP);
    pool.rate = 500;
    pool.second();
    pool.second();
    assertThat(pool.optimizer.scaling().active()).isNull();
    assertThat(pool.decisions.stream().filter(d -> d.kind() == Decision.Kind.SCALING)
        .map(Decision::message)).containsExactly(
            "pool api scaling normal → up: cpu 0.86 for 30s, add about 2 backends",
            "pool api scaling up → normal: cpu 0.50, back between 0.20 and 0.80");
  }

  @Test
  void stopCancelsTheTimer() {
    ModelPool pool = new ModelPool(700, DEFAULTS, 200, 800);
    pool.optimizer.stop();
    pool.scheduler.runAll();
    for (int t = 0; t < 5; t++) {
      pool.second();
    }
    assertThat(pool.percents()).containsExactly(100, 100);
    assertThat(pool.optimizer.lastStats()).isEmpty();
  }
}
