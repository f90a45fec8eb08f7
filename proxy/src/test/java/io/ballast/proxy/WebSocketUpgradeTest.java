package io.ballast.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.core.retry.RetryDecision;
import io.ballast.core.retry.RetrySettings;
import io.ballast.proxy.tunnel.TunnelEnd;
import io.ballast.proxy.websocket.PythonWebSockets;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The upgrade itself, byte by byte through the real proxy with raw-socket clients: which requests
 * become tunnels and which stay HTTP (a declined upgrade, another protocol, an upgrade with a
 * body), what the client and the backend see of the handshake, a first frame sent before the 101,
 * half-closes passed on each way, a 101 to the wrong protocol, and retries that stop once the
 * handshake reached a backend.
 */
class WebSocketUpgradeTest {
  /** RFC 6455 section 1.3's sample key, and the accept value it gives. */
  private static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";
  private static final String ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
  private LeakWatch leaks;
  private final List<AutoCloseable> closeLast = new ArrayList<>();

  @BeforeEach
  void watchLeaks() {
    leaks = LeakWatch.install();
  }

  @AfterEach
  void tearDown() throws Exception {
    for (int i = closeLast.size() - 1; i >= 0; i--) {
      closeLast.get(i).close();
    }
    assertThat(leaks.leaks()).isEmpty();
  }

  private <T extends AutoCloseable> T later(T resource) {
    closeLast.add(resource);
    return resource;
  }

  static String handshake(String path, String... extraLines) {
    StringBuilder b = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: test\r\n"
        + "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
        + "Sec-WebSocket-Key: " + KEY + "\r\n");
    for (String line : extraLines) {
      b.append(line).append("\r\n");
    }
    return b.append("\r\n").toString();
  }

  private static ProxyFixture proxyFor(int... ports) {
    return ProxyFixture.inFrontOf(ProxySettings.defaults(), RetrySettings.DEFAULTS, ports);
  }

  @Test
  void theHandshakeCrossesWithItsUpgradeAndAFirstFrameSentEarlyArrives() throws Exception {
    PythonWebSockets.assumeInstalled();
    PythonWebSockets.Server server = later(PythonWebSockets.server("alpha"));
    ProxyFixture f = later(proxyFor(server.port()));
    try (RawClient c = new RawClient(f.address)) {
      // The client does not wait for the 101: its first frame (masked "hi") rides along.
      byte[] frame = {(byte) 0x81, (byte) 0x82, 1, 2, 3, 4, 'h' ^ 1, 'i' ^ 2};
      c.send(handshake("/echo") + new String(frame, StandardCharsets.ISO_8859_1));

      RawClient.Response r = c.readHead();
      assertThat(r.status()).isEqualTo(101);
      assertThat(r.header("upgrade")).isEqualToIgnoringCase("websocket");
      assertThat(r.header("connection")).isEqualToIgnoringCase("upgrade");
      assertThat(r.header("sec-websocket-accept")).isEqualTo(ACCEPT);
      assertThat(r.header("x-request-id")).isNotBlank();
      assertThat(r.headers()).doesNotContainKeys("content-length", "transfer-encoding");
      // The echo: an unmasked text frame "hi".
      assertThat(c.input().readNBytes(4)).containsExactly(0x81, 2, 'h', 'i');
    }
    await().untilAsserted(() -> assertThat(f.proxy.tunnels().open()).isZero());
    assertThat(f.logs.poll().status()).isEqualTo(101);
  }

  @Test
  void aDeclinedUpgradeIsAnHttpAnswerAndTheConnectionGoesOnInHttp() throws Exception {
    PythonWebSockets.assumeInstalled();
    PythonWebSockets.Server server = later(PythonWebSockets.server("picky"));
    ProxyFixture ws = later(proxyFor(server.port()));
    try (RawClient c = new RawClient(ws.address)) {
      c.send(handshake("/decline/400"));
      RawClient.Response r = c.read();
      assertThat(r.status()).isEqualTo(400);
      assertThat(r.body()).isEqualTo("declined by picky\n");
    }
    try (RawClient c = new RawClient(ws.address)) {
      c.send(handshake("/decline/200"));
      assertThat(c.read().body()).isEqualTo("declined by picky\n");
    }

    // A plain HTTP backend answers 200 and keeps the connection: a request pipelined behind
    // the upgrade, held back until the answer, is read as HTTP and answered after it.
    TestBackend http = later(new TestBackend("plain"));
    ProxyFixture f = later(proxyFor(http.port()));
    try (RawClient c = new RawClient(f.address)) {
      c.send(handshake("/name"));
      assertThat(c.read().body()).isEqualTo("plain");
      assertThat(http.lastHeaders).containsEntry("upgrade", "websocket")
          .containsEntry("connection", "upgrade").containsEntry("sec-websocket-key", KEY);

      c.send(handshake("/name"), "GET /echo HTTP/1.1\r\nHost: test\r\n\r\n");
      assertThat(c.read().body()).isEqualTo("plain");
      RawClient.Response second = c.read();
      assertThat(second.status()).isEqualTo(200);
      // /echo answers with the request's headers: the pipelined GET's own.
      assertThat(second.body()).contains("host: test").doesNotContain("upgrade");
    }
    assertThat(f.proxy.tunnels().open()).isZero();
  }

  @Test
  void otherProtocolsAndUpgradesWithABodyAreServedAsPlainHttp() throws Exception {
    TestBackend http = later(new TestBackend("plain"));
    ProxyFixture f = later(proxyFor(http.port()));
    try (RawClient c = new RawClient(f.address)) {
      // (h2c is taken by ballast itself: Http2ClientTest.)
      c.send("GET /echo HTTP/1.1\r\nHost: test\r\nConnection: Upgrade\r\n"
          + "Upgrade: TLS/1.2\r\n\r\n");
      RawClient.Response r = c.read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(http.lastHeaders).doesNotContainKeys("upgrade")
          .doesNotContainEntry("connection", "upgrade");

      c.send(handshake("/echo", "Content-Length: 5") + "hello");
      r = c.read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("x-body-size")).isEqualTo("5");
      assertThat(http.lastHeaders).doesNotContainKeys("upgrade")
          .doesNotContainEntry("connection", "upgrade");
    }
    await().untilAsserted(() ->
        assertThat(f.logs).extracting(RequestLog::status).containsExactly(200, 200));
  }

  @Test
  void halfClosesArePassedOnEachWay() throws Exception {
    List<String> seen = new CopyOnWriteArrayList<>();
    RawBackend backend = later(new RawBackend(s -> {
      readHead(s.getInputStream());
      s.getOutputStream().write(switching("websocket"));
      // Everything the client sends, up to its FIN.
      seen.add(new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1));
      s.getOutputStream().write("bye".getBytes(StandardCharsets.ISO_8859_1));
      s.close();
    }));
    ProxyFixture f = later(proxyFor(backend.port()));
    try (RawClient c = new RawClient(f.address)) {
      c.send(handshake("/raw"));
      assertThat(c.readHead().status()).isEqualTo(101);
      c.send("hello");
      c.shutdownOutput();
      assertThat(c.readToClose()).isEqualTo("bye");
    }
    assertThat(seen).containsExactly("hello");
    await().untilAsserted(() -> assertThat(f.tunnelEnds).containsExactly(TunnelEnd.CLIENT_CLOSED));
    RequestLog log = f.logs.poll();
    assertThat(log.bytesIn()).isEqualTo(5);
    assertThat(log.bytesOut()).isEqualTo(3);
  }

  @Test
  void a101ToAnotherProtocolIsABrokenBackend() throws Exception {
    RawBackend backend = later(new RawBackend(s -> {
      readHead(s.getInputStream());
      s.getOutputStream().write(switching("h2c"));
      s.getInputStream().readAllBytes();
    }));
    ProxyFixture f = later(proxyFor(backend.port()));
    try (RawClient c = new RawClient(f.address)) {
      c.send(handshake("/raw"));
      assertThat(c.read().status()).isEqualTo(502);
    }
    await().until(() -> !f.logs.isEmpty());
    assertThat(f.logs.poll().error()).contains("101 to 'h2c' for a websocket upgrade");
  }

  @Test
  void aHandshakeIsRetriedOnlyWhileNoBackendGotIt() throws Exception {
    PythonWebSockets.assumeInstalled();
    PythonWebSockets.Server server = later(PythonWebSockets.server("steady"));
    // One backend reads the handshake and hangs up: a GET would be retried, a handshake not.
    RawBackend hangsUp = later(new RawBackend(s -> {
      readHead(s.getInputStream());
      s.close();
    }));
    ProxyFixture f = later(proxyFor(hangsUp.port(), server.port()));
    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      try (RawClient c = new RawClient(f.address)) {
        c.send(handshake("/hold"));
        statuses.add(c.readHead().status());
      }
    }
    // Round robin alternates: two handshakes went to each backend first.
    assertThat(statuses).containsExactlyInAnyOrder(101, 101, 502, 502);
    await().untilAsserted(() -> assertThat(f.logs).hasSize(4));
    for (RequestLog log : f.logs) {
      assertThat(log.attempts()).isEqualTo(1);
      if (log.status() == 502) {
        assertThat(log.retry()).isEqualTo(RetryDecision.NO_RETRY_NOT_IDEMPOTENT);
      }
    }

    // A backend that refuses the connection never got the handshake: it goes to the other.
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    ProxyFixture g = later(proxyFor(closedPort, server.port()));
    for (int i = 0; i < 2; i++) {
      try (RawClient c = new RawClient(g.address)) {
        c.send(handshake("/hold"));
        assertThat(c.readHead().status()).isEqualTo(101);
      }
    }
    await().untilAsserted(() -> assertThat(g.logs).hasSize(2));
    assertThat(g.logs).extracting(RequestLog::attempts).containsExactlyInAnyOrder(1, 2);
  }

  private static byte[] switching(String protocol) {
    return ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: " + protocol
        + "\r\nConnection: Upgrade\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
  }

  private static void readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0) {
      head.write(c);
      byte[] b = head.toByteArray();
      int n = b.length;
      if (n >= 4 && b[n - 4] == '\r' && b[n - 3] == '\n' && b[n - 2] == '\r' && b[n - 1] == '\n') {
        return;
      }
    }
    throw new IOException("closed inside a request head");
  }

  /** A backend on a plain server socket: each connection runs the script on its own thread. */
  static final class RawBackend implements AutoCloseable {
    interface Script {
      void run(Socket s) throws IOException;
    }

    private final ServerSocket server;
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();

    RawBackend(Script script) throws IOException {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread acceptor = new Thread(() -> {
        while (!server.isClosed()) {
          try {
            Socket s = server.accept();
            accepted.add(s);
            Thread t = new Thread(() -> {
              try (s) {
                script.run(s);
              } catch (IOException ignored) {
                // The proxy closed the connection: the script's business ends there.
              }
            }, "raw-backend-conn");
            t.setDaemon(true);
            t.start();
          } catch (IOException e) {
            return;
          }
        }
      }, "raw-backend");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    int port() {
      return server.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      server.close();
      for (Socket s : accepted) {
        s.close();
      }
    }
  }
}
