package io.ballast.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.core.Backend;
import io.ballast.core.circuit.CircuitBreakerSettings;
import io.ballast.core.circuit.CircuitState;
import io.ballast.core.circuit.WindowType;
import io.ballast.core.pick.Algorithm;
import io.ballast.core.pool.HealthSettings;
import io.ballast.core.retry.RetrySettings;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Circuit breakers per backend through the real proxy and real backends. */
class CircuitTest {

  private static CircuitBreakerSettings settings(int window, int minimumCalls, Duration slowCall,
      double slowRate, Duration waitInOpen, int halfOpen, int maxConcurrent) {
    return new CircuitBreakerSettings(WindowType.COUNT, window, minimumCalls, 50, slowCall,
        slowRate, waitInOpen, halfOpen, maxConcurrent);
  }

  private static ProxyFixture fixture(CircuitBreakerSettings circuit, int backends) {
    int[] weights = new int[backends];
    java.util.Arrays.fill(weights, 1);
    return new ProxyFixture(ProxySettings.defaults(), Algorithm.ROUND_ROBIN,
        HealthSettings.PASSIVE_ONLY, RetrySettings.DEFAULTS, circuit, weights);
  }

  @Test
  void aFailingBackendsCircuitOpensTakesItOutAndClosesOnceItRecovers() throws Exception {
    CircuitBreakerSettings s = settings(10, 4, Duration.ofSeconds(5), 100,
        Duration.ofMillis(500), 2, 0);
    try (ProxyFixture f = fixture(s, 2)) {
      TestBackend bad = f.backends.get(0);
      Backend b0 = f.members.get(0);
      bad.failWith = 500;
      // 500 is not retried by default: the client sees the 500s until the circuit opens.
      int errors = 0;
      for (int i = 0; i < 20; i++) {
        errors += f.get("/name").statusCode() == 500 ? 1 : 0;
      }
      assertThat(f.circuits.breaker(b0).state()).isEqualTo(CircuitState.OPEN);
      await().atMost(Duration.ofSeconds(2)).until(() -> f.pool.circuitOpen(b0));
      // Four failures opened it; a request or two may have raced the picker's update.
      assertThat(errors).isBetween(4, 6);
      int seen = bad.requests.get();
      for (int i = 0; i < 5; i++) {
        HttpResponse<String> r = f.get("/name");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("b1");
      }
      assertThat(bad.requests.get()).isEqualTo(seen);

      // Recovered: after 500 ms the circuit lets two trial calls through, and they close it.
      bad.failWith = 0;
      await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).until(() -> {
        f.get("/name");
        return f.circuits.breaker(b0).state() == CircuitState.CLOSED;
      });
      await().atMost(Duration.ofSeconds(2)).until(() -> !f.pool.circuitOpen(b0));
      int before = bad.requests.get();
      for (int i = 0; i < 10; i++) {
        assertThat(f.get("/name").statusCode()).isEqualTo(200);
      }
      assertThat(bad.requests.get() - before).isEqualTo(5);
      assertThat(f.circuits.breaker(b0).counts().transitions()).isEqualTo(3);
    }
  }

  @Test
  void aSlowBackendsCircuitOpensOnTheSlowCallRate() throws Exception {
    CircuitBreakerSettings s = settings(10, 4, Duration.ofMillis(100), 50,
        Duration.ofSeconds(30), 2, 0);
    try (ProxyFixture f = fixture(s, 2)) {
      TestBackend slow = f.backends.get(0);
      slow.delayMillis = 300;
      for (int i = 0; i < 16; i++) {
        assertThat(f.get("/name").statusCode()).isEqualTo(200);
      }
      Backend b0 = f.members.get(0);
      assertThat(f.circuits.breaker(b0).state()).isEqualTo(CircuitState.OPEN);
      assertThat(f.circuits.breaker(b0).counts().slowCallRate()).isEqualTo(100f);
      assertThat(slow.requests.get()).isBetween(4, 6);
      long start = System.nanoTime();
      for (int i = 0; i < 10; i++) {
        assertThat(f.get("/name").body()).isEqualTo("b1");
      }
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(900));
    }
  }

  @Test
  void pastTheConcurrencyLimitARequestIsRefusedAtOnce() throws Exception {
    CircuitBreakerSettings s = settings(100, 100, Duration.ofSeconds(5), 100,
        Duration.ofSeconds(30), 10, 2);
    try (ProxyFixture f = fixture(s, 1)) {
      f.backends.get(0).delayMillis = 1000;
      List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        inFlight.add(f.client.sendAsync(HttpRequest.newBuilder(f.uri("/name")).build(),
            HttpResponse.BodyHandlers.ofString()));
      }
      Backend b0 = f.members.get(0);
      await().atMost(Duration.ofSeconds(3)).until(() -> b0.load().inFlight() == 2);
      long start = System.nanoTime();
      HttpResponse<String> refused = f.get("/name");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(500));
      assertThat(refused.statusCode()).isEqualTo(503);
      for (CompletableFuture<HttpResponse<String>> r : inFlight) {
        assertThat(r.get().statusCode()).isEqualTo(200);
      }
      await().until(() -> f.logs.size() == 3);
      RequestLog log = f.logs.stream().filter(l -> l.status() == 503).findFirst().orElseThrow();
      assertThat(log.error()).contains("concurrency limit reached");
      assertThat(log.backend()).isNull();
      assertThat(f.circuits.breaker(b0).counts().rejectedByConcurrency()).isEqualTo(3);
      assertThat(f.circuits.breaker(b0).counts().inFlight()).isZero();
      assertThat(f.backends.get(0).requests.get()).isEqualTo(2);
    }
  }
}
