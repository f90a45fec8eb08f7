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
import org.junit.jupiter.api.Test;

/**
 * auto probes a backend it shuns with copies of safe, bodiless requests sent beside them, so that
 * no client waits on a backend that is still slow; requests that cannot be copied (a POST) probe
 * in band, as before. Real backends on loopback: three serve in 3 ms, then b0 turns 100× slower.
 */
class AsideProbeTest {
  private static final long SLOW_MS = 300;

  /** What the clients saw in one stretch of traffic. */
  private record Seen(int fromB0, int slowFromB0, int total) {}

  @Test
  void aShunnedBackendIsProbedWithCopiesOfGetsAndNoClientWaitsOnIt() throws Exception {
    try (ProxyFixture f = fixture()) {
      TestBackend b0 = shunB0(f, "GET");
      int before = b0.requests.get();
      Seen seen = traffic(f, "GET", 6_000);
      int copies = b0.requests.get() - before - seen.fromB0();
      // About one copy a second (the next one a second after the last answer): 4 or 5 in 6 s.
      assertThat(copies).as("copies b0 got while shunned").isBetween(3, 7);
      assertThat(seen.fromB0()).as("client requests b0 served while shunned, of %d", seen.total())
          .isZero();
      // The copy is the request as its backend would get it: the Host is not marked.
      assertThat(b0.lastHeaders.get("host")).doesNotContain("-shadow");

      // Recovered: two quick copies restart b0's history and it competes again.
      b0.delayMillis = 3;
      traffic(f, "GET", 3_000);
      Seen after = traffic(f, "GET", 2_000);
      assertThat(after.fromB0()).as("client requests b0 served after it recovered, of %d",
          after.total()).isGreaterThan(after.total() / 6);
    }
  }

  @Test
  void aRequestThatCannotBeCopiedProbesInBandAsBefore() throws Exception {
    try (ProxyFixture f = fixture()) {
      shunB0(f, "POST");
      Seen seen = traffic(f, "POST", 6_000);
      // A POST is neither safe nor copied: the probe is the client's request itself.
      assertThat(seen.slowFromB0()).as("clients that waited on b0").isBetween(3, 7);
    }
  }

  /** Traffic of {@code method}; then b0 turns slow and auto learns it from what it sends b0. */
  private static TestBackend shunB0(ProxyFixture f, String method) throws Exception {
    TestBackend b0 = f.backends.get(0);
    traffic(f, method, 1_500);
    b0.delayMillis = SLOW_MS;
    traffic(f, method, 2_000);
    return b0;
  }

  private static ProxyFixture fixture() throws Exception {
    // No retries and no passive health: what each backend got is what auto chose.
    HealthSettings health = new HealthSettings(2, 1_000_000, false, Duration.ofSeconds(10));
    ProxyFixture f = new ProxyFixture(ProxySettings.defaults(), Algorithm.AUTO, health,
        RetrySettings.DEFAULTS.withMaxAttempts(1), null, 1, 1, 1);
    for (TestBackend b : f.backends) {
      b.delayMillis = 3;
    }
    return f;
  }

  /** Four clients in step for {@code millis}, each request {@code method} /name. */
  private static Seen traffic(ProxyFixture f, String method, long millis) throws Exception {
    int fromB0 = 0;
    int slowFromB0 = 0;
    int total = 0;
    long end = System.nanoTime() + millis * 1_000_000;
    String b0 = f.backends.get(0).name;
    while (System.nanoTime() < end) {
      List<CompletableFuture<HttpResponse<String>>> batch = new ArrayList<>();
      List<Long> sent = new ArrayList<>();
      for (int c = 0; c < 4; c++) {
        sent.add(System.nanoTime());
        batch.add(f.client.sendAsync(HttpRequest.newBuilder(f.uri("/name"))
                .method(method, HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString()));
      }
      for (int c = 0; c < batch.size(); c++) {
        HttpResponse<String> r = batch.get(c).get();
        long tookMs = (System.nanoTime() - sent.get(c)) / 1_000_000;
        assertThat(r.statusCode()).isEqualTo(200);
        total++;
        if (r.body().contains(b0)) {
          fromB0++;
          if (tookMs >= SLOW_MS) {
            slowFromB0++;
          }
        }
      }
    }
    return new Seen(fromB0, slowFromB0, total);
  }
}
