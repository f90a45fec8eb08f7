package io.ballast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ballast.server.config.ConfigLoader;
import io.ballast.server.testing.Calls;
import io.ballast.server.testing.H2TestBackend;
import io.ballast.server.testing.YamlBallast;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/2 to backends through the real proxy, against a real HTTP/2 backend (Netty's frame codec,
 * h2c): requests multiplexed as streams over few connections, bodies both ways under flow
 * control, trailers relayed to an HTTP/1.1 client, the stream limit (the pool's and the
 * backend's), a GOAWAY that leaves a stream unprocessed (retried as never sent), and a backend
 * that dies before or during its answer.
 */
class Http2BackendEndToEndTest {
  @TempDir Path dir;
  private H2TestBackend backend;
  private Ballast ballast;
  private final Calls calls = new Calls(null);
  private final HttpClient client = calls.client();

  @AfterEach
  void tearDown() throws Exception {
    if (ballast != null) {
      ballast.stop();
    }
    if (backend != null) {
      backend.close();
    }
  }

  private void start(String poolExtra) throws Exception {
    ballast = YamlBallast.start(dir, "[{address: \"127.0.0.1:" + backend.port() + "\"}]",
        "protocol: h2c\n" + poolExtra, "admin: {enabled: false}");
    calls.to(ballast);
  }


  /** {@code n} concurrent GETs of {@code path}; the connections (x-conn) that served them. */
  private Set<String> concurrently(int n, String path) {
    List<CompletableFuture<HttpResponse<String>>> pending = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      pending.add(client.sendAsync(HttpRequest.newBuilder(URI.create(calls.url(0, path)))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()));
    }
    Set<String> connections = new HashSet<>();
    for (CompletableFuture<HttpResponse<String>> c : pending) {
      HttpResponse<String> r = c.join();
      assertThat(r.statusCode()).isEqualTo(200);
      connections.add(r.headers().firstValue("x-conn").orElseThrow());
    }
    return connections;
  }

  private String accessLog() throws IOException {
    return Files.readString(dir.resolve("access.log"));
  }

  @Test
  void getAndPostWithTenMegabyteBodiesBothWays() throws Exception {
    backend = new H2TestBackend("a", null);
    start("");
    HttpResponse<String> r = calls.get("/hello");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("h2 a");
    assertThat(r.headers().firstValue("x-scheme")).hasValue("http");
    assertThat(r.headers().firstValue("x-path")).hasValue("/hello");
    assertThat(r.headers().firstValue("x-http2-stream-id")).isEmpty();

    byte[] body = new byte[10 * 1024 * 1024];
    new Random(7).nextBytes(body);
    HttpResponse<byte[]> echo = client.send(HttpRequest.newBuilder(
        URI.create(calls.url(0, "/echo")))
        .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(echo.statusCode()).isEqualTo(200);
    assertThat(echo.body()).isEqualTo(body);
    // Both requests went over one connection, as streams.
    assertThat(backend.connections()).isEqualTo(1);
  }

  @Test
  void trailersReachAnHttp11ChunkedClient() throws Exception {
    backend = new H2TestBackend("a", null);
    start("");
    try (Socket s = new Socket("127.0.0.1", ballast.proxyAddresses().get(0).getPort())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write("GET /trailers HTTP/1.1\r\nHost: x\r\nTE: trailers\r\nConnection: close\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String response = new String(readAll(s.getInputStream()), StandardCharsets.US_ASCII);
      assertThat(response.toLowerCase()).contains("transfer-encoding: chunked");
      assertThat(response).contains("5\r\nhello\r\n");
      assertThat(response.toLowerCase()).containsPattern("\r\n0\r\nx-trailer: done\r\n\r\n$");
    }
  }

  private static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    in.transferTo(b);
    return b.toByteArray();
  }

  @Test
  void concurrentRequestsAreMultiplexedOverOneConnection() throws Exception {
    backend = new H2TestBackend("a", null);
    start("");
    assertThat(concurrently(30, "/slow?ms=300")).hasSize(1);
    assertThat(backend.connections()).isEqualTo(1);
  }

  @Test
  void thePoolsStreamLimitOpensMoreConnections() throws Exception {
    backend = new H2TestBackend("a", null);
    start("max_streams_per_connection: 10");
    Set<String> used = concurrently(30, "/slow?ms=500");
    assertThat(used.size()).isGreaterThanOrEqualTo(3);
    assertThat(backend.connections()).isBetween(3, 29);
  }

  @Test
  void theBackendsStreamLimitOpensMoreConnections() throws Exception {
    backend = new H2TestBackend("a", 4L);
    start("");
    Set<String> used = concurrently(12, "/slow?ms=500");
    assertThat(used.size()).isGreaterThanOrEqualTo(3);
    assertThat(backend.connections()).isBetween(3, 11);
  }

  @Test
  void aStreamLeftOutByGoAwayIsRetriedOnANewConnection() throws Exception {
    backend = new H2TestBackend("a", null);
    start("");
    backend.goAwayOnSecondStream(true);
    // /slow is the connection's first stream; the second request comes while it is answered,
    // on the same connection, and the backend refuses it with GOAWAY.
    CompletableFuture<HttpResponse<String>> slow = client.sendAsync(HttpRequest.newBuilder(
        URI.create(calls.url(0, "/slow?ms=700"))).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    Thread.sleep(200);
    HttpResponse<String> second = calls.get("/second");
    assertThat(second.statusCode()).isEqualTo(200);
    HttpResponse<String> first = slow.join();
    // The stream in flight finished on the old connection; the refused one went to a new one.
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.body()).isEqualTo("slow a");
    assertThat(second.headers().firstValue("x-conn")).isNotEqualTo(
        first.headers().firstValue("x-conn"));
    assertThat(backend.connections()).isEqualTo(2);
    // Retried as never sent: the second attempt is the one that served it.
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(accessLog()).containsPattern("\"url\":\"/second\".*\"attempts\":2"));
  }

  @Test
  void mirroredCopiesGoToAnH2cShadowPool() throws Exception {
    backend = new H2TestBackend("a", null);
    try (H2TestBackend shadow = new H2TestBackend("shadow", null)) {
      Path file = dir.resolve("ballast.yaml");
      Files.writeString(file, """
          listeners:
            - name: web
              bind: "127.0.0.1:0"
              routes:
                - {name: all, pool: app, mirror: {pool: shadow, percent: 100}}
          pools:
            - {name: app, protocol: h2c, backends: [{address: "127.0.0.1:%d"}]}
            - {name: shadow, protocol: h2c, backends: [{address: "127.0.0.1:%d"}]}
          admin: {enabled: false}
          access_log: {enabled: false}
          """.formatted(backend.port(), shadow.port()));
      ballast = Ballast.start(ConfigLoader.load(file).orElseThrow(), 1, file);
      calls.to(ballast);
    calls.to(ballast);
      for (int i = 0; i < 5; i++) {
        assertThat(calls.get("/copy").body()).isEqualTo("h2 a");
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> shadow.requests() == 5);
      assertThat(shadow.connections()).isEqualTo(1);
      ballast.stop();
      ballast = null;
    }
  }

  @Test
  void aBackendThatDiesBeforeOrDuringItsAnswer() throws Exception {
    backend = new H2TestBackend("a", null);
    start("retries: {max_attempts: 1}");
    assertThat(calls.get("/die-before-headers").statusCode()).isEqualTo(502);
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(accessLog()).contains("backend closed the connection"));
    // After the head, the client sees the response cut short.
    assertThatThrownBy(() -> calls.get("/die-mid-body")).isInstanceOf(IOException.class);
    // And the next request gets a new connection.
    assertThat(calls.get("/after").statusCode()).isEqualTo(200);
  }

  private HttpResponse<String> within10s(String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(calls.url(0, path)))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aStreamThatStallsMidBodyIsCutAfterTheReadTimeout() throws Exception {
    backend = new H2TestBackend("a", null);
    ballast = YamlBallast.start(dir, "[{address: \"127.0.0.1:" + backend.port() + "\"}]",
        "protocol: h2c\nretries: {max_attempts: 1}",
        "admin: {enabled: false}\ntimeouts: {backend_read: 600ms}");
    calls.to(ballast);
    long start = System.nanoTime();
    // Cut by ballast (the client's own 10 s timeout is not what ends it: the log says why).
    assertThatThrownBy(() -> within10s("/stall-mid-body")).isInstanceOf(IOException.class);
    long tookMillis = (System.nanoTime() - start) / 1_000_000;
    // Two ticks at half the timeout without a read: cut between 600 and 900 ms after the last.
    assertThat(tookMillis).isGreaterThanOrEqualTo(550).isLessThan(5_000);
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(accessLog()).contains("sent nothing for").contains("mid-response"));
    // The connection goes on serving other streams.
    assertThat(calls.get("/after").statusCode()).isEqualTo(200);
    assertThat(backend.connections()).isEqualTo(1);
  }

  /**
   * A client that does not read holds its own stream (the backend's window for it is not given
   * back), not the connection: another request on the same backend connection is answered
   * meanwhile, and the slow client gets every byte once it reads, however long it paused (the
   * pause is not the backend's stall).
   */
  @Test
  void aClientThatDoesNotReadHoldsOnlyItsOwnStream() throws Exception {
    backend = new H2TestBackend("a", null);
    ballast = YamlBallast.start(dir, "[{address: \"127.0.0.1:" + backend.port() + "\"}]",
        "protocol: h2c", "admin: {enabled: false}\ntimeouts: {backend_read: 1s}");
    calls.to(ballast);
    int n = 16 * 1024 * 1024;
    try (Socket slow = new Socket("127.0.0.1", ballast.proxyAddresses().get(0).getPort())) {
      slow.setReceiveBufferSize(16 * 1024);
      OutputStream out = slow.getOutputStream();
      out.write(("GET /bytes?n=" + n + " HTTP/1.1\r\nHost: x\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      // The slow client reads nothing for longer than the read timeout; another request on the
      // same backend connection is answered meanwhile.
      Thread.sleep(300);
      assertThat(within10s("/hello").statusCode()).isEqualTo(200);
      Thread.sleep(2_000);
      assertThat(within10s("/hello").statusCode()).isEqualTo(200);
      assertThat(backend.connections()).isEqualTo(1);
      InputStream in = slow.getInputStream();
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      byte[] buf = new byte[64 * 1024];
      slow.setSoTimeout(10_000);
      long want = -1;
      int headEnd = -1;
      while (want < 0 || got.size() < headEnd + want) {
        int r = in.read(buf);
        if (r < 0) {
          break;
        }
        got.write(buf, 0, r);
        if (headEnd < 0) {
          String text = got.toString(StandardCharsets.ISO_8859_1);
          int end = text.indexOf("\r\n\r\n");
          if (end >= 0) {
            headEnd = end + 4;
            assertThat(text).startsWith("HTTP/1.1 200");
            want = n;
          }
        }
      }
      byte[] all = got.toByteArray();
      assertThat(all.length - headEnd).isEqualTo(n);
      byte[] expected = new byte[n];
      new Random(n).nextBytes(expected);
      assertThat(java.util.Arrays.copyOfRange(all, headEnd, all.length)).isEqualTo(expected);
    }
  }

  /**
   * A backend's RST_STREAM(REFUSED_STREAM) says it did not process the request (RFC 9113, 8.7):
   * even a POST goes to another backend. Any other reset after the request went is a failure
   * that a POST is not retried on, named in the log.
   */
  @Test
  void aRefusedStreamIsRetriedElsewhereAndAnotherResetIsNot() throws Exception {
    backend = new H2TestBackend("a", null);
    try (H2TestBackend b = new H2TestBackend("b", null)) {
      ballast = YamlBallast.start(dir, "[{address: \"127.0.0.1:" + backend.port()
          + "\"}, {address: \"127.0.0.1:" + b.port() + "\"}]",
          "protocol: h2c\nalgorithm: round-robin\nretries: {max_attempts: 2}",
          "admin: {enabled: false}");
      calls.to(ballast);
      for (int i = 0; i < 4; i++) {
        HttpResponse<String> r = post("/refuse?on=a");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("h2 b");
      }
      // a refused the ones it was given first; they went on to b, as a second attempt.
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
          assertThat(accessLog()).contains("\"attempts\":2"));
      int statuses502 = 0;
      for (int i = 0; i < 4; i++) {
        HttpResponse<String> r = post("/reset?on=a");
        if (r.statusCode() == 502) {
          statuses502++;
        } else {
          assertThat(r.body()).isEqualTo("h2 b");
        }
      }
      assertThat(statuses502).isEqualTo(2);
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
          assertThat(accessLog()).contains("backend reset the stream (INTERNAL_ERROR)"));
      ballast.stop();
      ballast = null;
    }
  }

  private HttpResponse<String> post(String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(calls.url(0, path)))
        .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString("x"))
        .build(), HttpResponse.BodyHandlers.ofString());
  }
}
