package io.ballast.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.core.pick.Algorithm;
import io.ballast.core.pool.HealthSettings;
import io.ballast.core.retry.RetrySettings;
import io.ballast.proxy.ProxySettings.ClientLimits;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A request body's pace through the real proxy (HTTP/1.1), with a body timeout of 1 s and a
 * minimum of 1000 bytes/s: a body that trickles below the rate or stops gets 408 and the close,
 * and its backend never sees it whole; a body that keeps the pace, a gRPC call's messages, and a
 * body held back by the backend's own backpressure are served.
 */
class BodyPaceTest {
  private static final ClientLimits LIMITS =
      new ClientLimits(Duration.ofSeconds(10), 100, Duration.ofSeconds(1), 1000);

  private static ProxyFixture proxy() {
    return new ProxyFixture(ProxySettings.defaults().withClientLimits(LIMITS),
        Algorithm.ROUND_ROBIN, HealthSettings.PASSIVE_ONLY, 1);
  }


  /** Sends {@code piece} every {@code everyMillis} until the proxy answers; the answer. */
  private static String trickle(Socket s, String piece, long everyMillis, int most)
      throws Exception {
    for (int i = 0; i < most; i++) {
      try {
        ProxyFixture.send(s, piece);
      } catch (java.io.IOException e) {
        break;
      }
      if (s.getInputStream().available() > 0) {
        break;
      }
      Thread.sleep(everyMillis);
    }
    return ProxyFixture.readToClose(s.getInputStream());
  }

  @Test
  void aBodyBelowTheMinimumRateGets408AndNeverReachesTheBackendWhole() throws Exception {
    try (ProxyFixture f = proxy(); Socket s = f.socket()) {
      ProxyFixture.send(s, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n");
      long began = System.nanoTime();
      // 50 bytes every 200 ms: 250 bytes/s.
      String answer = trickle(s, "a".repeat(50), 200, 50);
      assertThat(answer).startsWith("HTTP/1.1 408 ").contains("connection: close");
      assertThat(Duration.ofNanos(System.nanoTime() - began))
          .isBetween(Duration.ofMillis(900), Duration.ofSeconds(3));
      await().until(() -> f.refusals.contains("408 request body below the minimum rate"));
      assertThat(f.backends.get(0).lastBodySize).isEqualTo(-1);
      assertThat(f.logs).filteredOn(l -> l.status() == 408).singleElement()
          .satisfies(l -> assertThat(l.error()).matches(
              "request body at \\d+ bytes/s, below the minimum rate of 1000 bytes/s"));
    }
  }

  @Test
  void aBodyThatStopsGets408AfterTheBodyTimeout() throws Exception {
    try (ProxyFixture f = proxy(); Socket s = f.socket()) {
      ProxyFixture.send(s, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + "a".repeat(10));
      long began = System.nanoTime();
      String answer = ProxyFixture.readToClose(s.getInputStream());
      assertThat(answer).startsWith("HTTP/1.1 408 ");
      assertThat(Duration.ofNanos(System.nanoTime() - began))
          .isBetween(Duration.ofMillis(900), Duration.ofSeconds(3));
      await().until(() -> f.refusals.contains(
          "408 request body not received within the request body timeout"));
      assertThat(f.backends.get(0).lastBodySize).isEqualTo(-1);
    }
  }

  @Test
  void aBodyAtPaceAndAGrpcCallsSlowMessagesAreServed() throws Exception {
    try (ProxyFixture f = proxy()) {
      try (Socket s = f.socket()) {
        ProxyFixture.send(s, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 30000\r\n\r\n");
        // 2000 bytes every 100 ms for 1.5 s.
        for (int i = 0; i < 15; i++) {
          ProxyFixture.send(s, "b".repeat(2000));
          Thread.sleep(100);
        }
        assertThat(ProxyFixture.readResponse(s.getInputStream())).startsWith("HTTP/1.1 200")
            .contains("x-body-size: 30000");
      }
      try (Socket s = f.socket()) {
        // A gRPC call's messages come at its application's pace: 50 bytes every 200 ms.
        ProxyFixture.send(s, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/grpc\r\n"
            + "Content-Length: 500\r\n\r\n");
        for (int i = 0; i < 10; i++) {
          ProxyFixture.send(s, "c".repeat(50));
          Thread.sleep(200);
        }
        assertThat(ProxyFixture.readResponse(s.getInputStream())).startsWith("HTTP/1.1 200");
      }
    }
  }

  @Test
  void aBodyHeldBackByTheBackendIsNotTheClientsFault() throws Exception {
    // A backend that reads a request's head, then nothing for 2.5 s (its socket buffers fill and
    // ballast stops reading the client), then the rest.
    int size = 24 << 20;
    try (ServerSocket slow = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
      Thread t = new Thread(() -> {
        try (Socket c = slow.accept()) {
          c.setReceiveBufferSize(64 * 1024);
          InputStream in = c.getInputStream();
          StringBuilder head = new StringBuilder();
          while (!head.toString().endsWith("\r\n\r\n")) {
            head.append((char) in.read());
          }
          Thread.sleep(2500);
          long left = size;
          byte[] buf = new byte[65536];
          int n;
          while (left > 0 && (n = in.read(buf, 0, (int) Math.min(buf.length, left))) > 0) {
            left -= n;
          }
          c.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
              .getBytes(StandardCharsets.ISO_8859_1));
          c.getOutputStream().flush();
          Thread.sleep(500);
        } catch (Exception e) {
          // the test's end
        }
      }, "slow-reader");
      t.setDaemon(true);
      t.start();
      try (ProxyFixture f = ProxyFixture.inFrontOf(ProxySettings.defaults()
          .withClientLimits(LIMITS), RetrySettings.DEFAULTS, slow.getLocalPort())) {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(f.uri("/up"))
            .timeout(Duration.ofSeconds(20))
            .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[size])).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(f.refusals).isEmpty();
      }
    }
  }
}
