package io.ballast.core.optimizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class WeightControlSettingsTest {
  private static final WeightControlSettings.Builder B = WeightControlSettings.DEFAULTS.toBuilder();

  @Test
  void defaultsAreTheDocumentedOnes() {
    WeightControlSettings d = WeightControlSettings.DEFAULTS;
    assertThat(d.interval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(d.figure()).isEqualTo("cpu");
    assertThat(d.target()).isEmpty();
    assertThat(d.floorPercent()).isEqualTo(10);
    assertThat(d.ceilingPercent()).isEqualTo(400);
    assertThat(d.overloadAbove()).isEqualTo(0.7);
    assertThat(d.underuseBelow()).isEqualTo(0.3);
    assertThat(d.warmup().enabled()).isFalse();
    assertThat(d.scaling()).isEmpty();
    assertThat(d.toBuilder().build()).isEqualTo(d);
  }

  @Test
  void invalidValuesNameTheFieldAndWhatWasExpected() {
    assertThatThrownBy(() -> WeightControlSettings.DEFAULTS.toBuilder().gains(-1, 0.3, 0).build())
        .hasMessage("kp: -1.0 (expected: a finite number >= 0)");
    assertThatThrownBy(() -> WeightControlSettings.DEFAULTS.toBuilder().gains(0, 0, 0).build())
        .hasMessage("ki: 0.0 (expected: > 0 when kp is 0)");
    assertThatThrownBy(() -> WeightControlSettings.DEFAULTS.toBuilder().bounds(0, 400).build())
        .hasMessage("floor: 0 (expected: 1..100)");
    assertThatThrownBy(() -> WeightControlSettings.DEFAULTS.toBuilder().bounds(10, 2000).build())
        .hasMessage("ceiling: 2000 (expected: 100..1000)");
    assertThatThrownBy(() -> WeightControlSettings.DEFAULTS.toBuilder().maxStepPercent(0).build())
        .hasMessage("max_step: 0 (expected: 1..390)");
    assertThatThrownBy(() -> WeightControlSettings.DEFAULTS.toBuilder().deadband(1).build())
        .hasMessage("deadband: 1.0 (expected: 0 <= x < 1)");
    assertThatThrownBy(() -> WeightControlSettings.DEFAULTS.toBuilder().thresholds(0.7, 0.3).build())
        .hasMessage("overload_above: 0.3 (expected: a finite number > underuse_below 0.7)");
    assertThatThrownBy(() -> WeightControlSettings.DEFAULTS.toBuilder().target(-2).build())
        .hasMessage("target: -2.0 (expected: a finite number > 0)");
    assertThatThrownBy(() -> WeightControlSettings.DEFAULTS.toBuilder().interval(Duration.ZERO).build())
        .hasMessage("interval: PT0S (expected: > 0)");
    assertThatThrownBy(() -> new WeightControlSettings.Warmup(10, 10, 0.5, 0.01))
        .hasMessage("warmup.latency_tolerance: 0.5 (expected: a finite number >= 1)");
    assertThatThrownBy(() -> new WeightControlSettings.Scaling(0.8, 0.9, Duration.ofMinutes(5),
        Duration.ZERO)).hasMessage("scaling.cold_below: 0.9 (expected: >= 0 and < hot_above 0.8)");
    assertThat(B.build()).isEqualTo(WeightControlSettings.DEFAULTS);
  }
}
