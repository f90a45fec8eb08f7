package io.ballast.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.core.Backend;
import io.ballast.core.pick.Algorithm;
import io.ballast.core.pool.HealthSettings;
import io.ballast.core.retry.RetryBudgetSettings;
import io.ballast.core.retry.RetryDecision;
import io.ballast.core.retry.RetrySettings;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Retries through the real proxy and real backends: which failures move to another backend,
 * which do not, body replay, per-try timeouts and the retry budget.
 */
class RetryTest {

  private static ProxyFixture fixture(RetrySettings retries, int backends) {
    int[] weights = new int[backends];
    java.util.Arrays.fill(weights, 1);
    return new ProxyFixture(ProxySettings.defaults(), Algorithm.ROUND_ROBIN,
        HealthSettings.PASSIVE_ONLY, retries, null, weights);
  }

  private static List<RequestLog> awaitLogs(ProxyFixture f, int n) {
    await().atMost(Duration.ofSeconds(5)).until(() -> f.logs.size() >= n);
    return List.copyOf(f.logs);
  }

  @Test
  void an503OfAnIdempotentRequestIsRetriedOnAnotherBackendOverTheSameConnection()
      throws Exception {
    try (ProxyFixture f = fixture(RetrySettings.DEFAULTS, 2)) {
      TestBackend bad = f.backends.get(0);
      bad.failWith = 503;
      for (int i = 0; i < 10; i++) {
        HttpResponse<String> r = f.get("/name");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("b1");
      }
      List<RequestLog> logs = awaitLogs(f, 10);
      Backend b0 = f.members.get(0);
      Backend b1 = f.members.get(1);
      List<RequestLog> retried = logs.stream().filter(l -> l.attempts() == 2).toList();
      assertThat(retried).hasSize(bad.requests.get()).isNotEmpty().allSatisfy(l -> {
        assertThat(l.backendsTried()).containsExactly(b0, b1);
        assertThat(l.retry()).isEqualTo(RetryDecision.RETRY_STATUS);
        assertThat(l.backend()).isEqualTo(b1);
        assertThat(l.status()).isEqualTo(200);
      });
      assertThat(f.retry.counters().count(RetryDecision.RETRY_STATUS)).isEqualTo(retried.size());
      // The dropped 503 was read to its end and its connection went back to the pool.
      assertThat(bad.connections.get()).isEqualTo(1);
      assertThat(b0.load().failures()).isEqualTo(retried.size());
      assertThat(b0.load().inFlight()).isZero();
      assertThat(b1.load().inFlight()).isZero();
    }
  }

  @Test
  void aBackendKilledUnderSteadyLoadCostsNoGet() throws Exception {
    try (ProxyFixture f = fixture(RetrySettings.DEFAULTS, 3)) {
      AtomicInteger ok = new AtomicInteger();
      List<String> failures = new CopyOnWriteArrayList<>();
      long end = System.nanoTime() + Duration.ofMillis(2500).toNanos();
      ExecutorService clients = Executors.newFixedThreadPool(8);
      try {
        List<Future<?>> running = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
          running.add(clients.submit(() -> {
            // Each request spends 20 ms in the backend, so some are always in flight on b2.
            while (System.nanoTime() < end) {
              try {
                HttpResponse<String> r = f.get("/delay/20");
                if (r.statusCode() == 200) {
                  ok.incrementAndGet();
                } else {
                  failures.add(r.statusCode() + " " + r.body());
                }
              } catch (Exception e) {
                failures.add(e.toString());
              }
            }
            return null;
          }));
        }
        Thread.sleep(800);
        f.backends.get(2).close(); // listener and every connection closed: a crash
        for (Future<?> r : running) {
          r.get();
        }
      } finally {
        clients.shutdownNow();
      }
      assertThat(failures).isEmpty();
      assertThat(ok.get()).isGreaterThan(300);
      // The kill cut requests in flight on b2 (retried after a reset) or refused new connects
      // (retried as never sent); every one of them was answered by another backend.
      await().atMost(Duration.ofSeconds(5)).until(() -> f.logs.size() == ok.get());
      assertThat(f.logs).anySatisfy(l -> assertThat(l.retry())
          .isIn(RetryDecision.RETRY_RESET, RetryDecision.RETRY_NOT_SENT));
      assertThat(f.logs).filteredOn(l -> l.retry() != null)
          .allSatisfy(l -> assertThat(l.backend()).isNotEqualTo(f.members.get(2)));
    }
  }

  @Test
  void noBackendIsTriedTwiceForAStatusAndTheLastAnswerIsRelayed() throws Exception {
    try (ProxyFixture f = fixture(RetrySettings.DEFAULTS, 2)) {
      f.backends.forEach(b -> b.failWith = 503);
      HttpResponse<String> r = f.get("/name");
      assertThat(r.statusCode()).isEqualTo(503);
      RequestLog log = awaitLogs(f, 1).get(0);
      assertThat(log.attempts()).isEqualTo(2);
      assertThat(log.backendsTried()).containsExactlyInAnyOrderElementsOf(f.members);
      assertThat(r.body()).isEqualTo(log.backend().name());
      assertThat(log.retry()).isEqualTo(RetryDecision.NO_RETRY_NO_BACKEND);
      assertThat(f.backends.stream().mapToInt(b -> b.requests.get()).sum()).isEqualTo(2);
    }
  }

  @Test
  void aPostThatReachedABackendIsNotRetried() throws Exception {
    try (ProxyFixture f = fixture(RetrySettings.DEFAULTS, 2)) {
      f.backends.forEach(b -> b.failWith = 503);
      HttpResponse<String> r = f.client.send(HttpRequest.newBuilder(f.uri("/orders"))
          .POST(HttpRequest.BodyPublishers.ofString("{\"id\":1}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(503);
      f.backends.forEach(b -> {
        b.failWith = 0;
        b.closeEverything = true;
      });
      HttpResponse<String> reset = f.client.send(HttpRequest.newBuilder(f.uri("/orders"))
          .POST(HttpRequest.BodyPublishers.ofString("{\"id\":2}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(reset.statusCode()).isEqualTo(502);
      List<RequestLog> logs = awaitLogs(f, 2);
      assertThat(logs).allSatisfy(l -> {
        assertThat(l.attempts()).isEqualTo(1);
        assertThat(l.retry()).isEqualTo(RetryDecision.NO_RETRY_NOT_IDEMPOTENT);
      });
      assertThat(logs.get(1).error()).contains("closed the connection")
          .endsWith("not retried: method not retryable");
      assertThat(f.backends.stream().mapToInt(b -> b.requests.get()).sum()).isEqualTo(2);
    }
  }

  @Test
  void configuredMethodsAreRetriedWithTheWholeBodyReplayed() throws Exception {
    RetrySettings settings = RetrySettings.DEFAULTS.withRetryableMethods(Set.of("POST"));
    try (ProxyFixture f = fixture(settings, 2)) {
      TestBackend bad = f.backends.get(0);
      bad.failWith = 503;
      byte[] body = new byte[20_000];
      for (int i = 0; i < body.length; i++) {
        body[i] = (byte) (i * 31);
      }
      String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
      for (int i = 0; i < 4; i++) {
        // Fixed length on even requests, chunked (unknown length) on odd ones.
        HttpRequest.BodyPublisher publisher = i % 2 == 0
            ? HttpRequest.BodyPublishers.ofByteArray(body)
            : HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body));
        HttpResponse<String> r = f.client.send(
            HttpRequest.newBuilder(f.uri("/echo")).POST(publisher).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-body-sha256")).hasValue(sha);
        assertThat(r.headers().firstValue("x-body-size")).hasValue("20000");
      }
      // Round robin: a retry's pick moves the cursor too, so most requests try b0 first. It got
      // the same whole body each time before it answered 503.
      assertThat(bad.requests.get()).isBetween(3, 4);
      assertThat(bad.lastBodySha256).isEqualTo(sha);
      assertThat(awaitLogs(f, 4)).filteredOn(l -> l.attempts() == 2).hasSize(bad.requests.get())
          .allSatisfy(l -> assertThat(l.retry()).isEqualTo(RetryDecision.RETRY_STATUS));
    }
  }

  @Test
  void aBodyLargerThanTheReplayBufferIsNotRetriedOnceSent() throws Exception {
    RetrySettings settings = RetrySettings.DEFAULTS.withMaxBufferedBody(1024);
    try (ProxyFixture f = fixture(settings, 2)) {
      f.backends.get(0).failWith = 503;
      byte[] body = new byte[100_000];
      int refused = 0;
      for (int i = 0; i < 4; i++) {
        HttpResponse<String> r = f.client.send(HttpRequest.newBuilder(f.uri("/echo"))
            .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 503) {
          refused++;
        } else {
          assertThat(r.statusCode()).isEqualTo(200);
          assertThat(r.headers().firstValue("x-body-size")).hasValue("100000");
        }
      }
      assertThat(refused).isEqualTo(2);
      assertThat(awaitLogs(f, 4)).filteredOn(l -> l.status() == 503).hasSize(2)
          .allSatisfy(l -> {
            assertThat(l.attempts()).isEqualTo(1);
            assertThat(l.retry()).isEqualTo(RetryDecision.NO_RETRY_BODY_NOT_BUFFERED);
          });
    }
  }

  @Test
  void aPerTryTimeoutMovesASlowAttemptToAnotherBackend() throws Exception {
    RetrySettings settings =
        RetrySettings.DEFAULTS.withTimeouts(Duration.ofMillis(200), Duration.ofSeconds(30));
    try (ProxyFixture f = fixture(settings, 2)) {
      TestBackend slow = f.backends.get(0);
      slow.delayMillis = 3000;
      long start = System.nanoTime();
      for (int i = 0; i < 4; i++) {
        HttpResponse<String> r = f.get("/name");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("b1");
      }
      // Those that tried the slow backend first waited 200 ms on it, none waited its 3 s.
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2500));
      int timedOut = slow.requests.get();
      assertThat(timedOut).isBetween(3, 4);
      assertThat(awaitLogs(f, 4)).filteredOn(l -> l.attempts() == 2).hasSize(timedOut)
          .allSatisfy(l -> assertThat(l.retry()).isEqualTo(RetryDecision.RETRY_PER_TRY_TIMEOUT));
      assertThat(f.members.get(0).load().failures()).isEqualTo(timedOut);
    }
  }

  @Test
  void aRequestThatNeverReachedABackendIsRetriedFreeOfTheBudget() throws Exception {
    // A budget that allows no retry at all: refused connects still move, even for a POST.
    RetrySettings settings = RetrySettings.DEFAULTS
        .withBudget(new RetryBudgetSettings(true, 0, 0, Duration.ofSeconds(10)));
    try (ProxyFixture f = fixture(settings, 2)) {
      f.backends.get(0).close();
      for (int i = 0; i < 4; i++) {
        HttpResponse<String> r = f.client.send(HttpRequest.newBuilder(f.uri("/name"))
            .POST(HttpRequest.BodyPublishers.ofString("x")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("b1");
      }
      assertThat(awaitLogs(f, 4)).anySatisfy(l -> {
        assertThat(l.attempts()).isEqualTo(2);
        assertThat(l.retry()).isEqualTo(RetryDecision.RETRY_NOT_SENT);
      });
      assertThat(f.retry.counters().count(RetryDecision.NO_RETRY_BUDGET_EXHAUSTED)).isZero();
    }
  }

  @Test
  void theBudgetCapsRetriesWhenEveryBackendFails() throws Exception {
    // 10% of requests, no floor: 100 requests to a pool that only answers 503 may make about
    // ten retries, where unbudgeted they would make 100 (one per request with 2 backends).
    RetrySettings settings = RetrySettings.DEFAULTS
        .withBudget(new RetryBudgetSettings(true, 10, 0, Duration.ofSeconds(60)));
    try (ProxyFixture f = fixture(settings, 2)) {
      f.backends.forEach(b -> b.failWith = 503);
      for (int i = 0; i < 100; i++) {
        assertThat(f.get("/name").statusCode()).isEqualTo(503);
      }
      long retries = f.retry.counters().count(RetryDecision.RETRY_STATUS);
      assertThat(retries).isBetween(5L, 11L);
      // Each request not retried was stopped by the budget (a retried one may be stopped again
      // after its second 503).
      assertThat(f.retry.counters().count(RetryDecision.NO_RETRY_BUDGET_EXHAUSTED))
          .isBetween(100 - retries, 100L);
      assertThat(f.backends.stream().mapToInt(b -> b.requests.get()).sum())
          .isEqualTo(100 + (int) retries);
      assertThat(awaitLogs(f, 100)).filteredOn(l -> l.attempts() == 1)
          .allSatisfy(l -> assertThat(l.retry()).isEqualTo(RetryDecision.NO_RETRY_BUDGET_EXHAUSTED));
    }
  }

  @Test
  void retriesOffAnswersWithTheFirstFailure() throws Exception {
    try (ProxyFixture f = fixture(RetrySettings.DEFAULTS.withMaxAttempts(1), 2)) {
      f.backends.get(0).failWith = 502;
      f.backends.get(1).failWith = 502;
      assertThat(f.get("/name").statusCode()).isEqualTo(502);
      assertThat(f.backends.stream().mapToInt(b -> b.requests.get()).sum()).isEqualTo(1);
      RequestLog log = awaitLogs(f, 1).get(0);
      assertThat(log.retry()).isEqualTo(RetryDecision.NO_RETRY_MAX_ATTEMPTS);
      assertThat(log.error()).isNull();
    }
  }
}
