package io.ballast.core.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.core.HealthState;
import org.junit.jupiter.api.Test;

class HealthTrackerTest {
  @Test
  void fallsAfterFallFailuresInARowAndRisesAfterRiseSuccesses() {
    HealthTracker t = new HealthTracker(2, 3);
    assertThat(t.state()).isEqualTo(HealthState.HEALTHY);
    assertThat(t.onFailure()).isEqualTo(HealthState.HEALTHY);
    assertThat(t.onFailure()).isEqualTo(HealthState.HEALTHY);
    assertThat(t.onSuccess()).isEqualTo(HealthState.HEALTHY); // the run is broken
    assertThat(t.onFailure()).isEqualTo(HealthState.HEALTHY);
    assertThat(t.onFailure()).isEqualTo(HealthState.HEALTHY);
    assertThat(t.onFailure()).isEqualTo(HealthState.UNHEALTHY);
    assertThat(t.onSuccess()).isEqualTo(HealthState.RECOVERING);
    assertThat(t.onFailure()).isEqualTo(HealthState.UNHEALTHY); // climbing starts again
    assertThat(t.onSuccess()).isEqualTo(HealthState.RECOVERING);
    assertThat(t.onSuccess()).isEqualTo(HealthState.HEALTHY);
  }

  @Test
  void forceDownNeedsAFullRise() {
    HealthTracker t = new HealthTracker(3, 1);
    assertThat(t.forceDown()).isEqualTo(HealthState.UNHEALTHY);
    t.onSuccess();
    t.onSuccess();
    assertThat(t.state()).isEqualTo(HealthState.RECOVERING);
    assertThat(t.onSuccess()).isEqualTo(HealthState.HEALTHY);
  }

  @Test
  void rejectsZeroCounts() {
    assertThatThrownBy(() -> new HealthTracker(0, 1)).hasMessage("rise: 0 (expected: >= 1)");
    assertThatThrownBy(() -> new HealthTracker(1, 0)).hasMessage("fall: 0 (expected: >= 1)");
  }
}
