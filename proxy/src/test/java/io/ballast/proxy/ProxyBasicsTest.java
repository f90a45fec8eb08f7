package io.ballast.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.core.pick.Algorithm;
import io.ballast.core.pool.HealthSettings;
import io.ballast.proxy.client.Cidr;
import io.ballast.proxy.client.ClientAddress;
import io.ballast.proxy.client.TrustedProxies;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProxyBasicsTest {

  @Test
  void roundRobinSpreadsExactlyEvenly() throws Exception {
    try (ProxyFixture f = new ProxyFixture(1, 1, 1)) {
      Map<String, Integer> counts = new HashMap<>();
      for (int i = 0; i < 30; i++) {
        HttpResponse<String> r = f.get("/name");
        assertThat(r.statusCode()).isEqualTo(200);
        counts.merge(r.body(), 1, Integer::sum);
      }
      assertThat(counts).containsExactlyInAnyOrderEntriesOf(Map.of("b0", 10, "b1", 10, "b2", 10));
      await().until(() -> f.logs.size() == 30);
      RequestLog log = f.logs.peek();
      assertThat(log.status()).isEqualTo(200);
      assertThat(log.pool()).isEqualTo("web");
      assertThat(log.backend()).isNotNull();
      assertThat(log.attempts()).isEqualTo(1);
      assertThat(log.method()).isEqualTo("GET");
      assertThat(log.uri()).isEqualTo("/name");
      assertThat(log.clientAddress()).isEqualTo("127.0.0.1");
      assertThat(log.bytesOut()).isEqualTo(2);
    }
  }

  @Test
  void weightedRoundRobinFollowsWeightsExactly() throws Exception {
    try (ProxyFixture f = new ProxyFixture(ProxySettings.defaults(),
        Algorithm.WEIGHTED_ROUND_ROBIN, HealthSettings.PASSIVE_ONLY, 5, 1, 1)) {
      Map<String, Integer> counts = new HashMap<>();
      for (int i = 0; i < 70; i++) {
        counts.merge(f.get("/name").body(), 1, Integer::sum);
      }
      assertThat(counts).containsExactlyInAnyOrderEntriesOf(Map.of("b0", 50, "b1", 10, "b2", 10));
    }
  }

  @Test
  void backendConnectionsAreReused() throws Exception {
    try (ProxyFixture f = new ProxyFixture(1)) {
      for (int i = 0; i < 50; i++) {
        assertThat(f.get("/name").statusCode()).isEqualTo(200);
      }
      // One client connection lives on one event loop, whose pool keeps one backend connection.
      assertThat(f.backends.get(0).connections.get()).isEqualTo(1);
      assertThat(f.members.get(0).load().connections()).isEqualTo(1);
      assertThat(f.members.get(0).load().inFlight()).isZero();
      assertThat(f.members.get(0).load().requests()).isEqualTo(50);
    }
  }

  @Test
  void pooledConnectionClosedByBackendIsNotReused() throws Exception {
    try (ProxyFixture f = new ProxyFixture(1)) {
      assertThat(f.get("/name").statusCode()).isEqualTo(200);
      assertThat(f.members.get(0).load().connections()).isEqualTo(1);
      f.backends.get(0).dropConnections();
      await().until(() -> f.members.get(0).load().connections() == 0);
      for (int i = 0; i < 5; i++) {
        assertThat(f.get("/name").statusCode()).isEqualTo(200);
      }
      assertThat(f.backends.get(0).connections.get()).isEqualTo(2);
      assertThat(f.logs).allMatch(l -> l.status() == 200);
    }
  }

  @Test
  void idleBackendConnectionsAreClosed() throws Exception {
    ProxySettings s = ProxySettings.defaults().withBackendIdleTimeout(Duration.ofMillis(200));
    try (ProxyFixture f = new ProxyFixture(s, Algorithm.ROUND_ROBIN,
        HealthSettings.PASSIVE_ONLY, 1)) {
      assertThat(f.get("/name").statusCode()).isEqualTo(200);
      assertThat(f.members.get(0).load().connections()).isEqualTo(1);
      await().atMost(Duration.ofSeconds(5))
          .until(() -> f.members.get(0).load().connections() == 0);
      assertThat(f.get("/name").statusCode()).isEqualTo(200);
      assertThat(f.backends.get(0).connections.get()).isEqualTo(2);
    }
  }

  @Test
  void hopByHopHeadersAreRemovedAndForwardingHeadersAdded() throws Exception {
    try (ProxyFixture f = new ProxyFixture(1)) {
      String response = f.raw("GET /echo HTTP/1.1\r\nHost: shop.example:8080\r\n"
          + "Connection: close, X-Secret\r\nX-Secret: 1\r\nKeep-Alive: timeout=5\r\n"
          + "Proxy-Connection: keep-alive\r\nTE: trailers, deflate\r\nUpgrade: websocket\r\n"
          + "X-Forwarded-For: 6.6.6.6\r\nForwarded: for=6.6.6.6\r\nX-Forwarded-Host: evil\r\n"
          + "X-Keep: yes\r\n\r\n");
      assertThat(response).startsWith("HTTP/1.1 200").contains("connection: close");
      Map<String, String> h = f.backends.get(0).lastHeaders;
      assertThat(h).doesNotContainKeys("x-secret", "keep-alive", "proxy-connection", "upgrade",
          "forwarded");
      assertThat(h.get("connection")).isNull();
      assertThat(h.get("te")).isEqualTo("trailers");
      assertThat(h.get("x-keep")).isEqualTo("yes");
      assertThat(h.get("x-forwarded-for")).isEqualTo("127.0.0.1");
      assertThat(h.get("x-forwarded-proto")).isEqualTo("http");
      assertThat(h.get("x-forwarded-host")).isEqualTo("shop.example:8080");
      assertThat(h.get("host")).isEqualTo("shop.example:8080");
    }
  }

  @Test
  void trustedProxyHeadersAreAppendedTo() throws Exception {
    ProxySettings s = ProxySettings.defaults().withForwarding(new ProxySettings.Forwarding(
        true, true, List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("127.0.0.0/8"), Cidr.parse("::1/128")), "X-Request-Id"));
    try (ProxyFixture f = new ProxyFixture(s, Algorithm.ROUND_ROBIN,
        HealthSettings.PASSIVE_ONLY, 1)) {
      f.raw("GET /echo HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n"
          + "X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\n"
          + "Forwarded: for=203.0.113.9;proto=https\r\n\r\n");
      Map<String, String> h = f.backends.get(0).lastHeaders;
      assertThat(h.get("x-forwarded-for")).isEqualTo("203.0.113.9, 127.0.0.1");
      assertThat(h.get("x-forwarded-proto")).isEqualTo("https");
      assertThat(h.get("forwarded"))
          .isEqualTo("for=203.0.113.9;proto=https, for=127.0.0.1;proto=http;host=shop.example");
    }
  }

  @Test
  void untrustedPeerForwardedHeaderIsReplacedAndIpv6Quoted() throws Exception {
    ProxySettings s = ProxySettings.defaults().withForwarding(new ProxySettings.Forwarding(
        false, true, List.of(Cidr.parse("10.1.0.0/16")), "X-Request-Id"));
    try (ProxyFixture f = new ProxyFixture(s, Algorithm.ROUND_ROBIN,
        HealthSettings.PASSIVE_ONLY, 1)) {
      f.raw("GET /echo HTTP/1.1\r\nHost: a:1\r\nConnection: close\r\n"
          + "X-Forwarded-For: 1.2.3.4\r\nForwarded: for=1.2.3.4\r\n\r\n");
      Map<String, String> h = f.backends.get(0).lastHeaders;
      assertThat(h).doesNotContainKey("x-forwarded-for");
      assertThat(h.get("forwarded")).isEqualTo("for=127.0.0.1;proto=http;host=\"a:1\"");
    }
    assertThat(ClientAddress.of(new java.net.InetSocketAddress("::1", 5), TrustedProxies.NONE)
        .forwardedFor()).isEqualTo("for=\"[0:0:0:0:0:0:0:1]\"");
  }

  @Test
  void requestIdIsKeptWhenSaneAndGeneratedOtherwise() throws Exception {
    try (ProxyFixture f = new ProxyFixture(1)) {
      HttpResponse<String> kept = f.client.send(HttpRequest.newBuilder(f.uri("/echo"))
          .header("X-Request-Id", "abc-123").build(), HttpResponse.BodyHandlers.ofString());
      assertThat(f.backends.get(0).lastHeaders.get("x-request-id")).isEqualTo("abc-123");
      assertThat(kept.headers().firstValue("x-request-id")).hasValue("abc-123");

      f.client.send(HttpRequest.newBuilder(f.uri("/echo"))
          .header("X-Request-Id", "x".repeat(129)).build(), HttpResponse.BodyHandlers.ofString());
      String generated = f.backends.get(0).lastHeaders.get("x-request-id");
      assertThat(generated).matches("[0-9a-f]{32}");

      f.get("/echo");
      assertThat(f.backends.get(0).lastHeaders.get("x-request-id"))
          .matches("[0-9a-f]{32}").isNotEqualTo(generated);
      await().until(() -> f.logs.size() == 3);
      assertThat(f.logs.peek().requestId()).isEqualTo("abc-123");
    }
  }

  @Test
  void chunkedRequestAndResponseBodiesStreamThrough() throws Exception {
    try (ProxyFixture f = new ProxyFixture(1)) {
      byte[] body = new byte[300_000];
      for (int i = 0; i < body.length; i++) {
        body[i] = (byte) i;
      }
      // An InputStream publisher has no known length: the JDK client sends it chunked.
      HttpResponse<String> r = f.client.send(HttpRequest.newBuilder(f.uri("/echo?chunked"))
              .POST(HttpRequest.BodyPublishers.ofInputStream(
                  () -> new java.io.ByteArrayInputStream(body))).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(f.backends.get(0).lastHeaders.get("transfer-encoding")).isEqualTo("chunked");
      assertThat(r.headers().firstValue("x-body-size")).hasValue("300000");
      assertThat(r.headers().firstValue("x-body-sha256")).hasValue(
          HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body)));
      assertThat(r.headers().firstValue("transfer-encoding")).hasValue("chunked");

      HttpResponse<byte[]> d = f.client.send(HttpRequest.newBuilder(f.uri("/chunked/100000"))
          .build(), HttpResponse.BodyHandlers.ofByteArray());
      assertThat(d.body()).hasSize(100_000);
      assertThat(d.body()[99_999]).isEqualTo(TestBackend.patternByte(99_999));
    }
  }

  @Test
  void expectContinueGetsTheBodyThrough() throws Exception {
    try (ProxyFixture f = new ProxyFixture(1); Socket s = f.socket()) {
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      out.write(("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
          + "Expect: 100-continue\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      String interim = new String(in.readNBytes(25), StandardCharsets.ISO_8859_1);
      assertThat(interim).isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");
      out.write("hello".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      String response = ProxyFixture.readResponse(in);
      assertThat(response).startsWith("HTTP/1.1 200").contains("x-body-size: 5");
      assertThat(f.backends.get(0).lastHeaders).doesNotContainKey("expect");
    }
  }

  @Test
  void unsupportedExpectationGets417() throws Exception {
    try (ProxyFixture f = new ProxyFixture(1)) {
      String r = f.raw("GET / HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\n\r\n");
      assertThat(r).startsWith("HTTP/1.1 417");
      assertThat(f.requestsReceived()).isZero();
    }
  }

  @Test
  void headResponseHasNoBodyAndKeepAliveContinues() throws Exception {
    try (ProxyFixture f = new ProxyFixture(1); Socket s = f.socket()) {
      OutputStream out = s.getOutputStream();
      out.write("HEAD /download/1000 HTTP/1.1\r\nHost: x\r\n\r\nGET /name HTTP/1.1\r\nHost: x\r\n\r\n"
          .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      StringBuilder head = new StringBuilder();
      while (!head.toString().endsWith("\r\n\r\n")) {
        head.append((char) in.read());
      }
      assertThat(head.toString()).startsWith("HTTP/1.1 200").contains("content-length: 1000");
      // The next bytes are the pipelined second response, not a body.
      assertThat(ProxyFixture.readResponse(in)).startsWith("HTTP/1.1 200").endsWith("b0");
    }
  }

  @Test
  void http10ClientGetsKeepAliveOnlyWhenAsked() throws Exception {
    try (ProxyFixture f = new ProxyFixture(1)) {
      String r = f.raw("GET /name HTTP/1.0\r\n\r\n");
      assertThat(r).startsWith("HTTP/1.1 200").contains("connection: close").endsWith("b0");
      try (Socket s = f.socket()) {
        s.getOutputStream().write("GET /name HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
            .getBytes(StandardCharsets.ISO_8859_1));
        assertThat(ProxyFixture.readResponse(s.getInputStream()))
            .contains("connection: keep-alive").endsWith("b0");
        s.getOutputStream().write("GET /chunked/30 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
            .getBytes(StandardCharsets.ISO_8859_1));
        // No chunked coding for HTTP/1.0: the body ends with the connection.
        String rest = ProxyFixture.readToClose(s.getInputStream());
        assertThat(rest).contains("connection: close").doesNotContain("transfer-encoding")
            .endsWith("abcdefghijklmnopqrstuvwxyzabcd");
      }
    }
  }
}
