package io.ballast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.core.Backend;
import io.ballast.core.HealthState;
import io.ballast.proxy.tls.TestCertificates;
import io.ballast.server.testing.Calls;
import io.ballast.server.testing.NginxH2Backend;
import io.ballast.server.testing.NginxTlsBackend;
import io.ballast.server.testing.YamlBallast;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/2 to backends through the real proxy against a real NGINX: h2 over TLS (verified by
 * default) and h2c with prior knowledge, 10 MB both ways, requests multiplexed over few
 * connections; and the backends that do not speak what the pool says: an HTTP/1.1-only backend
 * (found by the health check, named in the admin view and in failed requests) and a TLS backend
 * that does not negotiate h2.
 */
class Http2NginxEndToEndTest {
  @TempDir Path dir;
  private TestCertificates.Pair server;
  private AutoCloseable nginx;
  private int port;
  private Ballast ballast;
  private final Calls calls = new Calls(null);
  private final HttpClient client = calls.client();

  @BeforeEach
  void setUp() throws Exception {
    server = new TestCertificates(dir).rsaServer("backend", "backend.test", "127.0.0.1");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (ballast != null) {
      ballast.stop();
    }
    if (nginx != null) {
      nginx.close();
    }
  }

  private void start(String pool) throws Exception {
    ballast = YamlBallast.start(dir, "[{address: \"127.0.0.1:" + port + "\"}]",
        "retries: {max_attempts: 1}\n" + pool, "admin: {bind: \"127.0.0.1:0\"}");
    calls.to(ballast);
  }


  private String accessLog() throws IOException {
    return Files.readString(dir.resolve("access.log"));
  }

  private void h2() throws Exception {
    NginxH2Backend b = NginxH2Backend.h2(dir.resolve("nginx"), server.cert(), server.key());
    nginx = b;
    port = b.port();
  }

  /** PUT 10 MB through the proxy, GET it back, and compare. */
  private void tenMegabytesBothWays() throws Exception {
    byte[] body = new byte[10 * 1024 * 1024];
    new Random(11).nextBytes(body);
    HttpResponse<String> put = client.send(HttpRequest.newBuilder(URI.create(
        calls.url(0, "/files/big")))
        .timeout(Duration.ofSeconds(30)).PUT(HttpRequest.BodyPublishers.ofByteArray(body))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(put.statusCode()).isIn(201, 204);
    HttpResponse<byte[]> back = client.send(HttpRequest.newBuilder(URI.create(
        calls.url(0, "/files/big")))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(back.statusCode()).isEqualTo(200);
    assertThat(back.body()).isEqualTo(body);
  }

  @Test
  void h2OverTlsIsVerifiedAndCarriesLargeBodies() throws Exception {
    h2();
    start("protocol: h2\ntls: {ca: ca.pem, server_name: backend.test}");
    HttpResponse<String> r = calls.get("/");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).startsWith("protocol=HTTP/2.0 ").contains("sni=backend.test");
    tenMegabytesBothWays();
  }

  @Test
  void h2cWithPriorKnowledgeMultiplexesRequestsOverFewConnections() throws Exception {
    NginxH2Backend b = NginxH2Backend.h2c(dir.resolve("nginx"));
    nginx = b;
    port = b.port();
    start("protocol: h2c");
    assertThat(calls.get("/").body()).startsWith("protocol=HTTP/2.0 ");
    tenMegabytesBothWays();
    List<CompletableFuture<HttpResponse<String>>> pending = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      pending.add(client.sendAsync(HttpRequest.newBuilder(URI.create(calls.url(0, "/")))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()));
    }
    Set<String> connections = new HashSet<>();
    for (CompletableFuture<HttpResponse<String>> c : pending) {
      HttpResponse<String> r = c.join();
      assertThat(r.statusCode()).isEqualTo(200);
      connections.add(r.body().split(" ")[1]);
    }
    assertThat(connections.size()).as("%s", connections).isLessThan(40).isLessThanOrEqualTo(3);
  }

  @Test
  void verificationIsOnByDefault() throws Exception {
    h2();
    start("protocol: h2\ntls: {}"); // the JDK's trusted CAs: the test CA is not one of them
    assertThat(calls.get("/").statusCode()).isGreaterThanOrEqualTo(502);
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(accessLog()).contains("TLS handshake with the backend failed"));
  }

  @Test
  void aTlsBackendThatDoesNotNegotiateH2IsNamed() throws Exception {
    NginxTlsBackend b = new NginxTlsBackend(dir.resolve("nginx"), server.cert(), server.key(),
        null);
    nginx = b;
    port = b.port();
    start("protocol: h2\ntls: {ca: ca.pem}");
    assertThat(calls.get("/").statusCode()).isGreaterThanOrEqualTo(502);
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(accessLog()).contains("did not negotiate h2"));
  }

  @Test
  void anHttp11OnlyBackendFailsTheHealthCheckAndRequestsWithAClearReason() throws Exception {
    NginxH2Backend b = NginxH2Backend.http1(dir.resolve("nginx"));
    nginx = b;
    port = b.port();
    start("protocol: h2c");
    assertThat(calls.get("/").statusCode()).isGreaterThanOrEqualTo(502);
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(accessLog()).contains("backend speaks HTTP/1.1, not h2c"));
    ballast.stop();

    start("protocol: h2c\nhealth_check: {path: /, interval: 500ms, timeout: 500ms, rise: 1,"
        + " fall: 1}");
    Backend backend = ballast.pools().get("app").backends().get(0);
    await().atMost(Duration.ofSeconds(10)).until(() ->
        ballast.pools().get("app").health(backend) == HealthState.UNHEALTHY);
    String view = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + ballast.adminAddress().getPort() + "/admin/backends")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    assertThat(view).contains("backend speaks HTTP/1.1, not h2c");
  }

  @Test
  void healthChecksOfAnH2PoolSpeakH2() throws Exception {
    h2();
    start("protocol: h2\ntls: {ca: ca.pem}\nhealth_check: {path: /, interval: 500ms,"
        + " timeout: 500ms, rise: 1, fall: 1}");
    Backend backend = ballast.pools().get("app").backends().get(0);
    await().atMost(Duration.ofSeconds(10)).until(() ->
        ballast.pools().get("app").health(backend) == HealthState.HEALTHY);
  }
}
