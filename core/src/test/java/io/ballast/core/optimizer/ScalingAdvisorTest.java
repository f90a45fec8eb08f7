package io.ballast.core.optimizer;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.core.optimizer.ScalingSignal.Direction;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ScalingAdvisorTest {
  private static final long S = 1_000_000_000L;
  private final ScalingAdvisor advisor = new ScalingAdvisor("api", new WeightControlSettings.Scaling(
      0.8, 0.2, Duration.ofMinutes(5), Duration.ofMinutes(10)), "utilization", true);

  @Test
  void firesOnceAfterTheDurationAndRearmsWhenNormal() {
    for (long t = 0; t < 300; t++) {
      assertThat(advisor.observe(t * S, 0.86, 4)).isNull();
    }
    ScalingSignal up = advisor.observe(300 * S, 0.86, 4);
    assertThat(up.message()).isEqualTo("pool api: utilization 0.86 for 5m, add about 3 backends");
    assertThat(up.direction()).isEqualTo(Direction.UP);
    assertThat(up.backends()).isEqualTo(3);
    assertThat(advisor.active()).isEqualTo(Direction.UP);
    for (long t = 301; t < 400; t++) {
      assertThat(advisor.observe(t * S, 0.9, 4)).isNull();
    }
    ScalingSignal cleared = advisor.observe(400 * S, 0.5, 4);
    assertThat(cleared.raised()).isFalse();
    assertThat(cleared.message()).isEqualTo("pool api: utilization 0.50, back between 0.20 and 0.80");
    assertThat(advisor.active()).isNull();
    assertThat(advisor.raisedTotal()).isEqualTo(1);
  }

  @Test
  void aBreakInTheStreakStartsItOver() {
    for (long t = 0; t < 200; t++) {
      advisor.observe(t * S, 0.9, 4);
    }
    advisor.observe(200 * S, 0.7, 4);
    for (long t = 201; t < 501; t++) {
      assertThat(advisor.observe(t * S, 0.9, 4)).isNull();
    }
    assertThat(advisor.observe(501 * S, 0.9, 4)).isNotNull();
  }

  @Test
  void theSameDirectionWaitsForTheCooldown() {
    for (long t = 0; t <= 300; t++) {
      advisor.observe(t * S, 0.9, 4);
    }
    assertThat(advisor.raisedTotal()).isEqualTo(1);
    advisor.observe(301 * S, 0.5, 4);
    // Hot again at once: the duration passes at 606 s, but the cooldown runs until 900 s.
    long t = 302;
    while (advisor.raisedTotal() == 1 && t < 2000) {
      advisor.observe(t * S, 0.9, 4);
      t++;
    }
    assertThat(t - 1).isEqualTo(900);
  }

  @Test
  void aColdPoolSuggestsFewerBackendsButNeverNone() {
    for (long t = 0; t <= 300; t++) {
      advisor.observe(t * S, 0.1, 6);
    }
    assertThat(advisor.active()).isEqualTo(Direction.DOWN);
    ScalingAdvisor single = new ScalingAdvisor("web", new WeightControlSettings.Scaling(
        0.8, 0.2, Duration.ofSeconds(1), Duration.ZERO), "cpu", true);
    single.observe(0, 0.05, 1);
    assertThat(single.observe(S, 0.05, 1).message())
        .isEqualTo("pool web: cpu 0.05 for 1s, cold, but it has a single backend");
  }

  @Test
  void unknownLevelsBreakTheStreakWithoutClearing() {
    for (long t = 0; t <= 300; t++) {
      advisor.observe(t * S, 0.9, 4);
    }
    assertThat(advisor.observe(301 * S, Double.NaN, 4)).isNull();
    assertThat(advisor.active()).isEqualTo(Direction.UP);
  }
}
