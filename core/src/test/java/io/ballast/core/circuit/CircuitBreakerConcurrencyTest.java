package io.ballast.core.circuit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Several threads on one breaker or window, each loop bounded by an operation count and the whole
 * test by a deadline: no concurrency permit leaks, the limit holds, and the lock-free windows'
 * totals stay equal to what their slots and buckets hold.
 */
class CircuitBreakerConcurrencyTest {
  private static final int THREADS = 4;
  private static final int OPS = 200_000;

  @Test
  void concurrencyPermitsNeverLeakNorExceedTheLimit() throws Exception {
    FakeTicker ticker = new FakeTicker(0);
    int max = 3;
    // Transitions happen too (40% failures over a window of 20, 1 ms open): permits must survive
    // every state the breaker passes through.
    CircuitBreaker cb = new CircuitBreaker(new CircuitBreakerSettings(WindowType.COUNT, 20, 10,
        40, Duration.ofMillis(5), 100, Duration.ofMillis(1), 4, max), ticker);
    AtomicInteger holders = new AtomicInteger();
    AtomicInteger mostHolders = new AtomicInteger();
    AtomicLong granted = new AtomicLong();
    runThreads(t -> {
      SplittableRandom rnd = new SplittableRandom(t);
      for (int i = 0; i < OPS; i++) {
        if (t == 0 && i % 64 == 0) {
          ticker.advance(Duration.ofMillis(1));
        }
        if (!cb.tryAcquire()) {
          continue;
        }
        granted.incrementAndGet();
        mostHolders.accumulateAndGet(holders.incrementAndGet(), Math::max);
        holders.decrementAndGet(); // before giving the permit back, so the count never lags
        if (rnd.nextInt(10) == 0) {
          cb.release();
        } else {
          cb.onResult(rnd.nextInt(10) * 1_000_000L, rnd.nextInt(10) < 3);
        }
      }
    });
    assertThat(mostHolders.get()).isBetween(1, max);
    assertThat(cb.counts().inFlight()).isZero();
    assertThat(granted.get()).isGreaterThan(1000);
    assertThat(cb.counts().transitions()).isPositive();
  }

  @Test
  void halfOpenGrantsExactlyItsTrialPermitsToRacingThreads() throws Exception {
    for (int round = 0; round < 50; round++) {
      FakeTicker ticker = new FakeTicker(0);
      AtomicInteger halfOpenEntries = new AtomicInteger();
      CircuitBreaker cb = new CircuitBreaker(new CircuitBreakerSettings(WindowType.COUNT, 2, 2,
          50, Duration.ofSeconds(1), 100, Duration.ofMillis(10), 5, 0), ticker,
          t -> {
            if (t.to() == CircuitState.HALF_OPEN) {
              halfOpenEntries.incrementAndGet();
            }
          });
      for (int i = 0; i < 2; i++) {
        cb.tryAcquire();
        cb.onResult(1, true);
      }
      assertThat(cb.state()).isEqualTo(CircuitState.OPEN);
      ticker.advance(Duration.ofMillis(11));
      AtomicInteger granted = new AtomicInteger();
      // Every thread races to be the one that moves the circuit to half-open, then for permits.
      runThreads(t -> {
        for (int i = 0; i < 100; i++) {
          if (cb.tryAcquire()) {
            granted.incrementAndGet();
          }
        }
      });
      assertThat(halfOpenEntries.get()).as("one transition to half-open").isEqualTo(1);
      assertThat(granted.get()).as("trial permits granted").isEqualTo(5);
    }
  }

  @Test
  void countWindowTotalsStayEqualToTheRingUnderContention() throws Exception {
    CountWindow window = new CountWindow(8); // small, so threads fight over the same slots
    runThreads(t -> {
      SplittableRandom rnd = new SplittableRandom(t);
      for (int i = 0; i < OPS; i++) {
        window.record(Tally.CALL | (rnd.nextBoolean() ? Tally.FAILED : 0)
            | (rnd.nextBoolean() ? Tally.SLOW : 0), 0);
      }
    });
    assertThat(Tally.calls(window.snapshot(0))).isEqualTo(8);
    // Eight known calls replace whatever the race left: any drift of the totals would remain.
    long last = 0;
    for (int i = 0; i < 8; i++) {
      last = window.record(Tally.CALL | (i < 3 ? Tally.FAILED : 0), 0);
    }
    assertThat(new int[] {Tally.calls(last), Tally.failed(last), Tally.slow(last)})
        .containsExactly(8, 3, 0);
  }

  @Test
  void timeWindowTotalsStayEqualToTheBucketsUnderContention() throws Exception {
    FakeTicker ticker = new FakeTicker(0);
    TimeWindow window = new TimeWindow(3, 0);
    runThreads(t -> {
      SplittableRandom rnd = new SplittableRandom(t);
      for (int i = 0; i < OPS; i++) {
        if (t == 0 && i % 1000 == 0) {
          ticker.advance(Duration.ofMillis(300)); // the window moves while others record
        }
        window.record(Tally.CALL | (rnd.nextBoolean() ? Tally.FAILED : 0), ticker.nanos());
      }
    });
    ticker.advance(Duration.ofSeconds(5)); // every bucket leaves the window
    long last = window.record(Tally.CALL | Tally.SLOW, ticker.nanos());
    assertThat(new int[] {Tally.calls(last), Tally.failed(last), Tally.slow(last)})
        .containsExactly(1, 0, 1);
  }

  private interface Body {
    void run(int thread) throws Exception;
  }

  private static void runThreads(Body body) throws Exception {
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int id = t;
      Thread th = new Thread(() -> {
        try {
          start.await();
          body.run(id);
        } catch (Throwable e) {
          errors.add(e);
        }
      }, "circuit-test-" + t);
      threads.add(th);
      th.start();
    }
    start.countDown();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    for (Thread th : threads) {
      th.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      assertThat(th.isAlive()).as(th.getName() + " finished in time").isFalse();
    }
    assertThat(errors).isEmpty();
  }
}
