package io.ballast.core.outlier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class OutlierSettingsTest {
  private static final OutlierSettings D = OutlierSettings.DEFAULTS;

  @Test
  void defaultsAreEnvoysNumbers() {
    assertThat(D.interval()).isEqualTo(Duration.ofSeconds(10));
    assertThat(D.baseEjectionTime()).isEqualTo(Duration.ofSeconds(30));
    assertThat(D.maxEjectionTime()).isEqualTo(Duration.ofSeconds(300));
    assertThat(D.maxEjectionPercent()).isEqualTo(10);
    assertThat(D.consecutive5xx()).isEqualTo(new OutlierSettings.Consecutive(true, 5));
    assertThat(D.consecutiveGatewayFailure()).isEqualTo(new OutlierSettings.Consecutive(true, 5));
    assertThat(D.successRate()).isEqualTo(new OutlierSettings.SuccessRate(true, 5, 100, 1.9));
    assertThat(D.failurePercentage())
        .isEqualTo(new OutlierSettings.FailurePercentage(true, 85, 5, 50));
    assertThat(D.splitLocalOrigin()).isFalse();
  }

  @Test
  void smallPoolsMayStillEjectOneBackendAndOneAlwaysStaysIn() {
    // pool size -> max ejected at 10 %
    int[][] table = {{0, 0}, {1, 0}, {2, 1}, {3, 1}, {5, 1}, {9, 1}, {10, 1}, {19, 1}, {20, 2},
        {35, 3}, {100, 10}};
    for (int[] row : table) {
      assertThat(D.maxEjected(row[0])).as("pool of %d", row[0]).isEqualTo(row[1]);
    }
    OutlierSettings all = D.withMaxEjectionPercent(100);
    assertThat(all.maxEjected(2)).isEqualTo(1);
    assertThat(all.maxEjected(3)).isEqualTo(2);
    assertThat(all.maxEjected(20)).isEqualTo(19);
    assertThat(D.withMaxEjectionPercent(50).maxEjected(5)).isEqualTo(2);
  }

  @Test
  void ejectionTimeGrowsWithTheMultiplierUpToTheMaximum() {
    OutlierSettings s = D.withEjectionTimes(Duration.ofSeconds(30), Duration.ofSeconds(70));
    assertThat(s.ejectionTime(1)).isEqualTo(Duration.ofSeconds(30));
    assertThat(s.ejectionTime(2)).isEqualTo(Duration.ofSeconds(60));
    assertThat(s.ejectionTime(3)).isEqualTo(Duration.ofSeconds(70));
  }

  @Test
  void rejectsInvalidValuesWithWhatWasExpected() {
    assertThatThrownBy(() -> D.withInterval(Duration.ZERO))
        .hasMessage("interval: PT0S (expected: > 0)");
    assertThatThrownBy(() -> D.withEjectionTimes(Duration.ofSeconds(30), Duration.ofSeconds(10)))
        .hasMessage("maxEjectionTime: PT10S (expected: >= baseEjectionTime PT30S)");
    assertThatThrownBy(() -> D.withMaxEjectionPercent(0))
        .hasMessage("maxEjectionPercent: 0 (expected: 1..100)");
    assertThatThrownBy(() -> D.withMaxEjectionPercent(101))
        .hasMessage("maxEjectionPercent: 101 (expected: 1..100)");
    assertThatThrownBy(() -> new OutlierSettings.Consecutive(true, 0))
        .hasMessage("consecutive threshold: 0 (expected: >= 1)");
    assertThatThrownBy(() -> new OutlierSettings.SuccessRate(true, 1, 100, 1.9))
        .hasMessage("successRate.minimumHosts: 1 (expected: >= 2; a backend is compared with"
            + " the others)");
    assertThatThrownBy(() -> new OutlierSettings.SuccessRate(true, 5, 0, 1.9))
        .hasMessage("successRate.requestVolume: 0 (expected: >= 1)");
    assertThatThrownBy(() -> new OutlierSettings.SuccessRate(true, 5, 100, Double.NaN))
        .hasMessage("successRate.stdevFactor: NaN (expected: a finite number > 0)");
    assertThatThrownBy(() -> new OutlierSettings.FailurePercentage(true, 0, 5, 50))
        .hasMessage("failurePercentage.threshold: 0 (expected: 1..100)");
    assertThatThrownBy(() -> new OutlierSettings.FailurePercentage(true, 85, 0, 50))
        .hasMessage("failurePercentage.minimumHosts: 0 (expected: >= 1)");
    assertThatThrownBy(() -> new OutlierSettings.FailurePercentage(true, 85, 5, 0))
        .hasMessage("failurePercentage.requestVolume: 0 (expected: >= 1)");
  }

  @Test
  void successRateWorkedExample() {
    // Five backends at 100, 100, 100, 90 and 60 %: mean 90, variance 1200 / 5 = 240,
    // stdev 15.49, threshold 90 - 1.9 * 15.49 = 60.57.
    SuccessRateStats s = SuccessRateStats.of(new double[] {100, 100, 100, 90, 60}, 5, 1.9);
    assertThat(s.mean()).isEqualTo(90.0);
    assertThat(s.stdev()).isCloseTo(Math.sqrt(240), org.assertj.core.data.Offset.offset(1e-12));
    assertThat(s.threshold()).isCloseTo(60.5653, org.assertj.core.data.Offset.offset(1e-4));
    assertThat(s.isOutlier(60)).isTrue();
    assertThat(s.isOutlier(90)).isFalse();
    assertThat(s).hasToString("threshold 60.6% (pool mean 90.0%, stdev 15.5%)");
    // Everyone equal: no spread, nobody is an outlier.
    assertThat(SuccessRateStats.of(new double[] {80, 80, 80}, 3, 1.9).isOutlier(80)).isFalse();
  }
}
