package io.ballast.core.circuit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The worked example of {@link Thresholds}, exactly, and the words of each verdict. */
class ThresholdsTest {
  private final Thresholds rule = new Thresholds(new CircuitBreakerSettings(WindowType.COUNT, 100,
      10, 50, Duration.ofSeconds(2), 100, Duration.ofSeconds(30), 10, 0));

  @Test
  void theWorkedExample() {
    assertThat(rule.verdict(Tally.pack(4, 4, 0), 10)).isEqualTo(Thresholds.BELOW_MINIMUM_CALLS);
    assertThat(rule.verdict(Tally.pack(10, 5, 0), 10)).isEqualTo(Thresholds.FAILURE_RATE_ABOVE);
    assertThat(rule.tripReason(Thresholds.FAILURE_RATE_ABOVE, Tally.pack(10, 5, 0)))
        .isEqualTo("failure rate 50% ≥ 50% over 10 calls");
    assertThat(rule.verdict(Tally.pack(10, 4, 0), 10)).isEqualTo(Thresholds.BELOW_THRESHOLDS);
  }

  @Test
  void slowCallsTripWhenEveryCallIsSlowAndTheWordsSayWhy() {
    assertThat(rule.verdict(Tally.pack(10, 0, 10), 10))
        .isEqualTo(Thresholds.SLOW_CALL_RATE_ABOVE);
    assertThat(rule.tripReason(Thresholds.SLOW_CALL_RATE_ABOVE, Tally.pack(10, 0, 10)))
        .isEqualTo("slow-call rate 100% ≥ 100% (slower than PT2S) over 10 calls");
    assertThat(rule.closeReason(Tally.pack(8, 1, 0))).isEqualTo("trial calls below thresholds:"
        + " failure rate 12.5% < 50%, slow-call rate 0% < 100% over 8 calls");
    assertThat(rule.verdict(0L, 0)).isEqualTo(Thresholds.BELOW_MINIMUM_CALLS);
  }
}
