package io.ballast.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.core.Backend;
import io.ballast.core.ControlLoop;
import io.ballast.core.HealthState;
import io.ballast.core.Rng;
import io.ballast.core.pick.Algorithm;
import io.ballast.core.pool.HealthSettings;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.pool.PoolListener;
import io.ballast.core.retry.RetryDecision;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

/** Timeouts, refused connections, broken backends and idle clients. */
class FailureTest {

  @Test
  void slowBackendGets504AndOthersAreNotBlocked() throws Exception {
    ProxySettings s = ProxySettings.defaults().withResponseTimeout(Duration.ofMillis(300));
    try (ProxyFixture f = new ProxyFixture(s, Algorithm.ROUND_ROBIN,
        HealthSettings.PASSIVE_ONLY, 1)) {
      var slow = f.client.sendAsync(java.net.http.HttpRequest.newBuilder(f.uri("/delay/5000"))
          .build(), HttpResponse.BodyHandlers.ofString());
      // Meanwhile fast requests go through.
      for (int i = 0; i < 5; i++) {
        assertThat(f.get("/name").statusCode()).isEqualTo(200);
      }
      HttpResponse<String> r = slow.get();
      assertThat(r.statusCode()).isEqualTo(504);
      await().until(() -> f.logs.stream().anyMatch(l -> l.status() == 504));
      assertThat(f.members.get(0).load().failures()).isEqualTo(1);
      assertThat(f.members.get(0).load().inFlight()).isZero();
    }
  }

  /**
   * One connection keeps one response timer across its requests: a timer armed by an earlier
   * request must neither cut a later request short nor keep a later one from timing out.
   */
  @Test
  void eachRequestOnAKeptAliveConnectionGetsItsOwnResponseTimeout() throws Exception {
    ProxySettings s = ProxySettings.defaults().withResponseTimeout(Duration.ofMillis(600));
    try (ProxyFixture f = new ProxyFixture(s, Algorithm.ROUND_ROBIN,
        HealthSettings.PASSIVE_ONLY, 1);
        Socket c = f.socket()) {
      var out = c.getOutputStream();
      var in = c.getInputStream();
      // The second request is still waiting when the timer armed by the first comes due.
      for (int i = 0; i < 2; i++) {
        out.write("GET /delay/400 HTTP/1.1\r\nHost: x\r\n\r\n"
            .getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        assertThat(ProxyFixture.readResponse(in)).startsWith("HTTP/1.1 200");
      }
      long start = System.nanoTime();
      out.write("GET /delay/3000 HTTP/1.1\r\nHost: x\r\n\r\n"
          .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      assertThat(ProxyFixture.readResponse(in)).startsWith("HTTP/1.1 504");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(
          Duration.ofMillis(600));
      await().until(() -> f.logs.size() == 3);
      assertThat(f.logs).extracting(RequestLog::status).containsExactly(200, 200, 504);
    }
  }

  @Test
  void refusedConnectionFailsOverAndMarksTheBackendDown() throws Exception {
    int deadPort;
    try (ServerSocket ss = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      deadPort = ss.getLocalPort();
    }
    TestBackend live = new TestBackend("live");
    ControlLoop control = new ControlLoop("test-control", Throwable::printStackTrace);
    Backend dead = new Backend("dead", "127.0.0.1", deadPort, 1);
    Backend alive = new Backend("live", "127.0.0.1", live.port(), 1);
    LoadBalancer pool = new LoadBalancer("web", List.of(dead, alive), Algorithm.ROUND_ROBIN,
        HealthSettings.PASSIVE_ONLY, control, Rng.seeded(1),
        PoolListener.NONE);
    ConcurrentLinkedQueue<RequestLog> logs = new ConcurrentLinkedQueue<>();
    try (ProxyServer proxy = new ProxyServer(ProxySettings.defaults(), new ProxyObserver() {
      @Override
      public void onRequestComplete(RequestLog log) {
        logs.add(log);
      }
    }, 1)) {
      InetSocketAddress a = proxy.start(List.of(new ListenerSpec("main",
          new InetSocketAddress("127.0.0.1", 0), pool))).get(0);
      var client = java.net.http.HttpClient.newHttpClient();
      for (int i = 0; i < 4; i++) {
        HttpResponse<String> r = client.send(java.net.http.HttpRequest.newBuilder(
            java.net.URI.create("http://127.0.0.1:" + a.getPort() + "/name")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("live");
      }
      await().until(() -> pool.health(dead) == HealthState.UNHEALTHY);
      assertThat(logs).anyMatch(l -> l.attempts() == 2 && l.backend() == alive);
      assertThat(dead.load().inFlight()).isZero();
    } finally {
      live.close();
      control.close();
    }
  }

  @Test
  void allBackendsDownGives503WithRetryAfter() throws Exception {
    try (ProxyFixture f = new ProxyFixture(1, 1)) {
      for (TestBackend b : f.backends) {
        b.close();
      }
      HttpResponse<String> r = f.get("/name");
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.headers().firstValue("retry-after")).hasValue("1");
      assertThat(r.body()).isEqualTo("no backend available\n");
      await().until(() -> f.members.stream().allMatch(m -> !f.pool.available(m)));
      HttpResponse<String> again = f.get("/name");
      assertThat(again.statusCode()).isEqualTo(503);
      await().until(() -> f.logs.size() == 2);
      assertThat(f.logs).allMatch(l -> l.status() == 503 && l.error() != null);
    }
  }

  @Test
  void backendClosingBeforeAResponseGives502() throws Exception {
    try (ProxyFixture f = new ProxyFixture(1)) {
      // A broken connection is tried again on a new one (the only backend, so the same one),
      // up to the default three attempts.
      assertThat(f.get("/close").statusCode()).isEqualTo(502);
      assertThat(f.get("/garbage").statusCode()).isEqualTo(502);
      assertThat(f.get("/name").statusCode()).isEqualTo(200);
      assertThat(f.members.get(0).load().failures()).isEqualTo(6);
      await().until(() -> f.logs.size() == 3);
      assertThat(f.logs).filteredOn(l -> l.status() == 502).hasSize(2).allSatisfy(l -> {
        assertThat(l.attempts()).isEqualTo(3);
        assertThat(l.retry()).isEqualTo(RetryDecision.NO_RETRY_MAX_ATTEMPTS);
        assertThat(l.error()).endsWith("; not retried: max attempts reached");
      });
    }
  }

  @Test
  void backendBreakingMidResponseTruncatesTheClientResponse() throws Exception {
    try (ProxyFixture f = new ProxyFixture(1)) {
      String r = f.raw("GET /partial HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(r).startsWith("HTTP/1.1 200").contains("content-length: 1000")
          .endsWith("0123456789");
      await().until(() -> f.logs.size() == 1);
      assertThat(f.logs.peek().error()).contains("mid-response");
    }
  }

  @Test
  void backend5xxIsRelayedAndCountedAsFailure() throws Exception {
    try (ProxyFixture f = new ProxyFixture(1)) {
      assertThat(f.get("/status/503").statusCode()).isEqualTo(503);
      assertThat(f.members.get(0).load().failures()).isEqualTo(1);
    }
  }

  @Test
  void idleAndStalledClientsAreClosed() throws Exception {
    ProxySettings s = ProxySettings.defaults().withClientIdleTimeout(Duration.ofMillis(300));
    try (ProxyFixture f = new ProxyFixture(s, Algorithm.ROUND_ROBIN,
        HealthSettings.PASSIVE_ONLY, 1)) {
      try (Socket idle = f.socket()) {
        idle.getOutputStream().write("GET /name HTTP/1.1\r\nHost: x\r\n\r\n"
            .getBytes(StandardCharsets.ISO_8859_1));
        assertThat(ProxyFixture.readResponse(idle.getInputStream())).endsWith("b0");
        assertThat(idle.getInputStream().read()).isEqualTo(-1);
      }
      try (Socket stalled = f.socket()) {
        stalled.getOutputStream().write("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"
            .getBytes(StandardCharsets.ISO_8859_1));
        ProxyFixture.readToClose(stalled.getInputStream());
      }
      await().until(() -> f.proxy.openConnections() == 0 && f.proxy.activeRequests() == 0);
    }
  }
}
