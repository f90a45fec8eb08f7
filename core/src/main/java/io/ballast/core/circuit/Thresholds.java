package io.ballast.core.circuit;

/**
 * What a window's totals say against a breaker's thresholds, and the words of each verdict for
 * the transition it causes. Resilience4j's {@code checkIfThresholdsExceeded} on packed totals
 * ({@link Tally}), in float as it computes, so that a 33.3% threshold means the same in both.
 * Worked example, failure rate 50%, slow-call rate 100%, minimum 10 calls: 4 calls of which 4
 * failed is {@link #BELOW_MINIMUM_CALLS}; 10 calls of which 5 failed is
 * {@link #FAILURE_RATE_ABOVE} ("failure rate 50% ≥ 50% over 10 calls"); 10 calls, 4 failed, is
 * {@link #BELOW_THRESHOLDS}.
 *
 * <p>Immutable and thread-safe.
 */
final class Thresholds {
  // The verdicts (Resilience4j's CircuitBreakerMetrics.Result); the last two trip the circuit.
  static final int BELOW_MINIMUM_CALLS = 0;
  static final int BELOW_THRESHOLDS = 1;
  static final int FAILURE_RATE_ABOVE = 2;
  static final int SLOW_CALL_RATE_ABOVE = 3;

  private final float failure;
  private final float slow;
  private final String slowCall;

  Thresholds(CircuitBreakerSettings settings) {
    this.failure = (float) settings.failureRateThreshold();
    this.slow = (float) settings.slowCallRateThreshold();
    this.slowCall = settings.slowCallDurationThreshold().toString();
  }

  /** The verdict on a window's packed {@code totals} that needs {@code minimumCalls}. */
  int verdict(long totals, int minimumCalls) {
    int calls = Tally.calls(totals);
    if (calls == 0 || calls < minimumCalls) {
      return BELOW_MINIMUM_CALLS;
    }
    if (Tally.failed(totals) * 100.0f / calls >= failure) {
      return FAILURE_RATE_ABOVE;
    }
    if (Tally.slow(totals) * 100.0f / calls >= slow) {
      return SLOW_CALL_RATE_ABOVE;
    }
    return BELOW_THRESHOLDS;
  }

  /** Why a window with {@code totals} opened the circuit ({@code verdict} trips). */
  String tripReason(int verdict, long totals) {
    int calls = Tally.calls(totals);
    return verdict == FAILURE_RATE_ABOVE
        ? "failure rate " + percent(Tally.failed(totals), calls) + "% ≥ "
            + percent(failure) + "% over " + calls + " calls"
        : "slow-call rate " + percent(Tally.slow(totals), calls) + "% ≥ "
            + percent(slow) + "% (slower than " + slowCall + ") over " + calls + " calls";
  }

  /** Why trial calls with {@code totals} closed the circuit. */
  String closeReason(long totals) {
    return "trial calls below thresholds: failure rate "
        + percent(Tally.failed(totals), Tally.calls(totals)) + "% < "
        + percent(failure) + "%, slow-call rate "
        + percent(Tally.slow(totals), Tally.calls(totals)) + "% < " + percent(slow)
        + "% over " + Tally.calls(totals) + " calls";
  }

  private static String percent(int part, int whole) {
    return percent(part * 100.0f / whole);
  }

  /** 62.5 → "62.5", 50.0 → "50". */
  private static String percent(float p) {
    return p == Math.rint(p) ? Long.toString((long) p) : Float.toString(p);
  }
}
