package io.ballast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ballast.proxy.tls.TestCertificates;
import io.ballast.server.config.ConfigLoader;
import io.ballast.server.metrics.PromText;
import io.ballast.server.reload.ReloadResult;
import io.ballast.server.testing.TestBackend;
import io.ballast.server.testing.TestBackends;
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
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * TLS termination through the real proxy: certificates made by openssl, a real backend, the
 * JDK's TLS client and openssl's as clients. SNI picks the certificate; mutual TLS lets only
 * clients of the CA in; certificates reload from disk without touching open connections; bad
 * input at the TLS layer is refused and counted.
 */
class TlsEndToEndTest {
  private static final String TOKEN = "tls-test-token-0123456789";
  @AutoClose
  final TestBackends backends = new TestBackends();
  @TempDir Path dir;
  private TestCertificates certs;
  private TestCertificates.Pair api;
  private TestCertificates.Pair wild;
  private TestBackend app;
  private Path file;
  private Ballast ballast;

  @BeforeEach
  void setUp() throws Exception {
    certs = new TestCertificates(dir);
    api = certs.rsaServer("api", "api.test", "localhost");
    wild = certs.ecServer("wild", "*.example.test");
    app = backends.start("app");
    file = dir.resolve("ballast.yaml");
  }

  @AfterEach
  void tearDown() {
    if (ballast != null) {
      ballast.stop();
    }
  }

  private String config(String tlsExtra) {
    return """
        listeners:
          - name: web
            bind: "127.0.0.1:0"
            pool: app
            tls:
              certificates:
                - {cert: api.pem, key: api.key}
                - {cert: wild.pem, key: wild.key}
        %s
        pools:
          - {name: app, backends: [{address: "%s"}]}
        admin:
          bind: "127.0.0.1:0"
          token: "%s"
        access_log:
          path: "%s"
        """.formatted(tlsExtra.indent(6).stripTrailing(), app.address(), TOKEN,
        dir.resolve("access.log"));
  }

  private void start(String yaml) throws Exception {
    Files.writeString(file, yaml);
    ballast = Ballast.start(ConfigLoader.load(file).orElseThrow(), 1, file);
  }

  private int port() {
    return ballast.proxyAddresses().get(0).getPort();
  }

  /** One HTTP/1.1 exchange over a fresh TLS connection that sends {@code sni} (null: none). */
  private Answer https(SSLContext ctx, String sni, String path, String... headers)
      throws IOException {
    try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port())) {
      s.setSoTimeout(10_000);
      if (sni != null) {
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(List.of(new SNIHostName(sni)));
        s.setSSLParameters(p);
      }
      s.startHandshake();
      Answer a = exchange(s, path, true, headers);
      return a;
    }
  }

  private static Answer exchange(SSLSocket s, String path, boolean close, String... headers)
      throws IOException {
    StringBuilder req = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: api.test\r\n");
    for (String h : headers) {
      req.append(h).append("\r\n");
    }
    req.append(close ? "Connection: close\r\n" : "").append("\r\n");
    OutputStream out = s.getOutputStream();
    out.write(req.toString().getBytes(StandardCharsets.US_ASCII));
    out.flush();
    InputStream in = s.getInputStream();
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed in the head: " + head);
      }
      head.write(b);
    }
    String h = head.toString(StandardCharsets.ISO_8859_1);
    int length = 0;
    for (String line : h.split("\r\n")) {
      if (line.toLowerCase().startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    byte[] body = in.readNBytes(length);
    X509Certificate peer = (X509Certificate) s.getSession().getPeerCertificates()[0];
    return new Answer(Integer.parseInt(h.substring(9, 12)),
        new String(body, StandardCharsets.UTF_8), peer, s.getSession().getProtocol());
  }

  record Answer(int status, String body, X509Certificate peer, String protocol) {
    String cn() {
      return peer.getSubjectX500Principal().getName();
    }
  }

  private PromText metrics() throws Exception {
    HttpClient c = HttpClient.newHttpClient();
    return new PromText(c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
            + ballast.adminAddress().getPort() + "/metrics"))
        .header("Authorization", "Bearer " + TOKEN).build(),
        HttpResponse.BodyHandlers.ofString()).body());
  }

  private double failures(String reason) throws Exception {
    return metrics().value("lb_tls_handshake_failures_total",
        Map.of("listener", "web", "reason", reason)).orElse(0);
  }

  @ParameterizedTest
  @ValueSource(strings = {"auto", "jdk"})
  void servesHttpsWithTheCertificateTheClientAsksFor(String provider) throws Exception {
    start(config("provider: " + provider));
    // A client context per name: the JDK's client keeps sessions by address, not by name.
    SSLContext ctx = certs.clientContext(null);
    Answer a = https(ctx, "api.test", "/headers");
    assertThat(a.status()).isEqualTo(200);
    assertThat(a.cn()).isEqualTo("CN=api.test");
    // The backend learns the request came over TLS; the client cannot say otherwise.
    assertThat(a.body()).contains("x-forwarded-proto: https").doesNotContain("x-client-cert");
    assertThat(https(certs.clientContext(null), "shop.example.test", "/").cn())
        .isEqualTo("CN=*.example.test");
    assertThat(https(certs.clientContext(null), "SHOP.Example.Test", "/").cn())
        .isEqualTo("CN=*.example.test");
    // No name, or one no certificate has: the first certificate answers.
    assertThat(https(certs.clientContext(null), null, "/").cn()).isEqualTo("CN=api.test");
    assertThat(https(certs.clientContext(null), "unknown.test", "/").body()).isEqualTo("app");
    assertThat(a.protocol()).isEqualTo("TLSv1.3");

    PromText m = metrics();
    assertThat(m.samples()).anySatisfy(s -> {
      assertThat(s.name()).isEqualTo("lb_tls_handshakes_total");
      assertThat(s.labels()).containsEntry("server_name", "*.example.test")
          .containsEntry("protocol", "TLSv1.3");
    });
    assertThat(m.samples()).anySatisfy(s -> {
      assertThat(s.name()).isEqualTo("lb_tls_certificate_expiry_timestamp_seconds");
      assertThat(s.labels()).containsEntry("certificate", "api.test");
      assertThat(s.value()).isEqualTo(a.peer().getNotAfter().toInstant().getEpochSecond());
    });
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(Files.readString(dir.resolve("access.log")))
            .contains("\"tls_version\":\"TLSv1.3\"", "\"sni\":\"shop.example.test\"",
                "\"tls_cipher\":\"TLS_AES_"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"auto", "jdk"})
  void http2ComesThroughAlpnAndEveryStreamIsARequest(String provider) throws Exception {
    start(config("provider: " + provider));
    HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
        .sslContext(certs.clientContext(null)).build();
    URI uri = URI.create("https://localhost:" + port() + "/headers");
    List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> calls =
        new java.util.ArrayList<>();
    for (int i = 0; i < 20; i++) {
      calls.add(h2.sendAsync(HttpRequest.newBuilder(uri).build(),
          HttpResponse.BodyHandlers.ofString()));
    }
    for (var c : calls) {
      HttpResponse<String> r = c.get();
      assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).contains("x-forwarded-proto: https").doesNotContain("x-http2");
    }
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(Files.readString(dir.resolve("access.log")))
            .contains("\"protocol\":\"HTTP/2.0\"", "\"tls_version\":\"TLSv1.3\""));
  }

  @Test
  void withHttp2OffAlpnOffersHttp11Only() throws Exception {
    start(config("") + "http2: {enabled: false}\n");
    HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
        .sslContext(certs.clientContext(null)).build();
    HttpResponse<String> r = h2.send(HttpRequest.newBuilder(
        URI.create("https://localhost:" + port() + "/")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
    assertThat(r.body()).isEqualTo("app");
  }

  @Test
  void tls12WorksWithTheDefaultCiphersAndOlderVersionsAreRefused() throws Exception {
    start(config("protocols: [TLSv1.2]"));
    SSLContext ctx = SSLContext.getInstance("TLSv1.2");
    ctx.init(null, trustCa(), null);
    Answer a = https(ctx, "api.test", "/");
    assertThat(a.protocol()).isEqualTo("TLSv1.2");
    assertThat(a.status()).isEqualTo(200);
    String out = sClient("-tls1_1", "-servername", "api.test");
    assertThat(out).as(out).doesNotContain("TLSv1.1, Cipher").doesNotContain("HTTP/1.1 200");
  }

  @Test
  void strictSniRefusesUnknownNamesAndCountsThem() throws Exception {
    start(config("strict_sni: true"));
    SSLContext ctx = certs.clientContext(null);
    assertThat(https(ctx, "api.test", "/").status()).isEqualTo(200);
    assertThatThrownBy(() -> https(certs.clientContext(null), "unknown.test", "/"))
        .isInstanceOf(IOException.class);
    assertThatThrownBy(() -> https(certs.clientContext(null), null, "/"))
        .isInstanceOf(IOException.class);
    await().untilAsserted(() -> assertThat(failures("unknown_sni")).isEqualTo(2));
    assertThat(https(certs.clientContext(null), "a.example.test", "/").status()).isEqualTo(200);
  }

  @Test
  void plainHttpOrGarbageOnTheTlsPortIsClosedAndCountedAndHarmsNobody() throws Exception {
    start(config(""));
    SSLContext ctx = certs.clientContext(null);
    for (String junk : List.of("GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        "\u0016\u0003\u0001\u0000\u0005hello", "\r\n\r\n\u0000\u0000garbage")) {
      try (Socket s = new Socket("127.0.0.1", port())) {
        s.setSoTimeout(10_000);
        s.getOutputStream().write(junk.getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
        // No HTTP answer on a TLS port: at most an alert record, then the close.
        byte[] got = s.getInputStream().readAllBytes();
        assertThat(new String(got, StandardCharsets.ISO_8859_1)).doesNotContain("HTTP/1.1");
      }
    }
    await().untilAsserted(() -> assertThat(failures("not_tls") + failures("protocol"))
        .as(metrics().samples().toString()).isEqualTo(3));
    assertThat(failures("not_tls")).isGreaterThanOrEqualTo(1);
    assertThat(https(ctx, "api.test", "/").status()).isEqualTo(200);
  }

  @Test
  void mutualTlsLetsInOnlyValidClientsOfTheCaAndForwardsTheSubject() throws Exception {
    start(config("client_auth: required\nclient_ca: ca.pem"));
    Answer alice = https(certs.clientContext(certs.client("alice", "alice")), "api.test",
        "/headers", "X-Client-Cert-Subject: CN=mallory");
    assertThat(alice.status()).isEqualTo(200);
    assertThat(alice.body()).contains("x-client-cert-subject: CN=alice")
        .doesNotContain("mallory");
    for (SSLContext bad : List.of(certs.clientContext(null),
        certs.clientContext(certs.expiredClient("old", "old")),
        certs.clientContext(certs.rogueClient("rogue", "rogue")))) {
      // TLS 1.3: the server's refusal may reach the client only when it reads.
      assertThatThrownBy(() -> https(bad, "api.test", "/")).isInstanceOf(IOException.class);
    }
    await().untilAsserted(() -> assertThat(failures("client_certificate")).isEqualTo(3));
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(Files.readString(dir.resolve("access.log")))
            .contains("\"client_subject\":\"CN=alice\""));
  }

  @Test
  void optionalClientCertificatesLetClientsWithoutOneIn() throws Exception {
    start(config("client_auth: optional\nclient_ca: ca.pem"));
    Answer anonymous = https(certs.clientContext(null), "api.test", "/headers");
    assertThat(anonymous.status()).isEqualTo(200);
    assertThat(anonymous.body()).doesNotContain("x-client-cert-subject");
    Answer bob = https(certs.clientContext(certs.client("bob", "bob")), "api.test", "/headers");
    assertThat(bob.body()).contains("x-client-cert-subject: CN=bob");
  }

  @Test
  void routesChooseByTheVerifiedClientCertificateNotByAHeader() throws Exception {
    TestBackend admins = backends.start("admins");
    Files.writeString(file, config("client_auth: optional\nclient_ca: ca.pem")
        .replace("    pool: app\n", """
            routes:
              - name: admins
                match: {client_cert: {subject: {prefix: "CN=admin-"}}}
                pool: admins
              - {name: rest, pool: app}
        """).replace("pools:\n", "pools:\n  - {name: admins, backends: [{address: \"%s\"}]}\n"
            .formatted(admins.address())));
    ballast = Ballast.start(ConfigLoader.load(file).orElseThrow(), 1, file);
    assertThat(https(certs.clientContext(certs.client("ann", "admin-ann")), "api.test", "/")
        .body()).isEqualTo("admins");
    assertThat(https(certs.clientContext(certs.client("bob", "bob")), "api.test", "/")
        .body()).isEqualTo("app");
    // Without a certificate, claiming one in the header changes nothing.
    assertThat(https(certs.clientContext(null), "api.test", "/",
        "X-Client-Cert-Subject: CN=admin-mallory").body()).isEqualTo("app");
  }

  @Test
  void renewedCertificatesOnDiskReloadWhileOpenConnectionsGoOn() throws Exception {
    start(config(""));
    ballast.watchConfigFile();
    SSLContext ctx = certs.clientContext(null);
    X509Certificate before = https(ctx, "api.test", "/").peer();
    try (SSLSocket open = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port())) {
      open.setSoTimeout(10_000);
      assertThat(exchange(open, "/", false).status()).isEqualTo(200);

      // A key that is not the certificate's: refused, the old certificate keeps serving.
      TestCertificates.Pair stray = certs.rsaServer("stray", "api.test");
      Files.copy(stray.key(), dir.resolve("api.key"), StandardCopyOption.REPLACE_EXISTING);
      ReloadResult bad = ballast.reload(ReloadResult.Trigger.SIGNAL).get();
      assertThat(bad.outcome()).isEqualTo("invalid");
      assertThat(((ReloadResult.Invalid) bad).errors().toString())
          .contains("listeners[0].tls.certificates[0].key", "is not the key of");
      assertThat(https(ctx, "api.test", "/").peer()).isEqualTo(before);

      // The renewed pair, moved into place: the file watch reloads it.
      TestCertificates.Pair renewed = certs.rsaServer("renewed", "api.test", "localhost");
      Files.copy(renewed.cert(), dir.resolve("api.pem"), StandardCopyOption.REPLACE_EXISTING);
      Files.copy(renewed.key(), dir.resolve("api.key"), StandardCopyOption.REPLACE_EXISTING);
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(https(ctx, "api.test", "/").peer().getSerialNumber())
              .isEqualTo(TestCertificates.read(renewed.cert()).get(0).getSerialNumber()));
      // The connection opened before goes on with the certificate it has.
      Answer again = exchange(open, "/", false);
      assertThat(again.status()).isEqualTo(200);
      assertThat(again.peer()).isEqualTo(before);
    }
  }

  @Test
  void aRedirectToHttpsRouteIsPassedOverOnTheTlsListener() throws Exception {
    Files.writeString(file, config("").replace("    pool: app\n", """
            routes:
              - {name: to-https, https_redirect: true}
              - {name: rest, pool: app}
        """));
    ballast = Ballast.start(ConfigLoader.load(file).orElseThrow(), 1, file);
    Answer a = https(certs.clientContext(null), "api.test", "/x?y=1");
    assertThat(a.status()).isEqualTo(200);
    assertThat(a.body()).isEqualTo("app");
  }

  @Test
  void sessionsResume() throws Exception {
    start(config(""));
    String first = sClient("-servername", "api.test", "-sess_out", "s.pem");
    assertThat(first).contains("New,");
    String second = sClient("-servername", "api.test", "-sess_in", "s.pem");
    assertThat(second).contains("Reused,");
    await().untilAsserted(() -> assertThat(metrics().samples()).anySatisfy(s -> {
      assertThat(s.name()).isEqualTo("lb_tls_handshakes_total");
      assertThat(s.labels()).containsEntry("resumed", "true");
    }));
  }

  /** openssl s_client against the listener, sending one request; its whole output. */
  private String sClient(String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("openssl", "s_client", "-connect",
        "127.0.0.1:" + port(), "-CAfile", certs.ca().toString(), "-ign_eof"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    p.getOutputStream().write("GET / HTTP/1.1\r\nHost: api.test\r\nConnection: close\r\n\r\n"
        .getBytes(StandardCharsets.US_ASCII));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
      p.destroyForcibly();
    }
    return out;
  }

  private javax.net.ssl.TrustManager[] trustCa() throws Exception {
    javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
        javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
    java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setCertificateEntry("ca", TestCertificates.read(certs.ca()).get(0));
    tmf.init(ks);
    return tmf.getTrustManagers();
  }
}
