package io.ballast.core.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.core.Backend;
import io.ballast.core.PickResult;
import io.ballast.core.Picker;
import io.ballast.core.Rng;
import io.ballast.core.Ticker;
import io.ballast.core.pick.PoolSnapshot;
import io.ballast.core.pick.RoundRobinPicker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final Ticker ticker = now::get;
  /** A budget of nothing: only retries exempt from it can pass. */
  private static final RetryBudgetSettings NO_BUDGET_LEFT =
      new RetryBudgetSettings(true, 0, 0, Duration.ofSeconds(10));

  private RetryPolicy policy(RetrySettings settings) {
    return new RetryPolicy(settings, ticker);
  }

  private static List<Backend> backends(int n) {
    List<Backend> list = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      list.add(new Backend(String.valueOf((char) ('a' + i)), "127.0.0.1", 9000 + i, 1));
    }
    return list;
  }

  @Test
  void requestsThatNeverReachedABackendAreRetriedWhateverTheMethodAndFreeOfBudget() {
    RetryPolicy p = policy(RetrySettings.DEFAULTS.withBudget(NO_BUDGET_LEFT));
    for (AttemptFailure f : List.of(AttemptFailure.CONNECT_FAILED,
        AttemptFailure.RESET_BEFORE_SENT, AttemptFailure.REJECTED_LOCALLY)) {
      RetryState r = p.start("POST", 0);
      r.attempted(backends(1).get(0));
      assertThat(r.onFailure(f)).as(f.name()).isEqualTo(RetryDecision.RETRY_NOT_SENT);
    }
    assertThat(p.budget().retriesInWindow()).isZero();
    assertThat(p.counters().count(RetryDecision.RETRY_NOT_SENT)).isEqualTo(3);
  }

  @Test
  void aProbeAsideIsAllowedOnTheFirstPickOnlyAndForgottenByTheNextRequest() {
    RetryPolicy p = policy(RetrySettings.DEFAULTS);
    RetryState r = p.start("GET", 0);
    assertThat(r.probeAside()).isFalse();
    r.probeAside(true);
    assertThat(r.probeAside()).isTrue();
    r.attempted(backends(1).get(0));
    assertThat(r.probeAside()).as("a retry's pick").isFalse();
    assertThat(p.start("GET", 0, r).probeAside()).as("the next request on the state").isFalse();
  }

  @Test
  void idempotentMethodsAreRetriedAfterRetryableStatusesOthersAreNot() {
    RetryPolicy p = policy(RetrySettings.DEFAULTS);
    for (String m : List.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE")) {
      for (int status : List.of(502, 503, 504)) {
        RetryState r = p.start(m, 0);
        r.attempted(backends(1).get(0));
        assertThat(r.onStatus(status)).as(m + " " + status).isEqualTo(RetryDecision.RETRY_STATUS);
      }
    }
    for (String m : List.of("POST", "PATCH", "CONNECT", "get")) { // methods are case-sensitive
      RetryState r = p.start(m, 0);
      r.attempted(backends(1).get(0));
      assertThat(r.onStatus(503)).as(m).isEqualTo(RetryDecision.NO_RETRY_NOT_IDEMPOTENT);
    }
    for (int status : List.of(500, 501, 404, 429, 200)) {
      RetryState r = p.start("GET", 0);
      r.attempted(backends(1).get(0));
      assertThat(r.onStatus(status)).as("" + status).isEqualTo(RetryDecision.NO_RETRY_STATUS);
    }
    assertThat(p.counters().count(RetryDecision.RETRY_STATUS)).isEqualTo(18);
    assertThat(p.counters().count(RetryDecision.NO_RETRY_NOT_IDEMPOTENT)).isEqualTo(4);
    assertThat(p.counters().count(RetryDecision.NO_RETRY_STATUS)).isEqualTo(5);
  }

  @Test
  void configuredMethodsAndStatusesAreRetriedToo() {
    RetryPolicy p = policy(RetrySettings.DEFAULTS
        .withRetryableMethods(Set.of("POST"))
        .withRetryableStatuses(Set.of(429, 503)));
    RetryState post = p.start("POST", 0);
    post.attempted(backends(1).get(0));
    assertThat(post.onStatus(429)).isEqualTo(RetryDecision.RETRY_STATUS);
    RetryState get = p.start("GET", 0);
    get.attempted(backends(1).get(0));
    assertThat(get.onStatus(502)).isEqualTo(RetryDecision.NO_RETRY_STATUS);
    assertThat(p.start("PATCH", 0).methodRetryable()).isFalse();
  }

  @Test
  void perTryTimeoutsAndResetsAfterSendingAreRetriedOnlyForRetryableMethods() {
    RetryPolicy p = policy(RetrySettings.DEFAULTS);
    RetryState get = p.start("GET", 0);
    get.attempted(backends(1).get(0));
    assertThat(get.onFailure(AttemptFailure.PER_TRY_TIMEOUT))
        .isEqualTo(RetryDecision.RETRY_PER_TRY_TIMEOUT);
    get.attempted(backends(1).get(0));
    assertThat(get.onFailure(AttemptFailure.RESET_AFTER_SENT))
        .isEqualTo(RetryDecision.RETRY_RESET);
    RetryState post = p.start("POST", 0);
    post.attempted(backends(1).get(0));
    assertThat(post.onFailure(AttemptFailure.PER_TRY_TIMEOUT))
        .isEqualTo(RetryDecision.NO_RETRY_NOT_IDEMPOTENT);
    assertThat(post.onFailure(AttemptFailure.RESET_AFTER_SENT))
        .isEqualTo(RetryDecision.NO_RETRY_NOT_IDEMPOTENT);
  }

  @Test
  void maxAttemptsCountsEveryAttemptIncludingTheFirst() {
    RetryPolicy p = policy(RetrySettings.DEFAULTS);
    RetryState r = p.start("GET", 0);
    List<Backend> bs = backends(3);
    r.attempted(bs.get(0));
    assertThat(r.onStatus(503)).isEqualTo(RetryDecision.RETRY_STATUS);
    r.attempted(bs.get(1));
    assertThat(r.onFailure(AttemptFailure.CONNECT_FAILED)).isEqualTo(RetryDecision.RETRY_NOT_SENT);
    r.attempted(bs.get(2));
    assertThat(r.onStatus(503)).isEqualTo(RetryDecision.NO_RETRY_MAX_ATTEMPTS);
    assertThat(r.onFailure(AttemptFailure.CONNECT_FAILED))
        .isEqualTo(RetryDecision.NO_RETRY_MAX_ATTEMPTS);
    assertThatThrownBy(() -> r.attempted(bs.get(0)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("attempt 4 of a request allowed 3");
    assertThat(r.backendsTried()).containsExactlyElementsOf(bs);
    assertThat(p.counters().attempts()).isEqualTo(3);

    RetryState once = policy(RetrySettings.DEFAULTS.withMaxAttempts(1)).start("GET", 0);
    once.attempted(bs.get(0));
    assertThat(once.onFailure(AttemptFailure.CONNECT_FAILED))
        .isEqualTo(RetryDecision.NO_RETRY_MAX_ATTEMPTS);
  }

  @Test
  void aBodyThatWasSentAndNotKeptIsNotReplayed() {
    RetryPolicy p = policy(RetrySettings.DEFAULTS);
    assertThat(p.bufferWholeBody(0)).isTrue();
    assertThat(p.bufferWholeBody(65536)).isTrue();
    assertThat(p.bufferWholeBody(65537)).isFalse();
    assertThat(p.bufferWholeBody(-1)).isTrue(); // unknown length: keep while it fits
    RetryState r = p.start("PUT", 0);
    r.attempted(backends(1).get(0));
    r.bodyNotReplayable();
    assertThat(r.onStatus(503)).isEqualTo(RetryDecision.NO_RETRY_BODY_NOT_BUFFERED);
    assertThat(r.onFailure(AttemptFailure.RESET_BEFORE_SENT))
        .isEqualTo(RetryDecision.NO_RETRY_BODY_NOT_BUFFERED);
  }

  @Test
  void onlyAConnectionLevelFailureMayGoBackToATriedBackend() {
    RetryPolicy p = policy(RetrySettings.DEFAULTS.withBudget(RetryBudgetSettings.DISABLED));
    Backend b = backends(1).get(0);
    RetryState r = p.start("GET", 0);
    assertThat(r.mayRetryOnTriedBackend()).isFalse();
    r.attempted(b);
    assertThat(r.onFailure(AttemptFailure.CONNECT_FAILED)).isEqualTo(RetryDecision.RETRY_NOT_SENT);
    assertThat(r.mayRetryOnTriedBackend()).isTrue();
    r.attempted(b);
    assertThat(r.onFailure(AttemptFailure.RESET_AFTER_SENT)).isEqualTo(RetryDecision.RETRY_RESET);
    assertThat(r.mayRetryOnTriedBackend()).isTrue();
    RetryState s = p.start("GET", 0);
    s.attempted(b);
    assertThat(s.onStatus(503)).isEqualTo(RetryDecision.RETRY_STATUS);
    assertThat(s.mayRetryOnTriedBackend()).isFalse();
    s.attempted(b);
    assertThat(s.onFailure(AttemptFailure.PER_TRY_TIMEOUT))
        .isEqualTo(RetryDecision.RETRY_PER_TRY_TIMEOUT);
    assertThat(s.mayRetryOnTriedBackend()).isFalse();
  }

  @Test
  void nothingIsRetriedOnceTheResponseStarted() {
    RetryPolicy p = policy(RetrySettings.DEFAULTS);
    RetryState r = p.start("GET", 0);
    r.attempted(backends(1).get(0));
    r.responseStarted();
    assertThat(r.onFailure(AttemptFailure.RESET_AFTER_SENT))
        .isEqualTo(RetryDecision.NO_RETRY_RESPONSE_STARTED);
    assertThat(p.counters().count(RetryDecision.NO_RETRY_RESPONSE_STARTED)).isEqualTo(1);
  }

  @Test
  void timeoutsCutTheAttemptAndStopRetriesAfterTheOverallDeadline() {
    RetryPolicy p = policy(
        RetrySettings.DEFAULTS.withTimeouts(Duration.ofSeconds(4), Duration.ofSeconds(10)));
    RetryState r = p.start("GET", 0);
    assertThat(r.attemptTimeoutNanos()).isEqualTo(4_000_000_000L);
    r.attempted(backends(1).get(0));
    now.addAndGet(4_000_000_000L);
    assertThat(r.onFailure(AttemptFailure.PER_TRY_TIMEOUT))
        .isEqualTo(RetryDecision.RETRY_PER_TRY_TIMEOUT);
    now.addAndGet(3_000_000_000L); // 7 s in: 3 s left, less than a per-try timeout
    assertThat(r.attemptTimeoutNanos()).isEqualTo(3_000_000_000L);
    r.attempted(backends(1).get(0));
    now.addAndGet(3_000_000_000L);
    assertThat(r.remainingNanos()).isZero();
    assertThat(r.onFailure(AttemptFailure.PER_TRY_TIMEOUT))
        .isEqualTo(RetryDecision.NO_RETRY_DEADLINE);
    assertThat(r.onFailure(AttemptFailure.CONNECT_FAILED))
        .isEqualTo(RetryDecision.NO_RETRY_DEADLINE);

    RetryState none = policy(RetrySettings.DEFAULTS.withTimeouts(Duration.ZERO, Duration.ZERO))
        .start("GET", 0);
    assertThat(none.attemptTimeoutNanos()).isEqualTo(RetryPolicy.NO_TIMEOUT);
    assertThat(none.remainingNanos()).isEqualTo(RetryPolicy.NO_TIMEOUT);
    RetryState perTryOnly = policy(RetrySettings.DEFAULTS.withTimeouts(Duration.ofSeconds(2),
        Duration.ZERO)).start("GET", 0);
    assertThat(perTryOnly.attemptTimeoutNanos()).isEqualTo(2_000_000_000L);
  }

  @Test
  void retriesNeverPickTheSameBackendTwiceWhileAnotherIsAvailable() {
    List<Backend> bs = backends(3);
    Picker picker = RoundRobinPicker.FACTORY.build(PoolSnapshot.allAvailable(bs), null, Rng.seeded(1));
    RetryPolicy p = policy(RetrySettings.DEFAULTS.withBudget(RetryBudgetSettings.DISABLED));
    for (int request = 0; request < 30; request++) {
      RetryState r = p.start("GET", 0);
      RetryDecision d;
      do {
        Backend b = ((PickResult.Picked) picker.pick(r)).backend();
        assertThat(r.isExcluded(b)).isFalse();
        r.attempted(b);
        d = r.onStatus(503);
      } while (d.retry());
      assertThat(d).isEqualTo(RetryDecision.NO_RETRY_MAX_ATTEMPTS);
      assertThat(r.backendsTried()).doesNotHaveDuplicates().hasSize(3);
    }
  }

  @Test
  void aPoolSmallerThanTheAttemptsMayRetryATriedBackendOnlyWhenAskedOrGiveTheBudgetBack() {
    List<Backend> bs = backends(1);
    Picker picker = RoundRobinPicker.FACTORY.build(PoolSnapshot.allAvailable(bs), null, Rng.seeded(1));
    RetryPolicy p = policy(RetrySettings.DEFAULTS);
    RetryState r = p.start("GET", 0);
    r.attempted(((PickResult.Picked) picker.pick(r)).backend());
    assertThat(r.onFailure(AttemptFailure.RESET_AFTER_SENT)).isEqualTo(RetryDecision.RETRY_RESET);
    assertThat(p.budget().retriesInWindow()).isEqualTo(1);
    assertThat(picker.pick(r)).isEqualTo(PickResult.NoBackend.ALL_EXCLUDED);
    r.allowTriedBackends();
    assertThat(picker.pick(r)).isEqualTo(bs.get(0).picked());

    RetryState s = p.start("GET", 0);
    s.attempted(bs.get(0));
    assertThat(s.onStatus(503)).isEqualTo(RetryDecision.RETRY_STATUS);
    assertThat(p.budget().retriesInWindow()).isEqualTo(2);
    s.noBackendForRetry();
    assertThat(p.budget().retriesInWindow()).isEqualTo(1);
    assertThat(s.lastDecision()).isEqualTo(RetryDecision.NO_RETRY_NO_BACKEND);
    assertThat(p.counters().count(RetryDecision.NO_RETRY_NO_BACKEND)).isEqualTo(1);
    assertThatThrownBy(s::noBackendForRetry).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void anExhaustedBudgetStopsRetriesThatWouldReachABackend() {
    RetryPolicy p = policy(RetrySettings.DEFAULTS.withBudget(
        new RetryBudgetSettings(true, 0, 0.2, Duration.ofSeconds(10)))); // 2 per window
    List<RetryDecision> seen = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      RetryState r = p.start("GET", 0);
      r.attempted(backends(1).get(0));
      seen.add(r.onStatus(502));
    }
    assertThat(seen).containsExactly(RetryDecision.RETRY_STATUS, RetryDecision.RETRY_STATUS,
        RetryDecision.NO_RETRY_BUDGET_EXHAUSTED);
    assertThat(p.counters().count(RetryDecision.NO_RETRY_BUDGET_EXHAUSTED)).isEqualTo(1);
    assertThat(p.counters().retries()).isEqualTo(2);
    assertThat(p.counters().snapshot()).containsEntry(RetryDecision.RETRY_STATUS, 2L);
    assertThat(p.counters().requests()).isEqualTo(3);
  }

  @Test
  void aDisabledBudgetLetsEveryOtherwiseAllowedRetryThrough() {
    RetryPolicy p = policy(RetrySettings.DEFAULTS.withBudget(RetryBudgetSettings.DISABLED));
    for (int i = 0; i < 1000; i++) {
      RetryState r = p.start("GET", 0);
      r.attempted(backends(1).get(0));
      assertThat(r.onStatus(503)).isEqualTo(RetryDecision.RETRY_STATUS);
    }
    assertThat(p.budget().available()).isEqualTo(Long.MAX_VALUE);
  }
}
