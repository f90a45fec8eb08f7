package io.ballast.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ballast.proxy.client.Cidr;
import io.ballast.proxy.probe.StatusRange;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShutdownTest {

  @Test
  void stopAcceptingLetsInFlightRequestsFinish() throws Exception {
    try (ProxyFixture f = new ProxyFixture(1); Socket idle = f.socket()) {
      idle.getOutputStream().write("GET /name HTTP/1.1\r\nHost: x\r\n\r\n"
          .getBytes(StandardCharsets.ISO_8859_1));
      assertThat(ProxyFixture.readResponse(idle.getInputStream())).endsWith("b0");

      var slow = f.client.sendAsync(HttpRequest.newBuilder(f.uri("/delay/700")).build(),
          HttpResponse.BodyHandlers.ofString());
      await().until(() -> f.proxy.activeRequests() == 1);
      f.proxy.stopAccepting();

      // The idle keep-alive connection is closed once the grace has passed without a request;
      // new connections are refused.
      assertThat(idle.getInputStream().read()).isEqualTo(-1);
      assertThatThrownBy(() -> new Socket("127.0.0.1", f.address.getPort()).close())
          .isInstanceOf(ConnectException.class);

      assertThat(f.proxy.awaitDrained(Duration.ofSeconds(5))).isTrue();
      HttpResponse<String> r = slow.get();
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("b0");
      assertThat(r.headers().firstValue("connection")).hasValue("close");
    }
  }

  @Test
  void aConnectionAcceptedBeforeTheStopGetsItsFirstRequestAnswered() throws Exception {
    try (ProxyFixture f = new ProxyFixture(1); Socket fresh = f.socket()) {
      // The first bytes of a request: the connection is HTTP/1.1 and has no request head yet.
      fresh.getOutputStream().write("GET /na".getBytes(StandardCharsets.ISO_8859_1));
      await().until(() -> f.proxy.openConnections() == 1);
      f.proxy.stopAccepting();
      var drained = java.util.concurrent.CompletableFuture.supplyAsync(
          () -> f.proxy.awaitDrained(Duration.ofSeconds(10)));
      Thread.sleep(100);
      assertThat(drained).as("the stop waits for the request being sent").isNotDone();

      fresh.getOutputStream().write("me HTTP/1.1\r\nHost: x\r\n\r\n"
          .getBytes(StandardCharsets.ISO_8859_1));
      String response = ProxyFixture.readResponse(fresh.getInputStream());
      assertThat(response).startsWith("HTTP/1.1 200").containsIgnoringCase("connection: close")
          .endsWith("b0");
      assertThat(drained.get(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      assertThat(fresh.getInputStream().read()).isEqualTo(-1);
    }
  }

  @Test
  void aRequestThatCrossesTheDrainOnAnIdleKeepAliveConnectionIsAnswered() throws Exception {
    try (ProxyFixture f = new ProxyFixture(1); Socket kept = f.socket()) {
      byte[] request = "GET /name HTTP/1.1\r\nHost: x\r\n\r\n"
          .getBytes(StandardCharsets.ISO_8859_1);
      kept.getOutputStream().write(request);
      assertThat(ProxyFixture.readResponse(kept.getInputStream())).endsWith("b0");
      f.proxy.stopAccepting();
      // The client sends its next request as the drain begins: it is answered, and told to go.
      kept.getOutputStream().write(request);
      assertThat(ProxyFixture.readResponse(kept.getInputStream())).startsWith("HTTP/1.1 200")
          .containsIgnoringCase("connection: close").endsWith("b0");
      assertThat(kept.getInputStream().read()).isEqualTo(-1);
      assertThat(f.proxy.awaitDrained(Duration.ofSeconds(5))).isTrue();
    }
  }

  @Test
  void aSilentNewConnectionHoldsTheStopOnlyForTheGrace() throws Exception {
    try (ProxyFixture f = new ProxyFixture(1); Socket silent = f.socket()) {
      long t0 = System.nanoTime();
      f.proxy.stopAccepting();
      assertThat(f.proxy.awaitDrained(Duration.ofSeconds(10))).isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - t0))
          .isLessThan(ProxyServer.DRAIN_GRACE.plusSeconds(1));
    }
  }

  @Test
  void awaitDrainedGivesUpAfterTheTimeout() throws Exception {
    try (ProxyFixture f = new ProxyFixture(1)) {
      f.client.sendAsync(HttpRequest.newBuilder(f.uri("/delay/2000")).build(),
          HttpResponse.BodyHandlers.ofString());
      await().until(() -> f.proxy.activeRequests() == 1);
      f.proxy.stopAccepting();
      assertThat(f.proxy.awaitDrained(Duration.ofMillis(100))).isFalse();
    }
  }

  @Test
  void bindFailureNamesTheAddress() throws Exception {
    try (ProxyFixture f = new ProxyFixture(1);
        ProxyServer other = new ProxyServer(ProxySettings.defaults(), ProxyObserver.NONE, 1)) {
      assertThatThrownBy(() -> other.start(List.of(new ListenerSpec("dup",
          new InetSocketAddress("127.0.0.1", f.address.getPort()), f.pool))))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("127.0.0.1:" + f.address.getPort());
    }
  }

  @Test
  void settingsAreValidated() {
    assertThatThrownBy(() -> ProxySettings.defaults().withConnectTimeout(Duration.ZERO))
        .hasMessage("connectTimeout: PT0S (expected: > 0)");
    try (var control = new io.ballast.core.ControlLoop("test-control", t -> { })) {
      var pool = new io.ballast.core.pool.LoadBalancer("p", List.of(),
          io.ballast.core.pick.Algorithm.ROUND_ROBIN,
          io.ballast.core.pool.HealthSettings.PASSIVE_ONLY, control,
          io.ballast.core.Rng.THREAD_LOCAL, io.ballast.core.pool.PoolListener.NONE);
      assertThatThrownBy(() -> new ListenerSpec("x", new InetSocketAddress("127.0.0.1", 0),
          pool, null, null)).hasMessage("retry");
    }
    assertThatThrownBy(() -> Cidr.parse("10.0.0.0/33"))
        .hasMessageContaining("prefix length '33' (expected: 0..32)");
    assertThatThrownBy(() -> new StatusRange(500, 400)).hasMessage("to: 400 (expected: 500..599)");
  }
}
