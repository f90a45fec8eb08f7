package io.ballast.proxy.tls;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A TLS listener's settings, as configured: where its certificates are and how it negotiates.
 * Files are named, not read: {@link ServerTls#build} reads them. Immutable.
 *
 * @param certificates one or more; a connection gets the one whose names match its SNI, else
 *     the default
 * @param protocols enabled protocol versions ({@code TLSv1.2}, {@code TLSv1.3})
 * @param ciphers TLS 1.2 cipher suites by their IANA names; empty: {@link #DEFAULT_CIPHERS}.
 *     TLS 1.3's suites are the provider's (all three are AEAD, nothing to choose)
 * @param clientAuth whether clients present certificates
 * @param clientCa the CA bundle that signs client certificates; required unless {@code NONE}
 * @param strictSni refuse a ClientHello whose name matches no certificate (or that has none)
 *     instead of answering with the default certificate
 * @param provider which TLS implementation
 * @param handshakeTimeout how long a client has to finish its handshake
 * @param sessionTimeout how long a session may be resumed
 * @param sessionCacheSize sessions kept for resumption by id (tickets need none)
 * @param clientSubjectHeader the request header that carries a verified client certificate's
 *     subject to the backend (always removed from what the client sent); null for none
 */
public record TlsSettings(
    List<CertificateSpec> certificates,
    List<String> protocols,
    List<String> ciphers,
    ClientAuth clientAuth,
    Path clientCa,
    boolean strictSni,
    Provider provider,
    Duration handshakeTimeout,
    Duration sessionTimeout,
    int sessionCacheSize,
    String clientSubjectHeader) {

  public static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.2", "TLSv1.3");
  /**
   * ECDHE with AEAD ciphers only, ECDSA before RSA: forward secrecy and no CBC (the usual
   * "intermediate" profile). Clients older than that are a risk to their own users.
   */
  public static final List<String> DEFAULT_CIPHERS = List.of(
      "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
  /** TLS 1.3's cipher suites, which are enabled whenever TLS 1.3 is. */
  public static final List<String> TLS13_CIPHERS = List.of(
      "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256");
  public static final String DEFAULT_CLIENT_SUBJECT_HEADER = "X-Client-Cert-Subject";

  /** Whether a client presents a certificate. */
  public enum ClientAuth {
    /** Not asked for. */
    NONE,
    /** Asked for; a client without one connects, one with a bad one does not. */
    OPTIONAL,
    /** A client without a valid certificate does not connect. */
    REQUIRED
  }

  /** The TLS implementation. */
  public enum Provider {
    /** BoringSSL when its native library loads here, else the JDK's. */
    AUTO,
    /** BoringSSL (netty-tcnative); an error where it cannot load. */
    OPENSSL,
    /** The JDK's own TLS. */
    JDK
  }

  /**
   * One certificate with its key.
   *
   * @param cert PEM file: the server's certificate, then the intermediates
   * @param key PEM file: the certificate's private key, unencrypted
   * @param names host names this certificate answers (exact or {@code *.example.com}); empty:
   *     the certificate's own DNS names (subject alternative names, else the common name)
   * @param isDefault the certificate for a client that sends no name or an unknown one; when
   *     none is marked, the first
   */
  public record CertificateSpec(Path cert, Path key, List<String> names, boolean isDefault) {
    public CertificateSpec {
      Objects.requireNonNull(cert, "cert");
      Objects.requireNonNull(key, "key");
      names = List.copyOf(names);
    }
  }

  public TlsSettings {
    certificates = List.copyOf(certificates);
    protocols = List.copyOf(protocols);
    ciphers = List.copyOf(ciphers);
    Objects.requireNonNull(clientAuth, "clientAuth");
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
    Objects.requireNonNull(sessionTimeout, "sessionTimeout");
    if (certificates.isEmpty()) {
      throw new IllegalArgumentException("certificates: [] (expected: at least one)");
    }
    if (protocols.isEmpty()) {
      throw new IllegalArgumentException("protocols: [] (expected: at least one)");
    }
    if (clientAuth != ClientAuth.NONE && clientCa == null) {
      throw new IllegalArgumentException(
          "client_auth: " + clientAuth + " without a CA (expected: client_ca)");
    }
    if (handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
      throw new IllegalArgumentException(
          "handshakeTimeout: " + handshakeTimeout + " (expected: > 0)");
    }
    if (sessionCacheSize < 0) {
      throw new IllegalArgumentException(
          "sessionCacheSize: " + sessionCacheSize + " (expected: >= 0)");
    }
  }

  /** One certificate and key, every other setting at its default. */
  public static TlsSettings of(Path cert, Path key) {
    return new TlsSettings(List.of(new CertificateSpec(cert, key, List.of(), false)),
        DEFAULT_PROTOCOLS, List.of(), ClientAuth.NONE, null, false, Provider.AUTO,
        Duration.ofSeconds(10), Duration.ofMinutes(5), 20_000, DEFAULT_CLIENT_SUBJECT_HEADER);
  }
}
