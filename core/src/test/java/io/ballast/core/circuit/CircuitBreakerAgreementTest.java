package io.ballast.core.circuit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Property test: on the same random call sequences, our breaker and Resilience4j 2.4.0 permit the
 * same calls, go through the same states and hold the same window counts. Both read one fake time:
 * the ticker's nanoseconds are the clock's epoch nanoseconds, so one-second buckets line up.
 *
 * <p>Sequences interleave acquiring, completing in any order (outcomes reported in a later state
 * than their call was permitted in), releasing, and time steps from 0 to a few seconds. One
 * documented difference is kept out: Resilience4j lets a {@code releasePermission} of a permit
 * taken before the half-open state raise the trial permits above {@code
 * permittedCallsInHalfOpen}; ours caps them, so releases here are of permits taken in the same
 * half-open period, or in closed/open where both ignore them.
 */
class CircuitBreakerAgreementTest {
  private static final int SEQUENCES = 300;
  private static final int STEPS = 600;
  private static final float[] THRESHOLDS = {10f, 25f, 33.3f, 50f, 62.5f, 75f, 100f};
  private static final RuntimeException FAILURE = new RuntimeException("backend failed");

  /** A java.time.Clock reading the same fake time as the ticker. */
  private static final class SharedClock extends Clock {
    private final FakeTicker ticker;

    SharedClock(FakeTicker ticker) {
      this.ticker = ticker;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochSecond(0, ticker.nanos());
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException();
    }
  }

  private record Permit(long transitionsAtAcquire) {}

  @Test
  void agreesWithResilience4jOnRandomSequences() {
    long transitions = 0;
    int reopened = 0;
    for (int seed = 1; seed <= SEQUENCES; seed++) {
      long t = runSequence(seed);
      transitions += t;
      if (t >= 4) {
        reopened++;
      }
    }
    // The sequences must exercise the state machine, not just agree on staying closed.
    assertThat(transitions).isGreaterThan(SEQUENCES * 3L);
    assertThat(reopened).isGreaterThan(SEQUENCES / 3);
  }

  /** Runs one sequence and returns how many transitions it went through. */
  private static long runSequence(int seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    boolean time = rnd.nextBoolean();
    int size = time ? 1 + rnd.nextInt(5) : 1 + rnd.nextInt(20);
    int minimum = time ? 1 + rnd.nextInt(15) : 1 + rnd.nextInt(size);
    float failure = THRESHOLDS[rnd.nextInt(THRESHOLDS.length)];
    float slowRate = THRESHOLDS[rnd.nextInt(THRESHOLDS.length)];
    Duration slow = Duration.ofMillis(50);
    Duration wait = Duration.ofMillis(500 + rnd.nextInt(2500));
    int permitted = 1 + rnd.nextInt(5);

    // An epoch time in 2023 plus a random sub-second offset, so buckets are cut mid-sequence.
    FakeTicker ticker =
        new FakeTicker(1_700_000_000L * 1_000_000_000L + rnd.nextLong(1_000_000_000L));
    CircuitBreakerSettings settings = new CircuitBreakerSettings(
        time ? WindowType.TIME : WindowType.COUNT, size, minimum, failure, slow, slowRate, wait,
        permitted, 0);
    CircuitBreaker ours = new CircuitBreaker(settings, ticker);
    io.github.resilience4j.circuitbreaker.CircuitBreaker theirs =
        io.github.resilience4j.circuitbreaker.CircuitBreaker.of("agreement-" + seed,
            CircuitBreakerConfig.custom()
                .slidingWindow(size, minimum,
                    time ? SlidingWindowType.TIME_BASED : SlidingWindowType.COUNT_BASED)
                .failureRateThreshold(failure)
                .slowCallRateThreshold(slowRate)
                .slowCallDurationThreshold(slow)
                .waitDurationInOpenState(wait)
                .permittedNumberOfCallsInHalfOpenState(permitted)
                .clock(new SharedClock(ticker))
                .build());

    List<Permit> out = new ArrayList<>();
    int failureShare = rnd.nextInt(101); // per sequence, so some sequences never trip
    for (int step = 0; step < STEPS; step++) {
      int at = step;
      Supplier<String> where = () -> "seed " + seed + " step " + at + " " + settings;
      int op = rnd.nextInt(100);
      if (op < 15) {
        long ms = rnd.nextInt(10) == 0 ? rnd.nextInt(4000) : rnd.nextInt(300);
        ticker.advanceNanos(ms * 1_000_000L + rnd.nextInt(1_000_000));
      } else if (op < 55 || out.isEmpty()) {
        boolean a = ours.tryAcquire();
        boolean b = theirs.tryAcquirePermission();
        assertThat(a).as(() -> "permitted, " + where.get()).isEqualTo(b);
        if (a) {
          out.add(new Permit(ours.counts().transitions()));
        }
      } else {
        Permit p = out.remove(rnd.nextInt(out.size()));
        boolean sameHalfOpen = ours.state() == CircuitState.HALF_OPEN
            && p.transitionsAtAcquire() == ours.counts().transitions();
        if (op < 60 && (ours.state() != CircuitState.HALF_OPEN || sameHalfOpen)) {
          ours.release();
          theirs.releasePermission();
        } else {
          long nanos = rnd.nextInt(100) * 1_000_000L;
          if (rnd.nextInt(100) < failureShare) {
            ours.onResult(nanos, true);
            theirs.onError(nanos, TimeUnit.NANOSECONDS, FAILURE);
          } else {
            ours.onResult(nanos, false);
            theirs.onSuccess(nanos, TimeUnit.NANOSECONDS);
          }
        }
      }
      assertThat(ours.state().name()).as(() -> "state, " + where.get())
          .isEqualTo(theirs.getState().name());
      CircuitCounts c = ours.counts();
      var m = theirs.getMetrics();
      assertThat(new int[] {c.calls(), c.failedCalls(), c.slowCalls()})
          .as(() -> "window calls/failed/slow, " + where.get())
          .containsExactly(m.getNumberOfBufferedCalls(), m.getNumberOfFailedCalls(),
              m.getNumberOfSlowCalls());
    }
    return ours.counts().transitions();
  }
}
