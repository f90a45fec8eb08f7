package io.ballast.core.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.core.Backend;
import io.ballast.core.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {
  private static final long MS = 1_000_000L;
  private static final long S = 1_000 * MS;

  private final AtomicLong now = new AtomicLong(-7 * S); // any origin, even a negative one
  private final Ticker ticker = now::get;

  private static RetryBudgetSettings budget(double percent, double minPerSecond) {
    return new RetryBudgetSettings(true, percent, minPerSecond, Duration.ofSeconds(10));
  }

  private static int acquireAll(RetryBudget b) {
    int n = 0;
    while (b.tryAcquireRetry()) {
      n++;
      if (n > 1_000_000) {
        throw new AssertionError("budget never ran out");
      }
    }
    return n;
  }

  @Test
  void aPoolWideOutageIsMultipliedByAtMostOnePlusTheBudget() {
    RetrySettings settings = RetrySettings.DEFAULTS; // 3 attempts, 20 %, 3/s, 10 s
    RetryPolicy policy = new RetryPolicy(settings, ticker);
    List<Backend> pool = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      pool.add(new Backend("b" + i, "127.0.0.1", 9000 + i, 1));
    }
    int requests = 10_000;
    double seconds = 100; // 100 requests per second, every attempt answered 503
    long attempts = 0;
    for (int i = 0; i < requests; i++) {
      now.addAndGet(10 * MS);
      RetryState r = policy.start("GET", 0);
      RetryDecision d;
      int next = i;
      do {
        r.attempted(pool.get(next++ % pool.size()));
        attempts++;
        d = r.onStatus(503);
      } while (d.retry());
    }
    double budget = settings.budget().percent() / 100;
    double floor = settings.budget().minRetriesPerSecond();
    double window = settings.budget().window().toSeconds();
    long bound = (long) (requests * (1 + budget) + floor * (seconds + window));
    System.out.println("retry budget, every attempt failing: " + requests + " requests, "
        + attempts + " attempts (bound " + bound + ", without a budget " + 3 * requests + ")");
    assertThat(attempts).isLessThanOrEqualTo(bound);
    // the budget does let retries through: without it there would be 30 000 attempts
    assertThat(attempts).isGreaterThanOrEqualTo((long) (requests * (1 + budget)));
    assertThat(policy.counters().attempts()).isEqualTo(attempts);
    assertThat(policy.counters().count(RetryDecision.NO_RETRY_BUDGET_EXHAUSTED))
        .isGreaterThan(requests / 2);
  }

  @Test
  void recoversOnceHealthyTrafficRefillsTheWindow() {
    RetryBudget b = new RetryBudget(budget(20, 3), ticker);
    for (int i = 0; i < 1000; i++) {
      b.onRequest();
    }
    assertThat(acquireAll(b)).isEqualTo(230); // 20 % of 1 000 plus 3/s × 10 s
    assertThat(b.available()).isZero();
    // ten seconds of healthy traffic at 100 requests per second, no retry needed
    for (int i = 0; i < 1000; i++) {
      now.addAndGet(10 * MS);
      b.onRequest();
      if (i < 990) {
        assertThat(b.available()).isLessThan(230);
      }
    }
    // t = 10 s: the outage's bucket left the window; the window holds 9 s and a bit of traffic
    assertThat(b.requestsInWindow()).isEqualTo(901);
    assertThat(b.retriesInWindow()).isZero();
    assertThat(b.available()).isEqualTo(210); // 901 × 20 % = 180.2, plus 30
    assertThat(b.tryAcquireRetry()).isTrue();
  }

  @Test
  void aQuietPoolCanStillRetryUpToTheFloor() {
    RetryBudget b = new RetryBudget(budget(20, 3), ticker);
    b.onRequest();
    assertThat(b.available()).isEqualTo(30);
    assertThat(acquireAll(b)).isEqualTo(30); // 0.2 + 30 allows 30
    RetryBudget none = new RetryBudget(budget(20, 0), ticker);
    none.onRequest();
    assertThat(none.tryAcquireRetry()).isFalse(); // 0.2 of a retry is no retry
    for (int i = 0; i < 4; i++) {
      none.onRequest();
    }
    assertThat(none.tryAcquireRetry()).isTrue();
    assertThat(none.tryAcquireRetry()).isFalse();
  }

  @Test
  void retriesAndRequestsLeaveTheWindowBucketByBucket() {
    RetryBudget b = new RetryBudget(budget(0, 3), ticker); // 30 per 10 s, 1 s buckets
    now.addAndGet(500 * MS); // t = 0.5 s
    for (int i = 0; i < 10; i++) {
      assertThat(b.tryAcquireRetry()).isTrue();
    }
    now.addAndGet(5 * S); // t = 5.5 s
    assertThat(acquireAll(b)).isEqualTo(20);
    now.addAndGet(4_400 * MS); // t = 9.9 s: all 30 still count
    assertThat(b.tryAcquireRetry()).isFalse();
    now.addAndGet(100 * MS); // t = 10 s: the 10 of the first second expire
    assertThat(b.retriesInWindow()).isEqualTo(20);
    assertThat(acquireAll(b)).isEqualTo(10);
    now.addAndGet(5 * S); // t = 15 s: the 20 of t = 5.5 s expire
    assertThat(acquireAll(b)).isEqualTo(20);

    RetryBudget deposits = new RetryBudget(budget(20, 0), ticker);
    for (int i = 0; i < 1000; i++) {
      deposits.onRequest();
    }
    assertThat(deposits.available()).isEqualTo(200);
    now.addAndGet(10 * S);
    assertThat(deposits.requestsInWindow()).isZero();
    assertThat(deposits.tryAcquireRetry()).isFalse();
    now.addAndGet(1000 * S); // a counter from a long-gone period is never counted again
    assertThat(deposits.requestsInWindow()).isZero();
  }

  @Test
  void aRefundGivesBackARetryOfTheCurrentBucketOnly() {
    RetryBudget b = new RetryBudget(budget(0, 0.1), ticker); // 1 per 10 s
    assertThat(b.tryAcquireRetry()).isTrue();
    assertThat(b.tryAcquireRetry()).isFalse();
    b.refundRetry();
    assertThat(b.tryAcquireRetry()).isTrue();
    now.addAndGet(1 * S);
    b.refundRetry(); // its bucket has passed: stays counted
    assertThat(b.tryAcquireRetry()).isFalse();
  }

  @Test
  void aDisabledBudgetCountsNothingAndRefusesNothing() {
    RetryBudget b = new RetryBudget(RetryBudgetSettings.DISABLED, ticker);
    b.onRequest();
    for (int i = 0; i < 100; i++) {
      assertThat(b.tryAcquireRetry()).isTrue();
    }
    assertThat(b.requestsInWindow()).isZero();
    assertThat(b.toString()).isEqualTo("RetryBudget[disabled]");
  }

  @Test
  void rejectsBadStripeCounts() {
    assertThatThrownBy(() -> new RetryBudget(budget(20, 3), ticker, 0))
        .hasMessage("stripes: 0 (expected: 1..16)");
  }

  @Test
  void concurrentDepositsAndWithdrawalsNeverOverspend() throws Exception {
    RetryBudget b = new RetryBudget(budget(20, 3), ticker, 4);
    int threads = 4;
    int perThread = 20_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        results.add(pool.submit(() -> {
          go.await();
          int granted = 0;
          for (int i = 0; i < perThread; i++) {
            b.onRequest();
            if (b.tryAcquireRetry()) {
              granted++;
            }
          }
          return granted;
        }));
      }
      go.countDown();
      int granted = 0;
      for (Future<Integer> f : results) {
        granted += f.get(30, TimeUnit.SECONDS);
      }
      long allowed = (long) (threads * perThread * 0.2 + 30);
      assertThat(b.requestsInWindow()).isEqualTo((long) threads * perThread);
      assertThat(b.retriesInWindow()).isEqualTo(granted);
      assertThat(granted).isPositive().isLessThanOrEqualTo((int) allowed);
      // exact accounting: what was granted plus what is left is the allowance
      assertThat(granted + acquireAll(b)).isEqualTo(allowed);
    } finally {
      pool.shutdownNow();
    }
  }
}
