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

      // The idle keep-alive connection is closed at once; new connections are refused.
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
