package io.ballast.core.outlier;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class EjectionBackoffTest {
  private static final OutlierSettings SETTINGS = OutlierSettings.DEFAULTS
      .withEjectionTimes(Duration.ofSeconds(30), Duration.ofSeconds(70));
  private static final long S = 1_000_000_000L;

  @Test
  void workedExampleGrowth() {
    int m = 0;
    StringBuilder times = new StringBuilder();
    for (int i = 0; i < 4; i++) {
      m = EjectionBackoff.onEjection(SETTINGS, m);
      times.append(SETTINGS.ejectionTime(m).toSeconds()).append(' ');
    }
    assertThat(times.toString()).isEqualTo("30 60 70 70 ");
    assertThat(m).isEqualTo(3);
  }

  @Test
  void workedExampleDecay() {
    // Back at t = 90 s at multiplier 2.
    long back = 90 * S;
    assertThat(EjectionBackoff.atInterval(SETTINGS, 2, false, back, 149 * S)).isEqualTo(2);
    assertThat(EjectionBackoff.atInterval(SETTINGS, 2, false, back, 150 * S)).isEqualTo(1);
    assertThat(EjectionBackoff.atInterval(SETTINGS, 1, false, back, 160 * S)).isZero();
    assertThat(EjectionBackoff.atInterval(SETTINGS, 0, false, back, 999 * S)).isZero();
  }

  @Test
  void anEjectedBackendDoesNotDecay() {
    assertThat(EjectionBackoff.atInterval(SETTINGS, 2, true, 0, 999 * S)).isEqualTo(2);
  }
}
