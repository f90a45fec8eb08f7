package io.ballast.core.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RetrySettingsTest {
  private static final RetrySettings D = RetrySettings.DEFAULTS;

  @Test
  void defaults() {
    assertThat(D.maxAttempts()).isEqualTo(3);
    assertThat(D.perTryTimeout()).isEqualTo(Duration.ZERO);
    assertThat(D.overallTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(D.retryableStatuses()).containsExactlyInAnyOrder(502, 503, 504);
    assertThat(D.retryableMethods()).isEmpty();
    assertThat(D.maxBufferedBody()).isEqualTo(65536);
    assertThat(D.budget()).isEqualTo(
        new RetryBudgetSettings(true, 20.0, 3.0, Duration.ofSeconds(10)));
  }

  @Test
  void rejectsImpossibleValuesWithFieldAndExpectation() {
    assertThatThrownBy(() -> D.withMaxAttempts(0))
        .hasMessage("maxAttempts: 0 (expected: 1..10)");
    assertThatThrownBy(() -> D.withMaxAttempts(11))
        .hasMessage("maxAttempts: 11 (expected: 1..10)");
    assertThatThrownBy(() -> D.withTimeouts(Duration.ofMillis(-1), Duration.ZERO))
        .hasMessage("perTryTimeout: PT-0.001S (expected: >= 0, 0 for none)");
    assertThatThrownBy(() -> D.withTimeouts(Duration.ZERO, Duration.ofSeconds(-5)))
        .hasMessage("overallTimeout: PT-5S (expected: >= 0, 0 for none)");
    assertThatThrownBy(() -> D.withTimeouts(Duration.ofSeconds(40), Duration.ofSeconds(30)))
        .hasMessage("perTryTimeout: PT40S (expected: <= overallTimeout PT30S)");
    assertThatThrownBy(() -> D.withRetryableStatuses(Set.of(200)))
        .hasMessage("retryableStatuses: 200 (expected: 400..599)");
    assertThatThrownBy(() -> D.withRetryableMethods(Set.of("FOO BAR")))
        .hasMessage("retryableMethods: FOO BAR (expected: an HTTP method token such as POST)");
    assertThatThrownBy(() -> D.withMaxBufferedBody(-1))
        .hasMessage("maxBufferedBody: -1 (expected: 0..1073741824)");
    assertThatThrownBy(() -> new RetryBudgetSettings(true, 100.5, 3, Duration.ofSeconds(10)))
        .hasMessage("percent: 100.5 (expected: 0..100)");
    assertThatThrownBy(() -> new RetryBudgetSettings(true, -1, 3, Duration.ofSeconds(10)))
        .hasMessage("percent: -1.0 (expected: 0..100)");
    assertThatThrownBy(() -> new RetryBudgetSettings(true, 20, -3, Duration.ofSeconds(10)))
        .hasMessage("minRetriesPerSecond: -3.0 (expected: 0..1000000)");
    assertThatThrownBy(() -> new RetryBudgetSettings(true, 20, 3, Duration.ofMillis(500)))
        .hasMessage("window: PT0.5S (expected: 1s..1h)");
  }

  @Test
  void acceptsEdgeValues() {
    RetrySettings s = D.withMaxAttempts(1)
        .withTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(30))
        .withRetryableStatuses(Set.of(429, 599))
        .withRetryableMethods(Set.of("POST", "PATCH"))
        .withMaxBufferedBody(0)
        .withBudget(new RetryBudgetSettings(true, 100, 0, Duration.ofHours(1)));
    assertThat(s.maxAttempts()).isEqualTo(1);
    assertThat(s.retryableStatuses()).containsExactlyInAnyOrder(429, 599);
    // a per-try timeout without an overall one is valid whatever its length
    assertThat(D.withTimeouts(Duration.ofMinutes(5), Duration.ZERO).perTryTimeout())
        .isEqualTo(Duration.ofMinutes(5));
  }
}
