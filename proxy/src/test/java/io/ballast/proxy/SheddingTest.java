package io.ballast.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.core.Backend;
import io.ballast.core.ControlLoop;
import io.ballast.core.Rng;
import io.ballast.core.Ticker;
import io.ballast.core.pick.Algorithm;
import io.ballast.core.pool.HealthSettings;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.pool.PoolListener;
import io.ballast.core.retry.RetryPolicy;
import io.ballast.core.retry.RetrySettings;
import io.ballast.core.shed.ConcurrencyLimiter;
import io.ballast.core.shed.Priority;
import io.ballast.proxy.routing.PoolRef;
import io.ballast.proxy.shed.Shedding;
import io.ballast.proxy.upstream.BackendProtocol;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a client gets when its pool sheds it, through the real proxy: the limiter is held at a
 * known state (limit 2 with one place taken: critical requests still fit, default and sheddable
 * ones do not), so every answer is exact.
 */
class SheddingTest {
  private final ControlLoop control = new ControlLoop("test-control", Throwable::printStackTrace);
  private final ConcurrentLinkedQueue<RequestLog> logs = new ConcurrentLinkedQueue<>();
  private final HttpClient client = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).build();
  private final ConcurrencyLimiter limiter = new ConcurrencyLimiter("web", 2);
  private TestBackend backend;
  private ProxyServer proxy;
  private InetSocketAddress address;

  @BeforeEach
  void start() {
    backend = new TestBackend("b0");
    LoadBalancer pool = new LoadBalancer("web",
        List.of(new Backend("b0", "127.0.0.1", backend.port(), 1)), Algorithm.ROUND_ROBIN,
        HealthSettings.PASSIVE_ONLY, control, Rng.seeded(7), PoolListener.NONE);
    proxy = new ProxyServer(ProxySettings.defaults(), new ProxyObserver() {
      @Override
      public void onRequestComplete(RequestLog log) {
        logs.add(log);
      }
    }, 1);
    Shedding shedding = new Shedding(limiter, AsciiString.cached("x-priority"),
        Map.of("never-matched", Priority.SHEDDABLE));
    PoolRef ref = new PoolRef(pool, new RetryPolicy(RetrySettings.DEFAULTS, Ticker.SYSTEM), null,
        null, null, null, null, BackendProtocol.HTTP1, shedding);
    address = proxy.start(List.of(new ListenerSpec("main",
        new InetSocketAddress("127.0.0.1", 0), ref))).get(0);
    assertThat(limiter.tryAcquire(Priority.CRITICAL)).as("the place the test holds").isTrue();
  }

  @AfterEach
  void stop() {
    proxy.close();
    backend.close();
    control.close();
  }

  private HttpResponse<String> get(String priority) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + address.getPort() + "/name"))
        .timeout(Duration.ofSeconds(10));
    if (priority != null) {
      b.header("X-Priority", priority);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aRefusedRequestIsA503WithRetryAfterAndALogLineAndReachesNoBackend() throws Exception {
    HttpResponse<String> r = get("sheddable");
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
    assertThat(get(null).statusCode()).as("no header: default").isEqualTo(503);
    assertThat(get("urgent").statusCode()).as("an unknown class: default").isEqualTo(503);
    assertThat(backend.requests.get()).isZero();
    assertThat(limiter.refused(Priority.SHEDDABLE)).isEqualTo(1);
    assertThat(limiter.refused(Priority.DEFAULT)).isEqualTo(2);
    await().atMost(Duration.ofSeconds(5)).until(() -> logs.size() == 3);
    RequestLog log = logs.peek();
    assertThat(log.status()).isEqualTo(503);
    assertThat(log.pool()).isEqualTo("web");
    assertThat(log.error()).isEqualTo(
        "shed: pool web at its concurrency limit (sheddable below 1 in flight, limit 2)");
  }

  @Test
  void aCriticalRequestStillFitsAndGivesItsPlaceBack() throws Exception {
    HttpResponse<String> r = get("Critical");
    assertThat(r.statusCode()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(5)).until(() -> limiter.inFlight() == 1);
    assertThat(limiter.completed()).isEqualTo(1);
    assertThat(get("critical").statusCode()).isEqualTo(200);
  }

  @Test
  void aRefusedGrpcCallIsATrailersOnlyUnavailable() throws Exception {
    try (RawH2 raw = new RawH2(address)) {
      raw.preface();
      Http2Headers call = RawH2.post("/ballast.test.Echo/Unary")
          .add("content-type", "application/grpc").add("te", "trailers")
          .add("x-priority", "sheddable");
      raw.headers(1, call, false);
      raw.data(1, new byte[] {0, 0, 0, 0, 0}, true);
      RawH2.Frame head = raw.await(RawH2.HEADERS, 1);
      assertThat(head.status()).isEqualTo("200");
      assertThat((head.flags() & RawH2.END_STREAM)).as("trailers-only").isNotZero();
      assertThat(head.headers().get("grpc-status")).hasToString("14"); // UNAVAILABLE
    }
    assertThat(backend.requests.get()).isZero();
  }
}
