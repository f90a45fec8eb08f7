package io.ballast.core.circuit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every state change on a fake ticker, for both window types. */
class CircuitBreakerTest {
  private static final long MS = 1_000_000L;
  private static final Duration SLOW = Duration.ofMillis(100);
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final FakeTicker ticker = new FakeTicker(1_000_000_000_000L);
  private final List<CircuitTransition> seen = new ArrayList<>();

  private CircuitBreaker breaker(WindowType type, int size, int min, int permitted, int maxConc) {
    return new CircuitBreaker(
        new CircuitBreakerSettings(type, size, min, 50, SLOW, 80, WAIT, permitted, maxConc),
        ticker, seen::add);
  }

  private static void call(CircuitBreaker cb, boolean failure) {
    assertThat(cb.tryAcquire()).as("permitted").isTrue();
    cb.onResult(10 * MS, failure);
  }

  private static void slowCall(CircuitBreaker cb) {
    assertThat(cb.tryAcquire()).as("permitted").isTrue();
    cb.onResult(101 * MS, false);
  }

  @Test
  void opensOnFailureRateOnceMinimumCallsAreRecorded() {
    CircuitBreaker cb = breaker(WindowType.COUNT, 16, 16, 4, 0);
    // 10 failures among the first 15 calls: 66% but below the minimum of 16 calls.
    for (int i = 0; i < 15; i++) {
      call(cb, i < 10);
    }
    assertThat(cb.state()).isEqualTo(CircuitState.CLOSED);
    assertThat(cb.counts().failedCalls()).isEqualTo(10);
    call(cb, false); // 16th call: 10/16 = 62.5%
    assertThat(cb.state()).isEqualTo(CircuitState.OPEN);
    assertThat(seen).singleElement().satisfies(t -> {
      assertThat(t.from()).isEqualTo(CircuitState.CLOSED);
      assertThat(t.to()).isEqualTo(CircuitState.OPEN);
      assertThat(t.reason()).isEqualTo("failure rate 62.5% ≥ 50% over 16 calls");
    });
    assertThat(cb.tryAcquire()).isFalse();
    assertThat(cb.counts().notPermitted()).isEqualTo(1);
  }

  @Test
  void countWindowForgetsTheOldestCall() {
    CircuitBreaker cb = breaker(WindowType.COUNT, 4, 4, 2, 0);
    call(cb, true);
    call(cb, false);
    call(cb, false);
    call(cb, false); // 1/4 = 25%
    call(cb, true); // evicts the first failure: still 1/4
    assertThat(cb.state()).isEqualTo(CircuitState.CLOSED);
    assertThat(cb.counts().calls()).isEqualTo(4);
    assertThat(cb.counts().failedCalls()).isEqualTo(1);
    call(cb, true); // 2/4 = 50%
    assertThat(cb.state()).isEqualTo(CircuitState.OPEN);
  }

  @Test
  void openWaitsStrictlyLongerThanWaitInOpenThenPermitsTrialCalls() {
    CircuitBreaker cb = tripped(3);
    ticker.advance(WAIT);
    assertThat(cb.tryAcquire()).as("exactly waitInOpen later").isFalse();
    ticker.advanceNanos(1);
    assertThat(cb.tryAcquire()).isTrue();
    assertThat(cb.state()).isEqualTo(CircuitState.HALF_OPEN);
    assertThat(cb.tryAcquire()).isTrue();
    assertThat(cb.tryAcquire()).isTrue();
    assertThat(cb.tryAcquire()).as("only 3 trial calls").isFalse();
    assertThat(seen.get(1).reason()).isEqualTo("waited PT10S in open; 3 trial calls permitted");
  }

  @Test
  void halfOpenClosesWhenTrialCallsAreBelowThresholds() {
    CircuitBreaker cb = tripped(3);
    ticker.advance(WAIT.plusMillis(1));
    for (int i = 0; i < 3; i++) {
      assertThat(cb.tryAcquire()).isTrue();
    }
    cb.onResult(MS, true);
    cb.onResult(MS, false);
    assertThat(cb.state()).as("2 of 3 trial results").isEqualTo(CircuitState.HALF_OPEN);
    cb.onResult(MS, false); // 1/3 = 33.3% < 50%
    assertThat(cb.state()).isEqualTo(CircuitState.CLOSED);
    assertThat(seen.get(2).reason()).isEqualTo(
        "trial calls below thresholds: failure rate 33.333332% < 50%, slow-call rate 0% < 80%"
            + " over 3 calls");
    assertThat(cb.counts().calls()).as("a closed circuit starts with an empty window").isZero();
  }

  @Test
  void halfOpenReopensWhenTrialCallsFail() {
    CircuitBreaker cb = tripped(2);
    ticker.advance(WAIT.plusMillis(1));
    assertThat(cb.tryAcquire()).isTrue();
    assertThat(cb.tryAcquire()).isTrue();
    cb.onResult(MS, true);
    cb.onResult(MS, false); // 1/2 = 50%
    assertThat(cb.state()).isEqualTo(CircuitState.OPEN);
    assertThat(seen).extracting(CircuitTransition::to)
        .containsExactly(CircuitState.OPEN, CircuitState.HALF_OPEN, CircuitState.OPEN);
    assertThat(cb.tryAcquire()).as("a fresh waitInOpen").isFalse();
    ticker.advance(WAIT.plusMillis(1));
    assertThat(cb.tryAcquire()).isTrue();
  }

  @Test
  void releaseInHalfOpenGivesTheTrialPermitBack() {
    CircuitBreaker cb = tripped(1);
    ticker.advance(WAIT.plusMillis(1));
    assertThat(cb.tryAcquire()).isTrue();
    assertThat(cb.tryAcquire()).isFalse();
    cb.release();
    assertThat(cb.tryAcquire()).isTrue();
    cb.release();
    cb.release(); // one too many: the permits stay capped at 1
    assertThat(cb.tryAcquire()).isTrue();
    assertThat(cb.tryAcquire()).isFalse();
  }

  @Test
  void tickMovesOpenToHalfOpenWithoutACall() {
    CircuitBreaker cb = tripped(2);
    cb.tick();
    assertThat(cb.state()).isEqualTo(CircuitState.OPEN);
    ticker.advance(WAIT.plusMillis(1));
    cb.tick();
    assertThat(cb.state()).isEqualTo(CircuitState.HALF_OPEN);
    assertThat(cb.counts().transitions()).isEqualTo(2);
  }

  @Test
  void opensOnSlowCallRate() {
    CircuitBreaker cb = breaker(WindowType.COUNT, 5, 5, 2, 0);
    for (int i = 0; i < 4; i++) {
      slowCall(cb);
    }
    assertThat(cb.tryAcquire()).isTrue();
    cb.onResult(SLOW.toNanos(), false); // exactly the threshold is not slow: 4/5 = 80%
    assertThat(cb.state()).isEqualTo(CircuitState.OPEN);
    assertThat(seen.get(0).reason())
        .isEqualTo("slow-call rate 80% ≥ 80% (slower than PT0.1S) over 5 calls");
  }

  @Test
  void slowCallExactlyAtTheThresholdIsNotSlow() {
    CircuitBreaker cb = breaker(WindowType.COUNT, 5, 5, 2, 0);
    for (int i = 0; i < 5; i++) {
      assertThat(cb.tryAcquire()).isTrue();
      cb.onResult(SLOW.toNanos(), false);
    }
    assertThat(cb.state()).isEqualTo(CircuitState.CLOSED);
    assertThat(cb.counts().slowCalls()).isZero();
  }

  @Test
  void timeWindowForgetsCallsOlderThanItsSeconds() {
    CircuitBreaker cb = breaker(WindowType.TIME, 3, 4, 2, 0);
    call(cb, true);
    call(cb, true);
    call(cb, true); // 3 failures, below the minimum of 4
    ticker.advance(Duration.ofSeconds(3)); // those calls' second has left the window
    call(cb, false);
    call(cb, false);
    call(cb, false);
    call(cb, true); // 1/4 in the window
    assertThat(cb.state()).isEqualTo(CircuitState.CLOSED);
    assertThat(cb.counts().calls()).isEqualTo(4);
    ticker.advance(Duration.ofSeconds(1));
    call(cb, true);
    call(cb, true); // 3/6 = 50%
    assertThat(cb.state()).isEqualTo(CircuitState.OPEN);
    assertThat(seen.get(0).reason()).isEqualTo("failure rate 50% ≥ 50% over 6 calls");
  }

  @Test
  void timeWindowNeedsMoreCallsThanSecondsWhenToldSo() {
    CircuitBreaker cb = breaker(WindowType.TIME, 2, 10, 2, 0);
    for (int i = 0; i < 9; i++) {
      call(cb, true);
    }
    assertThat(cb.state()).isEqualTo(CircuitState.CLOSED);
    call(cb, true);
    assertThat(cb.state()).isEqualTo(CircuitState.OPEN);
  }

  @Test
  void timeWindowHalfOpenAndBackToAnEmptyClosedWindow() {
    CircuitBreaker cb = breaker(WindowType.TIME, 10, 2, 2, 0);
    call(cb, true);
    call(cb, true);
    assertThat(cb.state()).isEqualTo(CircuitState.OPEN);
    ticker.advance(WAIT.plusMillis(1));
    call(cb, false);
    call(cb, false);
    assertThat(cb.state()).isEqualTo(CircuitState.CLOSED);
    call(cb, true);
    assertThat(cb.counts().calls()).isEqualTo(1);
    assertThat(cb.state()).isEqualTo(CircuitState.CLOSED);
  }

  @Test
  void callerTimePlacesTheCallInItsSecond() {
    CircuitBreaker cb = breaker(WindowType.TIME, 2, 2, 2, 0);
    long start = ticker.nanos();
    assertThat(cb.tryAcquire()).isTrue();
    cb.onResult(MS, true, start);
    ticker.advance(Duration.ofSeconds(5)); // the breaker's ticker moves on ...
    assertThat(cb.tryAcquire()).isTrue();
    // ... but this call ended at the caller's time, in the same second as the first one.
    cb.onResult(MS, true, start + 1);
    assertThat(cb.state()).isEqualTo(CircuitState.OPEN);
    assertThat(seen.get(0).reason()).isEqualTo("failure rate 100% ≥ 50% over 2 calls");
  }

  @Test
  void concurrencyLimitRefusesPastItAndEveryWayOutGivesThePermitBack() {
    CircuitBreaker cb = breaker(WindowType.COUNT, 100, 100, 2, 2);
    assertThat(cb.tryAcquire()).isTrue();
    assertThat(cb.tryAcquire()).isTrue();
    assertThat(cb.tryAcquire()).isFalse();
    assertThat(cb.counts().rejectedByConcurrency()).isEqualTo(1);
    assertThat(cb.counts().notPermitted()).isZero();
    assertThat(cb.counts().inFlight()).isEqualTo(2);
    cb.onResult(MS, false);
    assertThat(cb.tryAcquire()).isTrue();
    cb.release();
    cb.release();
    assertThat(cb.counts().inFlight()).isZero();
    cb.release(); // one too many: does not make room for a third call
    assertThat(cb.tryAcquire()).isTrue();
    assertThat(cb.tryAcquire()).isTrue();
    assertThat(cb.tryAcquire()).isFalse();
  }

  @Test
  void anOpenCircuitDoesNotHoldConcurrencyPermits() {
    CircuitBreaker cb = breaker(WindowType.COUNT, 2, 2, 1, 1);
    call(cb, true);
    call(cb, true);
    assertThat(cb.state()).isEqualTo(CircuitState.OPEN);
    assertThat(cb.tryAcquire()).isFalse();
    assertThat(cb.counts().inFlight()).isZero();
    assertThat(cb.counts().notPermitted()).isEqualTo(1);
  }

  @Test
  void lateOutcomesWhileOpenAreCountedButChangeNothing() {
    CircuitBreaker cb = breaker(WindowType.COUNT, 4, 2, 1, 0);
    assertThat(cb.tryAcquire()).isTrue(); // a slow request still out when the circuit opens
    call(cb, true);
    call(cb, true);
    assertThat(cb.state()).isEqualTo(CircuitState.OPEN);
    cb.onResult(MS, false);
    assertThat(cb.state()).isEqualTo(CircuitState.OPEN);
    assertThat(cb.counts().calls()).isEqualTo(3);
  }

  @Test
  void aThrowingListenerDoesNotBreakTheBreaker() {
    CircuitBreaker cb = new CircuitBreaker(
        new CircuitBreakerSettings(WindowType.COUNT, 2, 2, 50, SLOW, 100, WAIT, 1, 0), ticker,
        t -> {
          throw new IllegalStateException("listener bug");
        });
    call(cb, true);
    call(cb, true);
    assertThat(cb.state()).isEqualTo(CircuitState.OPEN);
  }

  /** A COUNT breaker opened by failures, then {@code permitted} trial calls in half-open. */
  private CircuitBreaker tripped(int permitted) {
    CircuitBreaker cb = breaker(WindowType.COUNT, 4, 4, permitted, 0);
    for (int i = 0; i < 4; i++) {
      call(cb, true);
    }
    assertThat(cb.state()).isEqualTo(CircuitState.OPEN);
    return cb;
  }
}
