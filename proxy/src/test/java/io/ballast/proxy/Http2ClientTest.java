package io.ballast.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 from clients on a plain listener: prior knowledge, the h2c upgrade and HTTP/1.1 on the
 * same port; streams multiplexed over one connection, each a request through the same exchange;
 * request and response bodies under flow control; a reset stream leaves the others alone.
 */
class Http2ClientTest {
  private final HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
      .connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void priorKnowledgeUpgradeAndHttp1ShareOnePort() throws Exception {
    try (ProxyFixture f = new ProxyFixture(1)) {
      // The JDK client asks for h2c with an upgrade on its first request, then multiplexes.
      HttpResponse<String> first = h2.send(HttpRequest.newBuilder(f.uri("/name")).build(),
          HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> second = h2.send(HttpRequest.newBuilder(f.uri("/name")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(first.version()).isEqualTo(HttpClient.Version.HTTP_2);
      assertThat(second.version()).isEqualTo(HttpClient.Version.HTTP_2);
      assertThat(first.body()).isEqualTo("b0");
      assertThat(second.body()).isEqualTo("b0");

      try (RawH2 raw = new RawH2(f.address)) {
        raw.preface();
        raw.headers(1, RawH2.get("/name"), true);
        RawH2.Frame head = raw.await(RawH2.HEADERS, 1);
        assertThat(head.status()).isEqualTo("200");
        RawH2.Frame body = raw.await(RawH2.DATA, 1);
        assertThat(body.text()).isEqualTo("b0");
      }

      HttpResponse<String> http1 = f.get("/name");
      assertThat(http1.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
      assertThat(http1.body()).isEqualTo("b0");
      await().atMost(Duration.ofSeconds(5)).until(() -> f.logs.size() >= 4);
      assertThat(f.logs).extracting(RequestLog::protocol)
          .containsOnly("HTTP/2.0", "HTTP/1.1")
          .filteredOn("HTTP/2.0"::equals).hasSize(3);
      // Nothing of the HTTP/2 hop reaches the backend.
      HttpResponse<String> echo = h2.send(HttpRequest.newBuilder(f.uri("/echo")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(echo.body()).doesNotContain("x-http2-").doesNotContain("http2-settings")
          .contains("host: 127.0.0.1:" + f.address.getPort());
    }
  }

  @Test
  void concurrentStreamsOnOneConnectionEachTakeTheirOwnAttempt() throws Exception {
    try (ProxyFixture f = new ProxyFixture(1, 1)) {
      h2.send(HttpRequest.newBuilder(f.uri("/name")).build(), HttpResponse.BodyHandlers.ofString());
      List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
      for (int i = 0; i < 60; i++) {
        calls.add(h2.sendAsync(HttpRequest.newBuilder(f.uri("/delay/200")).build(),
            HttpResponse.BodyHandlers.ofString()));
      }
      int b0 = 0;
      for (CompletableFuture<HttpResponse<String>> c : calls) {
        HttpResponse<String> r = c.get();
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
        b0 += r.body().equals("b0") ? 1 : 0;
      }
      // Round robin per stream, not per connection: both backends served half.
      assertThat(b0).isEqualTo(30);
      assertThat(f.proxy.openConnections()).isEqualTo(1);
    }
  }

  @Test
  void largeBodiesBothWaysUnderFlowControl() throws Exception {
    try (ProxyFixture f = new ProxyFixture(1)) {
      h2.send(HttpRequest.newBuilder(f.uri("/name")).build(), HttpResponse.BodyHandlers.ofString());
      byte[] upload = new byte[5 << 20];
      new Random(3).nextBytes(upload);
      HttpResponse<String> echo = h2.send(HttpRequest.newBuilder(f.uri("/echo"))
              .POST(HttpRequest.BodyPublishers.ofByteArray(upload)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(echo.version()).isEqualTo(HttpClient.Version.HTTP_2);
      assertThat(echo.headers().firstValue("x-body-size")).hasValue(String.valueOf(upload.length));
      assertThat(echo.headers().firstValue("x-body-sha256")).hasValue(
          HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(upload)));

      HttpResponse<byte[]> download = h2.send(
          HttpRequest.newBuilder(f.uri("/download/8000000")).build(),
          HttpResponse.BodyHandlers.ofByteArray());
      assertThat(download.version()).isEqualTo(HttpClient.Version.HTTP_2);
      assertThat(download.body()).hasSize(8_000_000);
    }
  }

  @Test
  void aResetStreamEndsItsAttemptAndLeavesTheOthers() throws Exception {
    try (ProxyFixture f = new ProxyFixture(1); RawH2 raw = new RawH2(f.address)) {
      raw.preface();
      raw.headers(1, RawH2.get("/delay/2000"), true);
      raw.headers(3, RawH2.get("/name"), true);
      await().atMost(Duration.ofSeconds(5)).until(() -> f.requestsReceived() == 2);
      raw.rst(1, 0x8); // CANCEL
      RawH2.Frame answer = raw.await(RawH2.HEADERS, 3);
      assertThat(answer.status()).isEqualTo("200");
      await().atMost(Duration.ofSeconds(5)).until(() -> f.logs.size() == 2);
      assertThat(f.logs).extracting(RequestLog::status).containsExactlyInAnyOrder(200, 0);
      raw.headers(5, RawH2.get("/name"), true);
      assertThat(raw.await(RawH2.HEADERS, 5).status()).isEqualTo("200");
    }
  }

  @Test
  void errorsBallastAnswersItselfGoOutAsHttp2() throws Exception {
    try (ProxyFixture f = new ProxyFixture(1); RawH2 raw = new RawH2(f.address)) {
      f.backends.get(0).close();
      raw.preface();
      raw.headers(1, RawH2.get("/name"), true);
      RawH2.Frame head = raw.await(RawH2.HEADERS, 1);
      assertThat(head.status()).isIn("502", "503");
      assertThat(head.headers().contains("connection")).isFalse();
      // A request that is no gRPC call gets ballast's HTTP answer, not a gRPC status.
      assertThat(head.headers().contains("grpc-status")).isFalse();
      // The connection serves on after an error response.
      raw.headers(3, RawH2.get("/name"), true);
      assertThat(raw.await(RawH2.HEADERS, 3).status()).isIn("502", "503");
    }
  }
}
