package io.ballast.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.core.retry.RetrySettings;
import io.ballast.proxy.tunnel.TunnelEnd;
import io.ballast.proxy.websocket.JdkWebSocketClient;
import io.ballast.proxy.websocket.PythonWebSockets;
import io.ballast.proxy.websocket.WebSocketFarewell;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * WebSockets through the real proxy between two implementations that are not ballast's: a
 * python3-websockets server as the backend, and the python3-websockets client or the JDK's
 * WebSocket client. What crosses the tunnel, how it holds a fast server back for a slow reader,
 * how it ends (a crashed backend, the idle timeout, shutdown with a close frame), and that
 * nothing leaks.
 */
class WebSocketTunnelTest {
  private static final long MIB = 1 << 20;
  private LeakWatch leaks;

  @BeforeEach
  void setUp() {
    PythonWebSockets.assumeInstalled();
    leaks = LeakWatch.install();
  }

  @AfterEach
  void noLeaks() {
    assertThat(leaks.leaks()).isEmpty();
  }

  private static ProxyFixture proxyFor(ProxySettings settings, int... ports) {
    return ProxyFixture.inFrontOf(settings, RetrySettings.DEFAULTS, ports);
  }

  /** Everything a tunnel held is gone: no tunnel, no request in flight, no backend connection. */
  private static void awaitAllClosed(ProxyFixture f) {
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      assertThat(f.proxy.tunnels().open()).isZero();
      assertThat(f.proxy.activeRequests()).isZero();
      assertThat(f.members.get(0).load().connections()).isZero();
    });
  }

  @Test
  void tenThousandMessagesEchoBetweenTwoForeignPeers() throws Exception {
    try (PythonWebSockets.Server server = PythonWebSockets.server("alpha");
        ProxyFixture f = proxyFor(ProxySettings.defaults(), server.port())) {
      String out = PythonWebSockets.client("echo", f.ws("/chat/echo").toString(), "10000");

      assertThat(out).isEqualTo("ok 10000");
      awaitAllClosed(f);
      RequestLog log = f.logs.poll();
      assertThat(log.status()).isEqualTo(101);
      assertThat(log.backend().name()).isEqualTo("b0");
      assertThat(log.attempts()).isEqualTo(1);
      assertThat(log.error()).isNull();
      // "message 0" .. "message 9999" are 118,890 bytes each way before the peers' compression
      // (permessage-deflate), in frames with 6 (masked, from the client) or 2 bytes of header.
      assertThat(log.bytesIn()).isBetween(6 * 10_000L, 118_890L + 6 * 10_000 + 64);
      assertThat(log.bytesOut()).isBetween(2 * 10_000L, 118_890L + 2 * 10_000 + 64);
      assertThat(f.tunnelEnds).hasSize(1).first()
          .isIn(TunnelEnd.BACKEND_CLOSED, TunnelEnd.CLIENT_CLOSED);
      // The backend's connection was never pooled: nothing is left to serve another request.
      assertThat(f.proxy.activeRequests()).isZero();
    }
  }

  @Test
  void fiftyMegabytesReachASlowReaderWholeWhileTheProxyHoldsLittle() throws Exception {
    long size = 50 * MIB;
    try (PythonWebSockets.Server server = PythonWebSockets.server("streamer");
        ProxyFixture f = proxyFor(ProxySettings.defaults(), server.port());
        // 25 MiB/s: the server sends several times faster, so the proxy must hold it back.
        JdkWebSocketClient client = JdkWebSocketClient.open(f.ws("/stream/" + size), 25 * MIB)) {
      AtomicLong sampled = new AtomicLong();
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(2)).until(() -> {
        sampled.accumulateAndGet(f.proxy.tunnels().bufferedBytes(), Math::max);
        return !client.texts.isEmpty();
      });
      long peak = Math.max(sampled.get(), f.proxy.tunnels().peakBufferedBytes());

      assertThat(client.texts.poll())
          .isEqualTo("sha256:" + client.binarySha256() + " bytes:" + size);
      assertThat(client.binaryBytes()).isEqualTo(size);
      // The client's side filled up (its socket buffers are full, the proxy's write buffer went
      // past its 64 KiB high-water mark) and the proxy stopped reading the server: it never
      // held more than that mark and one read.
      assertThat(peak).isGreaterThan(64 * 1024).isLessThan(256 * 1024);
      JdkWebSocketClient.End end = client.ended.get(10, TimeUnit.SECONDS);
      assertThat(end.code()).isEqualTo(1000);
      awaitAllClosed(f);
      assertThat(f.logs.poll().bytesOut()).isGreaterThan(size);
    }
  }

  @Test
  void aBackendKilledMidStreamClosesTheClientAndTheNextTunnelWorks() throws Exception {
    PythonWebSockets.Server server = PythonWebSockets.server("doomed");
    int port = server.port();
    // The client is python's websockets, which reads to the end: the JDK's client sometimes
    // left its socket in CLOSE-WAIT after ballast passed the backend's FIN on, and never
    // reported an end.
    try (ProxyFixture f = proxyFor(ProxySettings.defaults(), port);
        PythonWebSockets.Drain client = PythonWebSockets.drain(f.ws("/stream/forever").toString(),
            MIB)) {
      client.awaitMark();

      server.kill();

      // Generous: on a loaded machine (CI runs two JVMs on two cores) the tunnel may be paused
      // for the client when the backend dies, and the end is read once the client drains.
      String end = client.awaitEnd(Duration.ofSeconds(20));
      // No close frame came: the connection just ended.
      assertThat(end).startsWith("end bytes=").endsWith(" code=1006");
      awaitAllClosed(f);
      assertThat(f.tunnelEnds).hasSize(1).first()
          .isIn(TunnelEnd.BACKEND_CLOSED, TunnelEnd.BACKEND_RESET);
      RequestLog log = f.logs.poll();
      assertThat(log.status()).isEqualTo(101);
      assertThat(log.bytesOut()).isGreaterThan(MIB);

      try (PythonWebSockets.Server again = PythonWebSockets.server("reborn", port)) {
        assertThat(PythonWebSockets.client("echo", f.ws("/echo").toString(), "100"))
            .isEqualTo("ok 100");
      }
      awaitAllClosed(f);
    } finally {
      server.close();
    }
  }

  @Test
  void aQuietTunnelClosesAfterTheTunnelIdleTimeout() throws Exception {
    ProxySettings settings = ProxySettings.defaults().withTunnelIdleTimeout(Duration.ofMillis(300));
    try (PythonWebSockets.Server server = PythonWebSockets.server("quiet");
        ProxyFixture f = proxyFor(settings, server.port());
        JdkWebSocketClient client = JdkWebSocketClient.open(f.ws("/hold"), 0)) {
      long start = System.nanoTime();
      JdkWebSocketClient.End end = client.ended.get(5, TimeUnit.SECONDS);

      assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(250_000_000L);
      assertThat(end.code()).isIn(-1, 1006);
      awaitAllClosed(f);
      assertThat(f.tunnelEnds).containsExactly(TunnelEnd.IDLE_TIMEOUT);
      assertThat(f.logs.poll().error()).isEqualTo("tunnel idle timeout");
    }
  }

  @Test
  void shutdownSendsGoingAwayAfterTheDrainTimeout() throws Exception {
    try (PythonWebSockets.Server server = PythonWebSockets.server("calm");
        ProxyFixture f = proxyFor(ProxySettings.defaults(), server.port());
        JdkWebSocketClient client = JdkWebSocketClient.open(f.ws("/hold"), 0)) {
      await().until(() -> f.proxy.tunnels().open() == 1);

      f.proxy.stopAccepting();
      // The tunnel counts as a request in flight: the drain waits for it, until its timeout.
      assertThat(f.proxy.awaitDrained(Duration.ofMillis(200))).isFalse();
      assertThat(client.ended).isNotDone();
      f.proxy.close();

      JdkWebSocketClient.End end = client.ended.get(5, TimeUnit.SECONDS);
      assertThat(end.code()).isEqualTo(WebSocketFarewell.GOING_AWAY);
      assertThat(end.reason()).isEqualTo("server shutting down");
      assertThat(f.tunnelEnds).containsExactly(TunnelEnd.SHUTDOWN);
    }
  }

  @Test
  void shutdownMidStreamPutsTheCloseFrameBetweenFrames() throws Exception {
    try (PythonWebSockets.Server server = PythonWebSockets.server("busy");
        ProxyFixture f = proxyFor(ProxySettings.defaults(), server.port());
        JdkWebSocketClient client = JdkWebSocketClient.open(f.ws("/stream/forever"), 0)) {
      await().atMost(Duration.ofSeconds(10)).until(() -> client.binaryBytes() > MIB);

      f.proxy.close();

      // Frames of 64 KiB keep coming: the close frame lands between two of them, or the JDK
      // client would fail on a broken frame instead of reporting a clean close.
      JdkWebSocketClient.End end = client.ended.get(5, TimeUnit.SECONDS);
      assertThat(end.error()).isNull();
      assertThat(end.code()).isEqualTo(WebSocketFarewell.GOING_AWAY);
      assertThat(f.tunnelEnds).containsExactly(TunnelEnd.SHUTDOWN);
    }
  }
}
