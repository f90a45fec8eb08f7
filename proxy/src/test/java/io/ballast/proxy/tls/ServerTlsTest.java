package io.ballast.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Building a listener's TLS from real files made by openssl: formats, checks, SNI choice. */
class ServerTlsTest {
  @TempDir static Path dir;
  static TestCertificates certs;
  static TestCertificates.Pair rsa;
  static TestCertificates.Pair ec;
  static TestCertificates.Pair other;

  @BeforeAll
  static void make() throws Exception {
    certs = new TestCertificates(dir);
    rsa = certs.rsaServer("rsa", "api.test", "localhost");
    ec = certs.ecServer("ec", "*.example.test");
    other = certs.ecServer("other", "other.test");
  }

  private static TlsSettings settings(List<TlsSettings.CertificateSpec> specs, boolean strict,
      TlsSettings.Provider provider, List<String> ciphers) {
    return new TlsSettings(specs, TlsSettings.DEFAULT_PROTOCOLS, ciphers,
        TlsSettings.ClientAuth.NONE, null, strict, provider, Duration.ofSeconds(10),
        Duration.ofMinutes(5), 1000, TlsSettings.DEFAULT_CLIENT_SUBJECT_HEADER);
  }

  private static TlsSettings.CertificateSpec spec(TestCertificates.Pair p) {
    return new TlsSettings.CertificateSpec(p.cert(), p.key(), List.of(), false);
  }

  @ParameterizedTest
  @EnumSource(value = TlsSettings.Provider.class, names = {"OPENSSL", "JDK"})
  void choosesByServerNameExactThenWildcardElseTheDefault(TlsSettings.Provider provider)
      throws Exception {
    ServerTls tls = ServerTls.build(settings(List.of(spec(rsa), spec(ec)), false, provider,
        List.of()));
    SslContext api = tls.select("api.test");
    SslContext wild = tls.select("a.example.test");
    assertThat(api).isNotNull().isNotSameAs(wild);
    assertThat(tls.select("LOCALHOST.")).isSameAs(api);
    assertThat(tls.select("b.example.test")).isSameAs(wild);
    // A wildcard covers one label: neither the bare domain nor two labels.
    assertThat(tls.select("example.test")).isSameAs(api);
    assertThat(tls.select("a.b.example.test")).isSameAs(api);
    assertThat(tls.select(null)).isSameAs(api);
    assertThat(tls.matchedName("x.example.test")).isEqualTo("*.example.test");
    assertThat(tls.matchedName("nope.test")).isNull();
    assertThat(tls.providerName()).isEqualTo(provider == TlsSettings.Provider.JDK ? "jdk"
        : "openssl");
    assertThat(tls.certificates().get(0).names()).containsExactly("api.test", "localhost");
  }

  @Test
  void theMarkedDefaultAnswersUnknownNamesAndStrictSniAnswersNone() throws Exception {
    TlsSettings.CertificateSpec marked =
        new TlsSettings.CertificateSpec(ec.cert(), ec.key(), List.of(), true);
    ServerTls tls = ServerTls.build(settings(List.of(spec(rsa), marked), false,
        TlsSettings.Provider.AUTO, List.of()));
    assertThat(tls.select("unknown.test")).isSameAs(tls.select("x.example.test"));
    ServerTls strict = ServerTls.build(settings(List.of(spec(rsa), marked), true,
        TlsSettings.Provider.AUTO, List.of()));
    assertThat(strict.select("unknown.test")).isNull();
    assertThat(strict.select(null)).isNull();
    assertThat(strict.select("api.test")).isNotNull();
  }

  @Test
  void readsPkcs1AndSec1KeysAsWellAsPkcs8() throws Exception {
    Path pkcs1 = certs.pkcs1(rsa);
    Path sec1 = certs.sec1(ec);
    assertThat(Files.readString(pkcs1)).contains("BEGIN RSA PRIVATE KEY");
    assertThat(Files.readString(sec1)).contains("BEGIN EC PRIVATE KEY");
    ServerTls tls = ServerTls.build(settings(List.of(
        new TlsSettings.CertificateSpec(rsa.cert(), pkcs1, List.of(), false),
        new TlsSettings.CertificateSpec(ec.cert(), sec1, List.of(), false)), false,
        TlsSettings.Provider.AUTO, List.of()));
    assertThat(tls.certificates()).hasSize(2);
    assertThat(tls.certificates().get(1).key().getAlgorithm()).isEqualTo("EC");
  }

  @Test
  void aKeyOfAnotherCertificateIsRefusedNamingTheKey() {
    assertThatThrownBy(() -> ServerTls.build(settings(List.of(
        new TlsSettings.CertificateSpec(ec.cert(), other.key(), List.of(), false)), false,
        TlsSettings.Provider.AUTO, List.of())))
        .isInstanceOf(TlsException.class)
        .hasMessageContaining("is not the key of")
        .extracting(e -> ((TlsException) e).field()).isEqualTo("certificates[0].key");
  }

  @Test
  void unreadableAndMalformedFilesAreRefusedNamingTheField() throws Exception {
    Path garbage = dir.resolve("garbage.pem");
    Files.writeString(garbage, "not a certificate\n");
    assertThatThrownBy(() -> ServerTls.build(settings(List.of(
        new TlsSettings.CertificateSpec(dir.resolve("missing.pem"), rsa.key(), List.of(), false)),
        false, TlsSettings.Provider.AUTO, List.of())))
        .hasMessageContaining("missing.pem: cannot be read")
        .extracting(e -> ((TlsException) e).field()).isEqualTo("certificates[0].cert");
    assertThatThrownBy(() -> ServerTls.build(settings(List.of(
        new TlsSettings.CertificateSpec(garbage, rsa.key(), List.of(), false)),
        false, TlsSettings.Provider.AUTO, List.of())))
        .hasMessageContaining("no PEM certificate in it");
    assertThatThrownBy(() -> ServerTls.build(settings(List.of(
        new TlsSettings.CertificateSpec(rsa.cert(), garbage, List.of(), false)),
        false, TlsSettings.Provider.AUTO, List.of())))
        .hasMessageContaining("no PEM private key")
        .extracting(e -> ((TlsException) e).field()).isEqualTo("certificates[0].key");
  }

  @ParameterizedTest
  @EnumSource(value = TlsSettings.Provider.class, names = {"OPENSSL", "JDK"})
  void anUnknownCipherIsRefused(TlsSettings.Provider provider) {
    assertThatThrownBy(() -> ServerTls.build(settings(List.of(spec(rsa)), false, provider,
        List.of("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_MADE_UP_SUITE"))))
        .hasMessageContaining("'TLS_MADE_UP_SUITE' is not a cipher suite")
        .extracting(e -> ((TlsException) e).field()).isEqualTo("ciphers");
  }

  @Test
  void theFingerprintFollowsTheFilesContents() throws Exception {
    TlsSettings s = settings(List.of(spec(rsa)), false, TlsSettings.Provider.AUTO, List.of());
    ServerTls first = ServerTls.build(s);
    assertThat(ServerTls.build(s)).isEqualTo(first);
    Path cert = dir.resolve("renewed.pem");
    Path key = dir.resolve("renewed.key");
    Files.copy(rsa.cert(), cert);
    Files.copy(rsa.key(), key);
    TlsSettings t = settings(List.of(new TlsSettings.CertificateSpec(cert, key, List.of(), false)),
        false, TlsSettings.Provider.AUTO, List.of());
    ServerTls before = ServerTls.build(t);
    TestCertificates.Pair renewed = certs.rsaServer("renewed2", "api.test");
    Files.copy(renewed.cert(), cert, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.copy(renewed.key(), key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertThat(ServerTls.build(t)).isNotEqualTo(before);
  }

  @Test
  void openSslLoadsHere() {
    assertThat(OpenSsl.isAvailable()).as("BoringSSL (netty-tcnative) loads on linux-x86_64")
        .isTrue();
  }
}
