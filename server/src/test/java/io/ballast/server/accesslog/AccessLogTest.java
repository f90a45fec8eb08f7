package io.ballast.server.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.core.Backend;
import io.ballast.proxy.RequestLog;
import io.ballast.proxy.tcp.TcpConnectionLog;
import io.ballast.proxy.tcp.TcpEnd;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

class AccessLogTest {
  private static final ObjectMapper JSON = JsonMapper.builder().build();
  private final Backend backend = new Backend("b1", "127.0.0.1", 8081, 1);

  private RequestLog log(String uri, int status, String error) {
    return new RequestLog(1_700_000_000_042L, "10.1.2.3", "GET", uri, "example.test", "http",
        "web", backend, status, 12_345_678L, 17, 2048, "req-1", 2, error);
  }

  @Test
  void namesTheRouteAndSplitGroupWhenThereAreSome(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("access.log");
    try (AccessLog accessLog = AccessLog.toFile(file, 16)) {
      accessLog.onRequestComplete(new RequestLog(1_700_000_000_042L, "10.1.2.3", "GET", "/api",
          "example.test", "http", "api-v2", backend, 200, 1_000_000L, 0, 2, "req-2", 1, null,
          null, null, "api", "canary"));
      accessLog.onRequestComplete(log("/x", 404, "no route for example.test/x"));
    }
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    JsonNode routed = JSON.readTree(lines.get(0));
    assertThat(routed.get("route").asString()).isEqualTo("api");
    assertThat(routed.get("group").asString()).isEqualTo("canary");
    assertThat(lines.get(0)).contains("\"listener\":\"http\",\"route\":\"api\",\"group\":\"canary\"");
    JsonNode unrouted = JSON.readTree(lines.get(1));
    assertThat(unrouted.has("route")).isFalse();
    assertThat(unrouted.has("group")).isFalse();
  }

  @Test
  void aTcpConnectionIsOneLineInTheSameFile(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("access.log");
    Backend refused = new Backend("b0", "127.0.0.1", 8080, 1);
    try (AccessLog accessLog = AccessLog.toFile(file, 16)) {
      accessLog.onTcpConnectionClosed(new TcpConnectionLog(1_700_000_000_042L, "10.1.2.3", 51544,
          "redis", "cache", "db.example.com", backend, List.of(refused, backend), 1840, 95211,
          412_000L,
          8_123_412_000L, TcpEnd.CLIENT_CLOSED, null));
      accessLog.onRequestComplete(log("/a", 200, null));
      accessLog.onTcpConnectionClosed(new TcpConnectionLog(1_700_000_000_043L, "10.1.2.3", 51545,
          "redis", "cache", null, null, List.of(backend), 0, 0, -1, 2_000_000L,
          TcpEnd.CONNECT_FAILED, "connect to b1 failed: connect refused"));
    }
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0)).isEqualTo("{\"time\":\"2023-11-14T22:13:20.042Z\","
        + "\"protocol\":\"tcp\",\"client_ip\":\"10.1.2.3\",\"client_port\":51544,"
        + "\"listener\":\"redis\",\"sni\":\"db.example.com\",\"pool\":\"cache\","
        + "\"backend\":\"b1\","
        + "\"backend_address\":\"127.0.0.1:8081\",\"end\":\"client_closed\","
        + "\"duration_ms\":8123.412,\"connect_ms\":0.412,\"bytes_in\":1840,"
        + "\"bytes_out\":95211,\"attempts\":2,\"backends_tried\":[\"b0\",\"b1\"]}");
    assertThat(JSON.readTree(lines.get(1)).get("status").asInt()).isEqualTo(200);
    JsonNode failed = JSON.readTree(lines.get(2));
    assertThat(failed.get("backend").isNull()).isTrue();
    assertThat(failed.has("connect_ms")).isFalse();
    assertThat(failed.get("end").asString()).isEqualTo("connect_failed");
    assertThat(failed.get("error").asString()).isEqualTo("connect to b1 failed: connect refused");
  }

  @Test
  void writesOneParsableObjectPerRequest(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("access.log");
    try (AccessLog accessLog = AccessLog.toFile(file, 16)) {
      accessLog.onRequestComplete(log("/a?x=1", 200, null));
      accessLog.onRequestComplete(new RequestLog(1_700_000_001_000L, "::1", "POST", "/b", null,
          "http", null, null, 503, 999, 0, 0, null, 0, "no backend available"));
    }
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    assertThat(lines).hasSize(2);

    JsonNode first = JSON.readTree(lines.get(0));
    assertThat(first.get("time").asString()).isEqualTo("2023-11-14T22:13:20.042Z");
    assertThat(Instant.parse(first.get("time").asString()).toEpochMilli())
        .isEqualTo(1_700_000_000_042L);
    assertThat(first.get("client_ip").asString()).isEqualTo("10.1.2.3");
    assertThat(first.get("method").asString()).isEqualTo("GET");
    assertThat(first.get("url").asString()).isEqualTo("/a?x=1");
    assertThat(first.get("host").asString()).isEqualTo("example.test");
    assertThat(first.get("listener").asString()).isEqualTo("http");
    assertThat(first.get("pool").asString()).isEqualTo("web");
    assertThat(first.get("backend").asString()).isEqualTo("b1");
    assertThat(first.get("backend_address").asString()).isEqualTo("127.0.0.1:8081");
    assertThat(first.get("status").asInt()).isEqualTo(200);
    assertThat(first.get("duration_ms").asDouble()).isEqualTo(12.345);
    assertThat(first.get("bytes_in").asLong()).isEqualTo(17);
    assertThat(first.get("bytes_out").asLong()).isEqualTo(2048);
    assertThat(first.get("request_id").asString()).isEqualTo("req-1");
    assertThat(first.get("attempts").asInt()).isEqualTo(2);
    assertThat(first.has("error")).isFalse();

    JsonNode second = JSON.readTree(lines.get(1));
    assertThat(second.get("time").asString()).isEqualTo("2023-11-14T22:13:21.000Z");
    assertThat(second.get("backend").isNull()).isTrue();
    assertThat(second.get("backend_address").isNull()).isTrue();
    assertThat(second.get("pool").isNull()).isTrue();
    assertThat(second.get("host").isNull()).isTrue();
    assertThat(second.get("status").asInt()).isEqualTo(503);
    assertThat(second.get("duration_ms").asDouble()).isEqualTo(0.0);
    assertThat(second.get("error").asString()).isEqualTo("no backend available");
  }

  @Test
  void escapesEveryNastyString() throws IOException {
    String nasty = "/p?q=\"quoted\"\\back\nline\r\t\b\f\u0000\u001f\u007f"
        + "\u2028é漢字😀\ud800lone</script>";
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (AccessLog accessLog = new AccessLog(out, false, 16)) {
      accessLog.onRequestComplete(log(nasty, 200, "bad \"gateway\"\n"));
    }
    String text = out.toString(StandardCharsets.UTF_8);
    // Exactly one line: no raw line break survived.
    assertThat(text).endsWith("\n");
    assertThat(text.substring(0, text.length() - 1)).doesNotContain("\n", "\r", "\u2028");
    JsonNode node = JSON.readTree(text);
    assertThat(node.get("url").asString()).isEqualTo(nasty);
    assertThat(node.get("error").asString()).isEqualTo("bad \"gateway\"\n");
    // Non-ASCII goes out as UTF-8, not as escapes (except the unpaired surrogate).
    assertThat(text).contains("é漢字😀").contains("\\ud800");
  }

  @Test
  void dropsAndCountsLinesWhileTheWriterIsBlocked() throws Exception {
    BlockingStream stream = new BlockingStream();
    int capacity = 8;
    AccessLog accessLog = new AccessLog(stream, true, capacity);
    // The writer takes the first line and blocks in the flush that follows.
    accessLog.onRequestComplete(log("/0", 200, null));
    assertThat(stream.entered.await(5, TimeUnit.SECONDS)).isTrue();
    for (int i = 1; i <= capacity + 5; i++) {
      accessLog.onRequestComplete(log("/" + i, 200, null));
    }
    assertThat(accessLog.droppedLines()).isEqualTo(5);

    stream.release.countDown();
    accessLog.close();
    assertThat(stream.closed).isTrue();
    List<String> urls = stream.toString(StandardCharsets.UTF_8).lines()
        .map(l -> JSON.readTree(l).get("url").asString())
        .toList();
    // The first line and the queued ones, in order; the overflow is gone.
    assertThat(urls).hasSize(capacity + 1);
    assertThat(urls.get(0)).isEqualTo("/0");
    assertThat(urls.get(capacity)).isEqualTo("/" + capacity);
    assertThat(accessLog.writtenLines()).isEqualTo(capacity + 1);

    // After close, lines are refused and counted.
    accessLog.onRequestComplete(log("/late", 200, null));
    assertThat(accessLog.droppedLines()).isEqualTo(6);
  }

  @Test
  void closeFlushesEverythingQueued(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("access.log");
    int n = 5000;
    AccessLog accessLog = AccessLog.toFile(file, n);
    for (int i = 0; i < n; i++) {
      accessLog.onRequestComplete(log("/" + i, 200, null));
    }
    accessLog.close();
    assertThat(accessLog.droppedLines()).isZero();
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    assertThat(lines).hasSize(n);
    assertThat(JSON.readTree(lines.get(n - 1)).get("url").asString()).isEqualTo("/" + (n - 1));
  }

  @Test
  void flushesWhenTheQueueRunsEmpty(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("access.log");
    try (AccessLog accessLog = AccessLog.toFile(file, 16)) {
      accessLog.onRequestComplete(log("/visible", 200, null));
      // Still open: the line must reach the file without close().
      await().atMost(Duration.ofSeconds(5)).until(() -> Files.size(file) > 0);
      assertThat(Files.readString(file)).contains("\"url\":\"/visible\"").endsWith("}\n");
    }
  }

  /** A stream whose first flush blocks until released, like a stalled pipe. */
  private static final class BlockingStream extends OutputStream {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    volatile boolean closed;

    @Override
    public synchronized void write(int b) {
      bytes.write(b);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
      bytes.write(b, off, len);
    }

    @Override
    public void flush() throws IOException {
      entered.countDown();
      try {
        if (!release.await(10, TimeUnit.SECONDS)) {
          throw new IOException("never released");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
    }

    @Override
    public void close() {
      closed = true;
    }

    synchronized String toString(java.nio.charset.Charset cs) {
      return bytes.toString(cs);
    }
  }
}
