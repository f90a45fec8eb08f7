package io.ballast.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.core.pick.Algorithm;
import io.ballast.core.pool.HealthSettings;
import io.ballast.core.retry.RetrySettings;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The trap every latency-aware balancer must avoid: a backend that refuses work quickly (429,
 * 503) answers faster than one that serves it, and must not draw the traffic for it. Real
 * backends on loopback: b0 refuses at once, b1 serves in 5 ms; without retries the refusals
 * reach the client, so what each backend received is what the picker chose.
 */
class FastFailureTrapTest {

  @ParameterizedTest(name = "{0} with a backend answering {1} at once")
  @CsvSource({"AUTO, 429", "AUTO, 503", "PEAK_EWMA, 429", "PEAK_EWMA, 503"})
  void aBackendThatRefusesFastDoesNotAttractTraffic(Algorithm algorithm, int status)
      throws Exception {
    RetrySettings noRetries = RetrySettings.DEFAULTS.withMaxAttempts(1);
    // Passive health would take a 503 backend out on its own; this test is about the picker.
    HealthSettings health = new HealthSettings(
        2, 1_000_000, false, Duration.ofSeconds(10));
    try (ProxyFixture f = new ProxyFixture(ProxySettings.defaults(), algorithm, health,
        noRetries, null, 1, 1)) {
      TestBackend refusing = f.backends.get(0);
      TestBackend serving = f.backends.get(1);
      refusing.failWith = status;
      serving.delayMillis = 5;
      int total = 0;
      int refused = 0;
      // Four clients in step, 100 rounds: enough for each picker to learn both backends.
      for (int round = 0; round < 100; round++) {
        List<CompletableFuture<HttpResponse<String>>> batch = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
          batch.add(f.client.sendAsync(HttpRequest.newBuilder(f.uri("/name"))
              .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> r : batch) {
          int code = r.get().statusCode();
          total++;
          if (code == status) {
            refused++;
          } else {
            assertThat(code).isEqualTo(200);
          }
        }
      }
      // auto may also probe the refusing backend with copies of these GETs (nobody waits for
      // them), which reach it as requests and fail as the clients' would.
      long copies = copiesSent(f);
      assertThat(refusing.requests.get() + serving.requests.get()).isEqualTo(total + copies);
      // Fast refusals counted as successes drew 60-90% of the requests to b0; counted as
      // failures they keep it to the probes a picker sends to see whether it recovered.
      assertThat(refused).as("requests the refusing backend got, of %d", total)
          .isLessThan(total / 4);
      assertThat(f.members.get(0).load().failures()).isEqualTo(refused + copies);
    }
  }

  /**
   * A backend that fails instantly on some paths only (a broken dependency behind
   * /orders/...) and serves the rest: auto sees backends, not paths, so to it b0 is a backend
   * with an error rate equal to those paths' share of what it gets, priced as such (30 %
   * errors: 10× the cost), and its instant answers do not draw traffic. Three backends serving
   * in 3 ms, 30 % of the requests on the failing path, no retries.
   */
  @org.junit.jupiter.api.Test
  void aBackendFailingOnlySomePathsFastIsPricedByItsShareOfErrors() throws Exception {
    RetrySettings noRetries = RetrySettings.DEFAULTS.withMaxAttempts(1);
    HealthSettings health = new HealthSettings(
        2, 1_000_000, false, Duration.ofSeconds(10));
    try (ProxyFixture f = new ProxyFixture(ProxySettings.defaults(), Algorithm.AUTO, health,
        noRetries, null, 1, 1, 1)) {
      for (TestBackend b : f.backends) {
        b.delayMillis = 3;
      }
      TestBackend broken = f.backends.get(0);
      broken.failPrefix = "/orders/";
      broken.failWith = 500;
      int total = 0;
      int failed = 0;
      for (int round = 0; round < 150; round++) {
        List<CompletableFuture<HttpResponse<String>>> batch = new ArrayList<>();
        List<Boolean> orders = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
          boolean order = (round * 4 + c) % 10 < 3;
          orders.add(order);
          batch.add(f.client.sendAsync(HttpRequest.newBuilder(
                  f.uri(order ? "/orders/" + round : "/name"))
              .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (int c = 0; c < batch.size(); c++) {
          HttpResponse<String> r = batch.get(c).get();
          total++;
          if (r.statusCode() == 500) {
            // Only b0, and only on the failing path.
            assertThat(orders.get(c)).isTrue();
            assertThat(r.body()).contains(broken.name);
            failed++;
          } else {
            assertThat(r.statusCode()).isEqualTo(200);
          }
        }
      }
      long toBroken = broken.requests.get();
      // auto may also probe b0 with copies of these GETs, which nobody waits for.
      long copies = copiesSent(f);
      assertThat(toBroken + f.backends.get(1).requests.get() + f.backends.get(2).requests.get())
          .isEqualTo(total + copies);
      // A fair third would be 200 of 600; priced by its ~30 % errors b0 keeps well under it
      // (measured: 12; least request, which does not price errors, gave it 200), and the two
      // sound backends share the rest.
      assertThat(toBroken).as("requests b0 got, of %d", total).isLessThan(total / 6);
      assertThat(f.backends.get(1).requests.get()).isGreaterThan(total / 4);
      assertThat(f.backends.get(2).requests.get()).isGreaterThan(total / 4);
      assertThat(f.members.get(0).load().failures()).isBetween((long) failed, failed + copies);
    }
  }

  /** Copies auto sent to probe shunned backends beside the clients' GETs, ended or not. */
  private static long copiesSent(ProxyFixture f) throws InterruptedException {
    // A copy is counted when it is sent; give those in flight a moment to reach the backend.
    Thread.sleep(200);
    return f.proxy.asideProbes().stats().stream().mapToLong(e -> e.getValue().sent()).sum();
  }
}
