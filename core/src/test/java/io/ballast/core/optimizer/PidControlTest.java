package io.ballast.core.optimizer;

import static io.ballast.core.optimizer.OptimizerFixtures.backend;
import static io.ballast.core.optimizer.OptimizerFixtures.cpu;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.ballast.core.Backend;
import java.util.List;
import org.junit.jupiter.api.Test;

class PidControlTest {
  private static final WeightControlSettings DEFAULTS = WeightControlSettings.DEFAULTS;
  private final Backend a = backend("a");
  private final Backend b = backend("b");

  private static ControlState fresh() {
    return new ControlState();
  }

  private PoolSignals pool(double cpuA, double cpuB) {
    return PoolSignals.of(DEFAULTS, List.of(cpu(a, cpuA, 100, 50), cpu(b, cpuB, 100, 50)),
        x -> 1.0);
  }

  @Test
  void workedExample() {
    // cpu 0.9 in a pool averaging 0.6: e = 0.5, integral 0.5, 100 x exp(-0.3) = 74.1, bound to 75.
    ControlState st = fresh();
    new PidControl(DEFAULTS).control(cpu(a, 0.9, 100, 50), st, pool(0.9, 0.3));
    assertThat(st.integral).isCloseTo(0.5, within(1e-12));
    assertThat(st.previousError).isCloseTo(0.5, within(1e-12));
    assertThat(st.output).isEqualTo(75);
    assertThat(st.reason).isEqualTo(
        "cpu 0.90 vs pool 0.60, p99 100 ms vs pool 100 ms, step bound 25 points");
    // With room for the step, the unbound output.
    ControlState wide = fresh();
    new PidControl(DEFAULTS.toBuilder().maxStepPercent(30).build())
        .control(cpu(a, 0.9, 100, 50), wide, pool(0.9, 0.3));
    assertThat(wide.output).isEqualTo(74);
    assertThat(wide.reason).isEqualTo("cpu 0.90 vs pool 0.60, p99 100 ms vs pool 100 ms");
  }

  @Test
  void theUnderusedBackendRises() {
    // e = (0.3 - 0.6) / 0.6 = -0.5: 100 x exp(0.3) = 135, bound to 125.
    ControlState st = fresh();
    new PidControl(DEFAULTS).control(cpu(b, 0.3, 100, 50), st, pool(0.9, 0.3));
    assertThat(st.output).isEqualTo(125);
  }

  @Test
  void withinTheDeadbandItHoldsAndReseatsTheIntegral() {
    WeightControlSettings settings = DEFAULTS.toBuilder().deadband(0.1).build();
    ControlState st = fresh();
    st.output = 80;
    st.hasPrevious = true;
    // 0.52 vs 0.5: e = 0.04, and neither above overload_above nor below underuse_below.
    new PidControl(settings).control(cpu(a, 0.52, 100, 50), st, pool(0.52, 0.48));
    assertThat(st.output).isEqualTo(80);
    assertThat(st.integral).isCloseTo(-Math.log(0.8) / 0.4, within(1e-12));
    assertThat(st.hasPrevious).isFalse();
    assertThat(st.reason).endsWith(" (within the deadband)");
  }

  @Test
  void aboveOverloadItActsInsideTheDeadband() {
    WeightControlSettings settings = DEFAULTS.toBuilder().deadband(0.1).build();
    ControlState st = fresh();
    new PidControl(settings).control(cpu(a, 0.9, 100, 50), st, pool(0.9, 0.8));
    assertThat(st.output).isLessThan(100);
    assertThat(st.reason).contains(", above overload_above 0.70");
  }

  @Test
  void atTheFloorTheIntegralFreezes() {
    ControlState st = fresh();
    st.output = DEFAULTS.floorPercent();
    st.integral = 10;
    new PidControl(DEFAULTS).control(cpu(a, 0.9, 100, 50), st, pool(0.9, 0.3));
    assertThat(st.output).isEqualTo(DEFAULTS.floorPercent());
    assertThat(st.integral).isEqualTo(10);
    assertThat(st.reason).endsWith(", at the floor 10%");
  }

  @Test
  void withoutABalancePointItHolds() {
    ControlState st = fresh();
    PoolSignals one = PoolSignals.of(DEFAULTS, List.of(cpu(a, 0.9, 100, 50)), x -> 1.0);
    new PidControl(DEFAULTS).control(cpu(a, 0.9, 100, 50), st, one);
    assertThat(st.output).isEqualTo(100);
    assertThat(st.reason).isEqualTo("no balance point yet (1 backend with data)");
  }
}
