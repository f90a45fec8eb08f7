package io.ballast.server.config;

import static io.ballast.server.config.ConfigLoaderTest.errors;
import static io.ballast.server.config.ConfigLoaderTest.valid;
import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.proxy.tls.ServerTls;
import io.ballast.proxy.tls.TestCertificates;
import io.ballast.proxy.tls.TlsSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A listener's {@code tls} block: every setting read, every mistake reported at its line. */
class TlsConfigTest {
  @TempDir static Path dir;
  static TestCertificates certs;
  static TestCertificates.Pair api;
  static TestCertificates.Pair other;

  @BeforeAll
  static void make() throws Exception {
    certs = new TestCertificates(dir);
    api = certs.rsaServer("api", "api.test");
    other = certs.ecServer("other", "other.test");
  }

  /** A file whose listener has {@code tls} (written at the indent of its fields, line 5 on). */
  private static String file(String tls) {
    return """
        listeners:
          - name: web
            bind: "127.0.0.1:8443"
            pool: api
            tls:
        %s
        pools:
          - name: api
            backends:
              - address: "127.0.0.1:9001"
        """.formatted(tls.indent(6).stripTrailing());
  }

  private static String pair(TestCertificates.Pair p) {
    return "{cert: \"" + p.cert() + "\", key: \"" + p.key() + "\"}";
  }

  @Test
  void everySettingIsRead() {
    ServerTls tls = valid(file("""
        certificates:
          - %s
          - {cert: "%s", key: "%s", names: [other.test, "*.other.test"], default: true}
        protocols: [TLSv1.3]
        ciphers: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]
        client_auth: optional
        client_ca: "%s"
        client_subject_header: X-Peer
        strict_sni: true
        provider: jdk
        handshake_timeout: 3s
        session_timeout: 1h
        session_cache_size: 100
        """.formatted(pair(api), other.cert(), other.key(), certs.ca())))
        .config().listeners().get(0).tls();
    TlsSettings s = tls.settings();
    assertThat(s.protocols()).containsExactly("TLSv1.3");
    assertThat(s.clientAuth()).isEqualTo(TlsSettings.ClientAuth.OPTIONAL);
    assertThat(s.clientSubjectHeader()).isEqualTo("X-Peer");
    assertThat(s.strictSni()).isTrue();
    assertThat(s.provider()).isEqualTo(TlsSettings.Provider.JDK);
    assertThat(s.handshakeTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(s.sessionTimeout()).isEqualTo(Duration.ofHours(1));
    assertThat(s.sessionCacheSize()).isEqualTo(100);
    assertThat(tls.certificates().get(1).names()).containsExactly("other.test", "*.other.test");
    assertThat(tls.select("x.other.test")).isNotNull();
    assertThat(tls.select("unknown.test")).as("strict_sni").isNull();
    assertThat(tls.providerName()).isEqualTo("jdk");
  }

  @Test
  void aPlainListenerHasNoTlsAndDefaultsAreModern() {
    ServerTls tls = valid(file("certificates: [" + pair(api) + "]")).config().listeners().get(0)
        .tls();
    assertThat(tls.settings().protocols()).containsExactly("TLSv1.2", "TLSv1.3");
    assertThat(tls.settings().clientAuth()).isEqualTo(TlsSettings.ClientAuth.NONE);
    assertThat(tls.settings().clientSubjectHeader()).isEqualTo("X-Client-Cert-Subject");
  }

  @Test
  void mistakesAreReportedAtTheirLines() throws Exception {
    Path garbage = dir.resolve("garbage.pem");
    Files.writeString(garbage, "hello\n");
    assertThat(errors(file("""
        certificates:
          - {cert: "%s", key: "%s"}
        """.formatted(api.cert(), other.key())))).singleElement().asString()
        .startsWith("test.yaml:7:")
        .contains("listeners[0].tls.certificates[0].key", "is not the key of");
    assertThat(errors(file("""
        certificates:
          - {cert: "%s", key: "%s"}
        """.formatted(dir.resolve("nope.pem"), api.key())))).singleElement().asString()
        .contains("test.yaml:7:", "certificates[0].cert", "nope.pem: cannot be read");
    assertThat(errors(file("""
        certificates:
          - {cert: "%s", key: "%s"}
        """.formatted(garbage, api.key())))).singleElement().asString()
        .contains("no PEM certificate");
    assertThat(errors(file("""
        certificates: [%s]
        ciphers: [TLS_NOT_A_SUITE]
        """.formatted(pair(api))))).singleElement().asString()
        .contains("test.yaml:7:", "tls.ciphers", "'TLS_NOT_A_SUITE' is not a cipher suite");
    assertThat(errors(file("""
        certificates: [%s]
        protocols: [TLSv1.1]
        """.formatted(pair(api))))).singleElement().asString()
        .contains("test.yaml:7:", "tls.protocols", "'TLSv1.1'");
    assertThat(errors(file("""
        certificates: [%s]
        client_auth: required
        """.formatted(pair(api))))).singleElement().asString()
        .contains("test.yaml:7:", "client_ca", "needs client_ca");
    assertThat(errors(file("""
        certificates: [%s]
        client_auth: sometimes
        """.formatted(pair(api))))).singleElement().asString()
        .contains("test.yaml:7:", "'sometimes' (expected: none, optional or required)");
    assertThat(errors(file("""
        certificates:
          - {cert: "%s", key: "%s", default: true}
          - {cert: "%s", key: "%s", default: true}
        """.formatted(api.cert(), api.key(), other.cert(), other.key()))))
        .singleElement().asString().contains("test.yaml:8:", "a second default certificate");
    assertThat(errors(file("""
        certificates: [%s]
        ciphers_list: []
        """.formatted(pair(api))))).singleElement().asString()
        .contains("test.yaml:7:", "ciphers_list", "ciphers");
    assertThat(errors(file("""
        certificates:
          - {cert: "%s", key: "%s", names: ["bad name"]}
        """.formatted(api.cert(), api.key())))).singleElement().asString()
        .contains("test.yaml:7:", "'bad name'");
  }

  /** A file whose pool has {@code tls} (its fields from line 9 on). */
  private static String poolTls(String tls) {
    return """
        listeners:
          - name: web
            bind: "127.0.0.1:8443"
            pool: api
        pools:
          - name: api
            backends: [{address: "127.0.0.1:9001"}]
            tls:
        %s
        """.formatted(tls.indent(6).stripTrailing());
  }

  @Test
  void aPoolsTlsToItsBackendsIsReadAndChecked() throws Exception {
    TestCertificates.Pair client = certs.client("client", "ballast");
    var tls = valid(poolTls("""
        ca: "%s"
        server_name: api.internal
        cert: "%s"
        key: "%s"
        provider: jdk
        """.formatted(certs.ca(), client.cert(), client.key()))).config().pools().get(0).tls()
        .orElseThrow();
    assertThat(tls.settings().verify()).isTrue();
    assertThat(tls.settings().serverName()).isEqualTo("api.internal");
    assertThat(tls.toString()).contains("as api.internal", "with a client certificate");
    assertThat(valid(poolTls("verify: false")).config().pools().get(0).tls().orElseThrow()
        .settings().verify()).isFalse();
    assertThat(errors(poolTls("cert: \"" + client.cert() + "\""))).singleElement().asString()
        .contains("test.yaml:9:", "pools[0].tls.cert", "set without key");
    assertThat(errors(poolTls("ca: \"" + dir.resolve("none.pem") + "\"")))
        .singleElement().asString().contains("test.yaml:9:", "none.pem: cannot be read");
    assertThat(errors(poolTls("""
        cert: "%s"
        key: "%s"
        """.formatted(client.cert(), other.key())))).singleElement().asString()
        .contains("test.yaml:10:", "pools[0].tls.key", "is not the key of");
    assertThat(errors(poolTls("verfy: false"))).singleElement().asString()
        .contains("test.yaml:9:", "verfy", "verify");
  }

  @Test
  void routesMatchTheClientCertificatesSubject() {
    String routes = """
        listeners:
          - name: web
            bind: "127.0.0.1:8443"
            routes:
              - name: ops
                match: {client_cert: %s}
                pool: api
        pools:
          - name: api
            backends: [{address: "127.0.0.1:9001"}]
        """;
    var match = valid(routes.formatted("{subject: {prefix: \"CN=ops-\"}}")).config()
        .listeners().get(0).routes().get(0).match();
    assertThat(match.toString()).contains("CN=ops-");
    assertThat(errors(routes.formatted("{issuer: \"CN=x\"}"))).singleElement().asString()
        .contains("test.yaml:6:", "client_cert.issuer", "unknown condition 'issuer'");
    assertThat(errors(routes.formatted("{}"))).singleElement().asString()
        .contains("test.yaml:6:", "client_cert", "no condition");
  }

  @Test
  void relativePathsAreReadFromTheConfigFilesDirectory() throws Exception {
    Path sub = Files.createDirectories(dir.resolve("etc"));
    Files.copy(api.cert(), sub.resolve("c.pem"));
    Files.copy(api.key(), sub.resolve("c.key"));
    Path config = sub.resolve("ballast.yaml");
    Files.writeString(config, file("certificates: [{cert: c.pem, key: c.key}]"));
    ServerTls tls = ConfigLoader.load(config).orElseThrow().listeners().get(0).tls();
    assertThat(tls.settings().certificates().get(0).cert()).isEqualTo(sub.resolve("c.pem"));
    assertThat(List.of(tls.certificates().get(0).subject())).containsExactly("CN=api.test");
  }
}
