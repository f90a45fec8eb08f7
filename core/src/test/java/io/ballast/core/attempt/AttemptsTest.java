package io.ballast.core.attempt;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.core.Backend;
import io.ballast.core.ManualScheduler;
import io.ballast.core.Rng;
import io.ballast.core.circuit.CircuitBreaker;
import io.ballast.core.circuit.CircuitBreakerSettings;
import io.ballast.core.circuit.CircuitState;
import io.ballast.core.pick.Algorithm;
import io.ballast.core.pool.HealthSettings;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.pool.PoolListener;
import io.ballast.core.retry.AttemptFailure;
import io.ballast.core.retry.RetryDecision;
import io.ballast.core.retry.RetryPolicy;
import io.ballast.core.retry.RetrySettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The attempt protocol's table, outcome by outcome: what each backend's load, gate and outcome
 * listener hear, and what is retried. Round robin over a, b, c from a seeded cursor, so the
 * backend of every attempt is known.
 */
class AttemptsTest {
  private final ManualScheduler control = new ManualScheduler();
  private final List<AttemptRecord> records = new ArrayList<>();
  private final Attempts attempts = new Attempts(control.ticker(), records::add);
  private final List<String> heard = new ArrayList<>();
  private List<Backend> backends;
  private LoadBalancer pool;
  private RetryPolicy policy;

  @BeforeEach
  void setUp() {
    backends = List.of(new Backend("a", "127.0.0.1", 9001, 1),
        new Backend("b", "127.0.0.1", 9002, 1), new Backend("c", "127.0.0.1", 9003, 1));
    for (Backend b : backends) {
      b.useOutcomeListener(new io.ballast.core.OutcomeListener() {
        @Override
        public void response(int status) {
          heard.add(b.name() + " " + status);
        }

        @Override
        public void localOriginFailure() {
          heard.add(b.name() + " local failure");
        }

        @Override
        public void localOriginSuccess() {
          heard.add(b.name() + " local success");
        }
      });
    }
    pool = new LoadBalancer("p", backends, Algorithm.ROUND_ROBIN,
        HealthSettings.PASSIVE_ONLY, control, Rng.THREAD_LOCAL, PoolListener.NONE);
    policy = new RetryPolicy(RetrySettings.DEFAULTS.withRetryableStatuses(Set.of(503, 409)),
        control.ticker());
  }

  private Backend begin(String method) {
    attempts.start(pool, policy, null, method, 0L, -1);
    return attempts.next();
  }

  @Test
  void aWholeAnswerEndsTheAttemptOnceInLoadAndGate() {
    Backend first = begin("GET");
    attempts.connected();
    attempts.sending();
    control.advance(Duration.ofMillis(7));
    assertThat(attempts.answered(200)).isFalse();
    control.advance(Duration.ofMillis(5));
    attempts.completed();

    assertThat(first.load().requests()).isEqualTo(1);
    assertThat(first.load().failures()).isZero();
    assertThat(first.load().inFlight()).isZero();
    assertThat(records).singleElement().hasToString(
        first.name() + " answered 200 load=success gate=success"
            + " outlier=local-origin success, response 200 retry=-");
    assertThat(heard).containsExactly(first.name() + " local success", first.name() + " 200");
    assertThat(attempts.count()).isEqualTo(1);
    assertThat(attempts.reached()).isSameAs(first);
    assertThat(attempts.reason()).isNull();
  }

  @Test
  void aRetryableStatusIsDroppedForAnotherBackendAndCountsAgainstTheFirst() {
    Backend first = begin("GET");
    attempts.connected();
    attempts.sending();
    assertThat(attempts.answered(503)).isTrue();
    Backend second = attempts.next();
    assertThat(second).isNotSameAs(first);
    attempts.connected();
    attempts.sending();
    assertThat(attempts.answered(200)).isFalse();
    attempts.completed();

    assertThat(first.load().failures()).isEqualTo(1);
    assertThat(second.load().failures()).isZero();
    assertThat(records).extracting(AttemptRecord::toString).containsExactly(
        first.name() + " answered 503 load=failure gate=failure"
            + " outlier=local-origin success, response 503 retry=retry_status",
        second.name() + " answered 200 load=success gate=success"
            + " outlier=local-origin success, response 200 retry=-");
    assertThat(attempts.lastDecision()).isEqualTo(RetryDecision.RETRY_STATUS);
    assertThat(attempts.backendsTried()).containsExactly(first, second);
  }

  @Test
  void a429CountsAgainstTheLoadOnlyAndIsRelayedUnlessConfigured() {
    Backend first = begin("GET");
    attempts.connected();
    attempts.sending();
    assertThat(attempts.answered(429)).isFalse();
    attempts.completed();
    assertThat(first.load().failures()).isEqualTo(1);
    assertThat(records).singleElement().hasToString(first.name() + " answered 429"
        + " load=failure gate=success outlier=local-origin success, response 429 retry=-");
  }

  @Test
  void aConfiguredStatusBelow500IsRetriedButIsNoFailureOfTheGate() {
    Backend first = begin("GET");
    attempts.connected();
    attempts.sending();
    assertThat(attempts.answered(409)).isTrue();
    assertThat(records).singleElement().hasToString(first.name() + " answered 409"
        + " load=success gate=success outlier=local-origin success, response 409"
        + " retry=retry_status");
  }

  @Test
  void aRetryableAnswerIsRelayedWhenNobodyElseCanTakeTheRetry() {
    for (Backend b : backends.subList(1, 3)) {
      pool.setAdminState(b, io.ballast.core.AdminState.MAINTENANCE, "test");
    }
    control.runAll();
    Backend only = begin("GET");
    assertThat(only).isSameAs(backends.get(0));
    attempts.connected();
    attempts.sending();
    assertThat(attempts.answered(503)).isFalse();
    attempts.completed();
    assertThat(records).singleElement().hasToString("a answered 503 load=failure gate=failure"
        + " outlier=local-origin success, response 503 retry=no_retry_no_backend");
  }

  @Test
  void aRefusedConnectTellsThePoolAndIsRetriedFreeOfTheBudget() {
    Backend first = begin("POST");
    assertThat(attempts.connectFailed("connect refused")).isTrue();
    control.runAll();
    assertThat(pool.available(first)).isFalse();
    Backend second = attempts.next();
    attempts.connected();
    attempts.sending();
    attempts.answered(200);
    attempts.completed();
    assertThat(records.get(0)).hasToString(first.name() + " connect_failed"
        + " load=- gate=failure outlier=local-origin failure retry=retry_not_sent");
    assertThat(second.load().requests()).isEqualTo(1);
    assertThat(first.load().requests()).isZero();
  }

  @Test
  void resetsAndTimeoutsAreFailuresEverywhereAndRetriedOnlyForReplayableRequests() {
    Backend first = begin("GET");
    attempts.connected();
    attempts.sending();
    assertThat(attempts.failed(AttemptFailure.PER_TRY_TIMEOUT, "no response")).isTrue();
    assertThat(attempts.failStatus()).isEqualTo(504);
    Backend second = attempts.next();
    attempts.connected();
    attempts.sending();
    assertThat(attempts.failed(AttemptFailure.RESET_AFTER_SENT, "closed")).isTrue();
    assertThat(attempts.failStatus()).isEqualTo(502);
    assertThat(records).extracting(AttemptRecord::toString).containsExactly(
        first.name() + " timeout load=failure gate=failure"
            + " outlier=local-origin success, local-origin failure retry=retry_per_try_timeout",
        second.name() + " reset_after_sent load=failure gate=failure"
            + " outlier=local-origin success, local-origin failure retry=retry_reset");

    records.clear();
    Backend post = begin("POST");
    attempts.connected();
    attempts.sending();
    assertThat(attempts.failed(AttemptFailure.RESET_AFTER_SENT, post.name() + ": closed"))
        .isFalse();
    assertThat(attempts.reason()).isEqualTo(post.name()
        + ": closed; not retried: method not retryable");
    assertThat(records).singleElement().extracting(AttemptRecord::decision)
        .isEqualTo(RetryDecision.NO_RETRY_NOT_IDEMPOTENT);
  }

  @Test
  void aRequestMarkedNotIdempotentIsRetriedOnlyWhileNoBackendGotIt() {
    Backend first = begin("GET");
    attempts.notIdempotent();
    assertThat(attempts.failed(AttemptFailure.RESET_BEFORE_SENT, "closed before")).isTrue();
    Backend second = attempts.next();
    attempts.connected();
    attempts.sending();
    assertThat(attempts.answered(503)).isFalse();
    attempts.completed();
    assertThat(records).extracting(AttemptRecord::decision).containsExactly(
        RetryDecision.RETRY_NOT_SENT, RetryDecision.NO_RETRY_NOT_IDEMPOTENT);
    assertThat(second).isNotSameAs(first);

    // The mark lasts one request: the next GET is retried after a reset as usual.
    records.clear();
    begin("GET");
    attempts.connected();
    attempts.sending();
    assertThat(attempts.failed(AttemptFailure.RESET_AFTER_SENT, "closed")).isTrue();
  }

  @Test
  void aGrpcStatusInTheTrailersJudgesTheAttemptOnceAtItsEnd() {
    Backend first = begin("POST");
    attempts.connected();
    attempts.sending();
    attempts.answeredUntilEnd(200);
    // Nothing heard of the response until its status is known.
    assertThat(heard).containsExactly(first.name() + " local success");
    attempts.completed(GrpcStatus.httpEquivalent(GrpcStatus.UNAVAILABLE));
    assertThat(heard).containsExactly(first.name() + " local success", first.name() + " 503");
    assertThat(first.load().failures()).isEqualTo(1);
    assertThat(records).singleElement().hasToString(first.name() + " answered 503"
        + " load=failure gate=failure outlier=local-origin success, response 503 retry=-");

    Backend second = begin("POST");
    attempts.connected();
    attempts.sending();
    attempts.answeredUntilEnd(200);
    attempts.completed(GrpcStatus.httpEquivalent(5)); // NOT_FOUND: the caller's business
    assertThat(second.load().failures()).isZero();
    assertThat(heard).endsWith(second.name() + " 404");

    // No status at the end: the head's judges, heard once.
    Backend third = begin("POST");
    attempts.connected();
    attempts.sending();
    attempts.answeredUntilEnd(200);
    attempts.completed();
    assertThat(heard).endsWith(third.name() + " local success", third.name() + " 200");
  }

  @Test
  void aGrpcCallIsRetriedOnARetryableStatusButNeverAfterAResetOnceSent() {
    Backend first = begin("POST");
    attempts.grpcCall();
    attempts.connected();
    attempts.sending();
    // UNAVAILABLE in a trailers-only answer: retried, although the method is POST.
    assertThat(attempts.answered(GrpcStatus.httpEquivalent(GrpcStatus.UNAVAILABLE))).isTrue();
    Backend second = attempts.next();
    assertThat(second).isNotSameAs(first);
    attempts.connected();
    attempts.sending();
    assertThat(attempts.failed(io.ballast.core.retry.AttemptFailure.RESET_AFTER_SENT,
        "reset")).isFalse();
    assertThat(attempts.lastDecision())
        .isEqualTo(io.ballast.core.retry.RetryDecision.NO_RETRY_NOT_IDEMPOTENT);

    // Not sent at all: retried as any request.
    Backend third = begin("POST");
    attempts.grpcCall();
    assertThat(attempts.connectFailed("connect refused")).isTrue();
    assertThat(attempts.next()).isNotSameAs(third);
  }

  @Test
  void grpcStatusesMapToTheirHttpEquivalentsAndBack() {
    assertThat(GrpcStatus.httpEquivalent(0)).isEqualTo(200);
    assertThat(GrpcStatus.httpEquivalent(14)).isEqualTo(503);
    assertThat(GrpcStatus.httpEquivalent(4)).isEqualTo(504);
    assertThat(GrpcStatus.httpEquivalent(8)).isEqualTo(429);
    assertThat(GrpcStatus.httpEquivalent(99)).isEqualTo(500);
    assertThat(GrpcStatus.ofHttp(503)).isEqualTo(14);
    assertThat(GrpcStatus.ofHttp(502)).isEqualTo(14);
    assertThat(GrpcStatus.ofHttp(504)).isEqualTo(4);
    assertThat(GrpcStatus.ofHttp(404)).isEqualTo(12);
    assertThat(GrpcStatus.name(14)).isEqualTo("UNAVAILABLE");
    assertThat(GrpcStatus.name(17)).isEqualTo("CODE_17");
    assertThat(GrpcStatus.parse("14")).isEqualTo(14);
    assertThat(GrpcStatus.parse("1x")).isEqualTo(-1);
    assertThat(GrpcStatus.parse("")).isEqualTo(-1);
    assertThat(GrpcStatus.parse(null)).isEqualTo(-1);
  }

  @Test
  void aStreamHoldsItsPlaceInTheLoadUntilItEndsAndLearnsOnlyItsConnectTime() {
    attempts.startStream(pool, policy, 0L, -1);
    Backend first = attempts.next();
    control.advance(Duration.ofMillis(3));
    attempts.connected();
    attempts.streamOpened();
    assertThat(first.load().inFlight()).isEqualTo(1);
    control.advance(Duration.ofMinutes(10));
    attempts.streamEnded();

    assertThat(first.load().inFlight()).isZero();
    assertThat(first.load().failures()).isZero();
    assertThat(first.load().latencyNanosTotal()).isEqualTo(Duration.ofMillis(3).toNanos());
    assertThat(records).singleElement().hasToString(first.name() + " stream_ended"
        + " load=success gate=success outlier=local-origin success retry=-");
    assertThat(attempts.reached()).isSameAs(first);
  }

  @Test
  void aStreamIsRetriedOnARefusedConnectOnlyAndABackendResetIsAFailure() {
    attempts.startStream(pool, policy, 0L, -1);
    Backend first = attempts.next();
    assertThat(attempts.connectFailed("connect refused")).isTrue();
    Backend second = attempts.next();
    assertThat(second).isNotSameAs(first);
    attempts.connected();
    attempts.streamOpened();
    attempts.broken("backend reset the connection");
    assertThat(second.load().failures()).isEqualTo(1);
    assertThat(records).extracting(AttemptRecord::toString).containsExactly(
        first.name() + " connect_failed load=- gate=failure outlier=local-origin failure"
            + " retry=retry_not_sent",
        second.name() + " broken_after_head load=failure gate=failure"
            + " outlier=local-origin success, local-origin failure retry=-");
    assertThat(records.get(0).decision()).isEqualTo(RetryDecision.RETRY_NOT_SENT);
  }

  @Test
  void aBreakAfterTheHeadIsAFailureAndNeverRetried() {
    Backend first = begin("GET");
    attempts.connected();
    attempts.sending();
    attempts.answered(200);
    attempts.broken("backend closed the connection mid-response");
    assertThat(first.load().failures()).isEqualTo(1);
    assertThat(records).singleElement().hasToString(first.name() + " broken_after_head 200"
        + " load=failure gate=failure outlier=local-origin success, response 200,"
        + " local-origin failure retry=-");
  }

  @Test
  void anAbandonedAttemptCountsOnlyWhatTheBackendSaidAndGivesItsPermitBack() {
    CircuitBreakerSettings settings = CircuitBreakerSettings.DEFAULTS.withMaxConcurrentRequests(1);
    for (Backend b : backends) {
      b.useGate(new CircuitBreaker(settings, control.ticker(), CircuitBreaker.Listener.NONE));
    }
    Backend first = begin("GET");
    attempts.connected();
    attempts.sending();
    attempts.abandoned();
    assertThat(first.load().failures()).isZero();
    assertThat(first.load().inFlight()).isZero();
    assertThat(((CircuitBreaker) first.gate()).counts().inFlight()).isZero();
    assertThat(((CircuitBreaker) first.gate()).counts().calls()).isZero();
    assertThat(records).singleElement().hasToString(first.name() + " abandoned"
        + " load=success gate=- outlier=local-origin success retry=-");
    attempts.abandoned();
    assertThat(records).hasSize(1);
  }

  @Test
  void aGateThatRefusesIsAnAttemptAndTheNextBackendIsTried() {
    CircuitBreakerSettings settings = CircuitBreakerSettings.DEFAULTS.withMaxConcurrentRequests(1);
    CircuitBreaker busy = new CircuitBreaker(settings, control.ticker(), CircuitBreaker.Listener.NONE);
    assertThat(busy.tryAcquire(false)).isTrue();
    for (Backend b : backends) {
      b.useGate(busy);
    }
    Backend none = begin("GET");
    assertThat(none).isNull();
    assertThat(attempts.failStatus()).isEqualTo(503);
    assertThat(attempts.count()).isEqualTo(3);
    assertThat(attempts.reason()).endsWith("refused locally: circuit closed, concurrency limit"
        + " reached; not retried: max attempts reached");
    assertThat(records).extracting(AttemptRecord::outcome)
        .containsOnly(AttemptOutcome.REFUSED_LOCALLY).hasSize(3);
    assertThat(busy.state()).isEqualTo(CircuitState.CLOSED);
  }

  @Test
  void anEmptyPoolAnswers503WithItsReason() {
    LoadBalancer empty = new LoadBalancer("e", List.of(), Algorithm.ROUND_ROBIN,
        HealthSettings.PASSIVE_ONLY, control, Rng.THREAD_LOCAL,
        PoolListener.NONE);
    attempts.start(empty, policy, null, "GET", 0L, -1);
    assertThat(attempts.next()).isNull();
    assertThat(attempts.failStatus()).isEqualTo(503);
    assertThat(attempts.reason()).isEqualTo("pool has no backends");
    assertThat(records).isEmpty();
  }
}
