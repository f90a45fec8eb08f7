package io.ballast.core.circuit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class CircuitBreakerSettingsTest {
  private static final CircuitBreakerSettings D = CircuitBreakerSettings.DEFAULTS;

  private static CircuitBreakerSettings with(
      WindowType type, int size, int min, double failure, Duration slow, double slowRate,
      Duration wait, int permitted, int maxConcurrent) {
    return new CircuitBreakerSettings(type, size, min, failure, slow, slowRate, wait, permitted,
        maxConcurrent);
  }

  @Test
  void defaultsAreValidAndDocumented() {
    assertThat(D.windowType()).isEqualTo(WindowType.COUNT);
    assertThat(D.windowSize()).isEqualTo(100);
    assertThat(D.minimumCalls()).isEqualTo(20);
    assertThat(D.failureRateThreshold()).isEqualTo(50);
    assertThat(D.maxConcurrentRequests()).isZero();
  }

  @Test
  void countWindowSmallerThanMinimumCallsIsAnError() {
    assertThatThrownBy(() -> D.withWindow(WindowType.COUNT, 10, 20))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("minimumCalls: 20 (expected: <= windowSize 10: a COUNT window never holds"
            + " more calls than its size)");
  }

  @Test
  void timeWindowMayNeedMoreCallsThanItHasSeconds() {
    assertThat(D.withWindow(WindowType.TIME, 10, 50).minimumCalls()).isEqualTo(50);
  }

  @Test
  void everyFieldIsValidatedWithWhatWasExpected() {
    Duration s = Duration.ofSeconds(1);
    assertThatThrownBy(() -> with(WindowType.COUNT, 0, 1, 50, s, 100, s, 1, 0))
        .hasMessage("windowSize: 0 (expected: 1 to 1000000 for a COUNT window)");
    assertThatThrownBy(() -> with(WindowType.TIME, 3601, 1, 50, s, 100, s, 1, 0))
        .hasMessage("windowSize: 3601 (expected: 1 to 3600 for a TIME window)");
    assertThatThrownBy(() -> with(WindowType.COUNT, 10, 0, 50, s, 100, s, 1, 0))
        .hasMessage("minimumCalls: 0 (expected: 1 to 1000000)");
    assertThatThrownBy(() -> with(WindowType.COUNT, 10, 5, 0, s, 100, s, 1, 0))
        .hasMessage("failureRateThreshold: 0.0 (expected: > 0 and <= 100)");
    assertThatThrownBy(() -> with(WindowType.COUNT, 10, 5, 50, s, 100.5, s, 1, 0))
        .hasMessage("slowCallRateThreshold: 100.5 (expected: > 0 and <= 100)");
    assertThatThrownBy(() -> with(WindowType.COUNT, 10, 5, Double.NaN, s, 100, s, 1, 0))
        .hasMessage("failureRateThreshold: NaN (expected: > 0 and <= 100)");
    assertThatThrownBy(() -> with(WindowType.COUNT, 10, 5, 50, Duration.ZERO, 100, s, 1, 0))
        .hasMessage("slowCallDurationThreshold: PT0S (expected: > 0)");
    assertThatThrownBy(() -> with(WindowType.COUNT, 10, 5, 50, s, 100, s.negated(), 1, 0))
        .hasMessage("waitInOpen: PT-1S (expected: > 0)");
    assertThatThrownBy(() -> with(WindowType.COUNT, 10, 5, 50, s, 100, s, 0, 0))
        .hasMessage("permittedCallsInHalfOpen: 0 (expected: 1 to 100000)");
    assertThatThrownBy(() -> with(WindowType.COUNT, 10, 5, 50, s, 100, s, 1, -1))
        .hasMessage("maxConcurrentRequests: -1 (expected: >= 0, 0 = unlimited)");
  }
}
