package io.ballast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.core.Backend;
import io.ballast.core.HealthState;
import io.ballast.proxy.tls.TestCertificates;
import io.ballast.server.config.ConfigLoader;
import io.ballast.server.reload.ReloadResult;
import io.ballast.server.testing.NginxTlsBackend;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS to backends through the real proxy, against a real TLS backend (NGINX): the backend's
 * certificate is verified by default (chain and name), SNI is the configured server name, a
 * client certificate is presented to a backend that asks for one, and health checks speak TLS
 * the same way.
 */
class BackendTlsEndToEndTest {
  @TempDir Path dir;
  private TestCertificates certs;
  private TestCertificates.Pair server;
  private NginxTlsBackend nginx;
  private Ballast ballast;
  private Path file;
  private final HttpClient client = HttpClient.newHttpClient();

  @BeforeEach
  void setUp() throws Exception {
    certs = new TestCertificates(dir);
    server = certs.rsaServer("backend", "backend.test", "127.0.0.1");
    file = dir.resolve("ballast.yaml");
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

  private void start(String poolExtra) throws Exception {
    Files.writeString(file, config(poolExtra));
    ballast = Ballast.start(ConfigLoader.load(file).orElseThrow(), 1, file);
  }

  private String config(String poolExtra) {
    return """
        listeners:
          - {name: web, bind: "127.0.0.1:0", pool: app}
        pools:
          - name: app
            backends: [{address: "127.0.0.1:%d"}]
            retries: {max_attempts: 1}
        %s
        admin: {enabled: false}
        access_log: {path: "%s"}
        """.formatted(nginx.port(), poolExtra.indent(4).stripTrailing(),
        dir.resolve("access.log"));
  }

  private HttpResponse<String> get() throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + ballast.proxyAddresses().get(0).getPort() + "/")).timeout(Duration.ofSeconds(10))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void verifiesTheBackendAgainstTheCaAndItsAddress() throws Exception {
    nginx = new NginxTlsBackend(dir.resolve("nginx"), server.cert(), server.key(), null);
    start("tls: {ca: ca.pem}");
    HttpResponse<String> r = get();
    assertThat(r.statusCode()).isEqualTo(200);
    // An address is checked against the certificate's IP names and sends no SNI.
    assertThat(r.body()).startsWith("sni= dn= protocol=TLSv1.3");
  }

  @Test
  void sendsAndVerifiesTheConfiguredServerName() throws Exception {
    nginx = new NginxTlsBackend(dir.resolve("nginx"), server.cert(), server.key(), null);
    start("tls: {ca: ca.pem, server_name: backend.test}");
    assertThat(get().body()).startsWith("sni=backend.test ");

    // A name the certificate does not have fails verification: no backend answers.
    Files.writeString(file, config("tls: {ca: ca.pem, server_name: other.test}"));
    assertThat(ballast.reload(ReloadResult.Trigger.SIGNAL).get().outcome()).isEqualTo("applied");
    assertThat(get().statusCode()).isEqualTo(502);
  }

  @Test
  void anUntrustedBackendIsRefusedUnlessVerificationIsOff() throws Exception {
    nginx = new NginxTlsBackend(dir.resolve("nginx"), server.cert(), server.key(), null);
    start("tls: {}"); // the JDK's trusted CAs: the test CA is not one of them
    assertThat(get().statusCode()).isEqualTo(502);
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(Files.readString(dir.resolve("access.log")))
            .contains("TLS handshake with the backend failed"));
    Files.writeString(file, config("tls: {verify: false}"));
    assertThat(ballast.reload(ReloadResult.Trigger.SIGNAL).get().outcome()).isEqualTo("applied");
    assertThat(get().statusCode()).isEqualTo(200);
  }

  @Test
  void presentsAClientCertificateToABackendThatAsksForOne() throws Exception {
    nginx = new NginxTlsBackend(dir.resolve("nginx"), server.cert(), server.key(), certs.ca());
    TestCertificates.Pair me = certs.client("ballast", "ballast-proxy");
    start("tls: {ca: ca.pem}");
    // Without one, NGINX answers 400 itself: relayed as the backend's answer.
    assertThat(get().statusCode()).isEqualTo(400);
    Files.writeString(file, config("tls: {ca: ca.pem, cert: ballast.pem, key: ballast.key}"));
    assertThat(ballast.reload(ReloadResult.Trigger.SIGNAL).get().outcome()).isEqualTo("applied");
    HttpResponse<String> r = get();
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("dn=CN=ballast-proxy");
    assertThat(me.cert()).exists();
  }

  @Test
  void healthChecksSpeakTlsTheSameWay() throws Exception {
    nginx = new NginxTlsBackend(dir.resolve("nginx"), server.cert(), server.key(), null);
    String checks = "\nhealth_check: {path: /, interval: 200ms, timeout: 200ms, rise: 1, fall: 1}";
    start("tls: {ca: ca.pem}" + checks);
    Backend b = ballast.pools().get("app").backends().get(0);
    await().atMost(Duration.ofSeconds(10)).until(() ->
        ballast.pools().get("app").health(b) == HealthState.HEALTHY);
    Files.writeString(file, config("tls: {}" + checks));
    assertThat(ballast.reload(ReloadResult.Trigger.SIGNAL).get().outcome()).isEqualTo("applied");
    Backend after = ballast.pools().get("app").backends().get(0);
    await().atMost(Duration.ofSeconds(10)).until(() ->
        ballast.pools().get("app").health(after) == HealthState.UNHEALTHY);
  }
}
