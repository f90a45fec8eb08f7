package io.ballast.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.core.retry.RetrySettings;
import io.ballast.proxy.routing.PoolRef;
import io.ballast.proxy.routing.RouteSpec;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A route's request body limit through the real proxy, HTTP/1.1, with a backend that records
 * every byte it gets: a Content-Length over the limit is refused before any backend is picked
 * (413, Connection: close, and the client gets the 413 whole while it is still sending); a
 * chunked body that grows past it is cut as it does, and the backend never sees a complete
 * request; the bytes over the limit are never read as a next request; a response already begun
 * is cut; nothing is retried.
 */
class BodyLimitTest {
  private static final int LIMIT = 1000;
  private RecordingBackend backend;
  private RecordingBackend second;
  private ProxyFixture f;

  private void start(int... ports) {
    f = ProxyFixture.inFrontOf(ProxySettings.defaults(), RetrySettings.DEFAULTS, ports);
    f.proxy.listener("main").replaceRoutes(List.of(RouteSpec.toPool("default",
        new PoolRef(f.pool, f.retry, null, null)).withMaxRequestBody(LIMIT)));
  }

  @AfterEach
  void stop() throws Exception {
    if (f != null) {
      f.close();
    }
    for (RecordingBackend b : new RecordingBackend[] {backend, second}) {
      if (b != null) {
        b.close();
      }
    }
  }

  private static String post(int length, String extra) {
    return "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: " + length + "\r\n" + extra + "\r\n";
  }

  private static String chunk(int n, char c) {
    return Integer.toHexString(n) + "\r\n" + String.valueOf(c).repeat(n) + "\r\n";
  }


  @Test
  void aContentLengthOverTheLimitIs413BeforeAnyBackendAndTheBodyIsNeverARequest()
      throws Exception {
    backend = new RecordingBackend();
    start(backend.port());
    // Within the limit: forwarded whole.
    assertThat(f.raw(post(LIMIT, "Connection: close\r\n") + "a".repeat(LIMIT)))
        .startsWith("HTTP/1.1 200");
    // Over it, with a request hidden in the body: refused, and the body never parsed.
    String hidden = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
    String answer = f.raw(post(LIMIT + 1, "") + hidden + "b".repeat(LIMIT + 1 - hidden.length()));
    assertThat(answer).startsWith("HTTP/1.1 413 ").contains("connection: close")
        .doesNotContain("HTTP/1.1 200");
    assertThat(backend.received).hasSize(1);
    assertThat(backend.received.get(0).request().complete()).isTrue();
    assertThat(backend.received.get(0).request().body()).hasSize(LIMIT);
    await().until(() -> f.refusals.contains("413 request body too large"));
    assertThat(f.logs).filteredOn(l -> l.status() == 413).singleElement()
        .satisfies(l -> assertThat(l.error())
            .isEqualTo("request body larger than the route's limit of 1000 bytes"));
  }

  @Test
  void aClientThatKeepsSendingStillGetsThe413() throws Exception {
    backend = new RecordingBackend();
    start(backend.port());
    // The JDK client writes all of a large body while ballast has answered and closes: the
    // lingering close lets it read the 413 rather than a reset.
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    byte[] big = new byte[4 << 20];
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(f.uri("/up"))
          .timeout(Duration.ofSeconds(10))
          .POST(HttpRequest.BodyPublishers.ofByteArray(big)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(413);
    }
    assertThat(backend.received).isEmpty();
  }

  @Test
  void aChunkedBodyThatGrowsPastTheLimitIsCutAndTheBackendNeverSeesItWhole() throws Exception {
    backend = new RecordingBackend();
    second = new RecordingBackend();
    start(backend.port(), second.port());
    try (Socket s = f.socket()) {
      ProxyFixture.send(s, "POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
          + chunk(600, 'a'));
      // The first part went on its way to a backend.
      await().until(() -> !backend.settled() || !second.settled());
      ProxyFixture.send(s, chunk(600, 'b') + "0\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n");
      String answer = ProxyFixture.readToClose(s.getInputStream());
      assertThat(answer).startsWith("HTTP/1.1 413 ").contains("connection: close")
          .doesNotContain("HTTP/1.1 200");
    }
    // One backend got the beginning and then its connection closed; nothing was retried, and
    // the bytes after the limit (a whole request among them) reached no one.
    await().until(() -> backend.settled() && second.settled()
        && backend.received.size() + second.received.size() == 1);
    RecordingBackend got = backend.received.isEmpty() ? second : backend;
    assertThat(got.received.get(0).request().complete()).isFalse();
    assertThat(got.received.get(0).request().body().length).isLessThanOrEqualTo(LIMIT);
    assertThat(f.refusals).contains("413 request body too large");
  }

  @Test
  void aResponseAlreadyBegunIsCutWhenTheBodyPassesTheLimit() throws Exception {
    // A backend that answers as soon as it has the head, and reads on.
    try (ServerSocket eager = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
      Thread t = new Thread(() -> {
        try (Socket c = eager.accept()) {
          InputStream in = c.getInputStream();
          StringBuilder head = new StringBuilder();
          while (!head.toString().endsWith("\r\n\r\n")) {
            head.append((char) in.read());
          }
          c.getOutputStream().write(("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
              + "5\r\nhello\r\n").getBytes(StandardCharsets.ISO_8859_1));
          c.getOutputStream().flush();
          while (in.read() >= 0) {
            // read until ballast closes
          }
        } catch (Exception e) {
          // the test's end
        }
      }, "eager-backend");
      t.setDaemon(true);
      t.start();
      start(eager.getLocalPort());
      try (Socket s = f.socket()) {
        ProxyFixture.send(s, "POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            + chunk(600, 'a'));
        InputStream in = s.getInputStream();
        byte[] first = new byte[64];
        int n = in.read(first);
        assertThat(new String(first, 0, n, StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 200");
        ProxyFixture.send(s, chunk(600, 'b'));
        String all = new String(first, 0, n, StandardCharsets.ISO_8859_1)
            + ProxyFixture.readToClose(in);
        // Cut: no 413 (the client has a 200 already), and no last chunk after the one sent.
        assertThat(all).contains("hello\r\n").doesNotContain("413")
            .doesNotContain("hello\r\n0\r\n\r\n");
      }
      t.join(5000);
    }
    String cut = "request body larger than the route's limit of 1000 bytes";
    await().until(() -> f.logs.stream().anyMatch(l -> cut.equals(l.error()) && l.status() == 200));
  }
}
