package io.ballast.core.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.core.HealthState;
import io.ballast.core.ManualScheduler;
import io.ballast.core.health.BackendHealth;
import io.ballast.core.health.HealthPolicy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class WarmupTest {
  private final ManualScheduler scheduler = new ManualScheduler();
  private int rebuilds;
  private final Warmup warmup = new Warmup(scheduler, () -> rebuilds++);

  private static BackendStatus status() {
    return new BackendStatus(new BackendHealth(HealthPolicy.single(1, 1)));
  }

  @Test
  void withoutFeedbackAReturningBackendRampsFromNow() {
    scheduler.advance(Duration.ofSeconds(5));
    BackendStatus s = status();
    assertThat(warmup.start(s)).isFalse();
    assertThat(s.rampStartNanos).isEqualTo(Duration.ofSeconds(5).toNanos());
    assertThat(s.weightPercent).isEqualTo(100);
    assertThat(s.health).isEqualTo(HealthState.HEALTHY);
  }

  @Test
  void underFeedbackAReturningBackendStartsAtThePercentageAndDoesNotRamp() {
    warmup.useFeedback(25);
    BackendStatus s = status();
    assertThat(warmup.start(s)).isTrue();
    assertThat(s.weightPercent).isEqualTo(25);
    assertThat(s.rampStartNanos).isEqualTo(EffectiveWeights.NOT_RAMPING);
    warmup.useFeedback(0);
    assertThat(warmup.start(s)).isFalse();
  }

  @Test
  void startPercentagesOutOfRangeAreRefused() {
    assertThatThrownBy(() -> warmup.useFeedback(101))
        .hasMessage("startPercent: 101 (expected: 0..100)");
    assertThatThrownBy(() -> warmup.useFeedback(-1))
        .hasMessage("startPercent: -1 (expected: 0..100)");
  }

  @Test
  void oneRebuildPerStepHoweverOftenAStepIsAskedFor() {
    warmup.nextStep(Duration.ofSeconds(30));
    warmup.nextStep(Duration.ofSeconds(30));
    scheduler.advance(Duration.ofMillis(2_999));
    assertThat(rebuilds).isZero();
    scheduler.advance(Duration.ofMillis(1));
    assertThat(rebuilds).isEqualTo(1);
    warmup.nextStep(Duration.ofSeconds(30));
    scheduler.advance(Duration.ofSeconds(3));
    assertThat(rebuilds).isEqualTo(2);
  }
}
