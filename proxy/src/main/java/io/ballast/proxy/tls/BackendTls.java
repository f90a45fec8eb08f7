package io.ballast.proxy.tls;

import io.ballast.core.Backend;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * How a pool speaks TLS to its backends: the client context (the CAs it trusts, its own
 * certificate for mutual TLS), the server name it sends and verifies, and whether it verifies at
 * all. Built whole from {@link Settings} or not at all ({@link TlsException} naming the field);
 * equal to another when both would connect exactly alike (same settings, same file contents), so
 * that a reload that changes nothing keeps every pooled connection. Immutable (but for the
 * HTTP/2 context, built once on first use) and thread-safe.
 *
 * <p>Verification is on by default: the backend's certificate must chain to {@code ca} (or the
 * JDK's trusted CAs) and name the host ballast asked for ({@code server_name}, else the backend's
 * host), checked as HTTPS clients check (RFC 2818, RFC 6125). A backend named by IP address is
 * checked against the certificate's IP addresses.
 */
public final class BackendTls {
  private final Settings settings;
  private final SslContext context;
  private final String fingerprint;
  /** Builds the context again with ALPN offering h2 only, for pools that speak HTTP/2. */
  private final SslContextBuilder builder;
  /** That context, built the first time a connection needs it; guarded by {@code this}. */
  private SslContext h2Context;

  /**
   * A pool's TLS to its backends, as configured.
   *
   * @param ca PEM bundle of the CAs that sign the backends' certificates; null: the JDK's
   * @param verify check the backend's certificate (chain and name); false accepts any
   * @param serverName the name sent as SNI and verified; null: the backend's host
   * @param cert a client certificate (PEM, with intermediates) for backends that ask for one;
   *     null for none
   * @param key its private key (PEM); set exactly when {@code cert} is
   * @param provider which TLS implementation
   */
  public record Settings(Path ca, boolean verify, String serverName, Path cert, Path key,
      TlsSettings.Provider provider) {
    public Settings {
      Objects.requireNonNull(provider, "provider");
      if ((cert == null) != (key == null)) {
        throw new IllegalArgumentException("cert and key: " + (cert == null ? "key" : "cert")
            + " alone (expected: both, for a client certificate, or neither)");
      }
    }
  }

  private BackendTls(Settings settings, SslContext context, String fingerprint,
      SslContextBuilder builder) {
    this.settings = settings;
    this.context = context;
    this.fingerprint = fingerprint;
    this.builder = builder;
  }

  /** Reads and checks everything {@code settings} names. */
  public static BackendTls build(Settings settings) throws TlsException {
    SslProvider provider = ServerTls.provider(settings.provider());
    SslContextBuilder b = SslContextBuilder.forClient()
        .sslProvider(provider)
        .protocols(TlsSettings.DEFAULT_PROTOCOLS)
        .ciphers(ServerTls.ciphers(TlsSettings.DEFAULT_PROTOCOLS, List.of(), provider),
            IdentityCipherSuiteFilter.INSTANCE)
        .applicationProtocolConfig(alpn(ApplicationProtocolNames.HTTP_1_1));
    List<byte[]> files = new ArrayList<>();
    if (!settings.verify()) {
      b.trustManager(InsecureTrustManagerFactory.INSTANCE);
    } else if (settings.ca() != null) {
      byte[] file = ServerCertificate.read(settings.ca().toString(), "ca");
      files.add(file);
      try {
        b.trustManager(Pem.certificates(file).toArray(new X509Certificate[0]));
      } catch (GeneralSecurityException e) {
        throw new TlsException("ca", settings.ca() + ": " + e.getMessage(), e);
      }
    }
    if (settings.cert() != null) {
      ServerCertificate client = ServerCertificate.load(new TlsSettings.CertificateSpec(
          settings.cert(), settings.key(), List.of("client"), false), 0, "");
      files.add(client.fileBytes());
      PrivateKey key = client.key();
      b.keyManager(key, client.chain().toArray(new X509Certificate[0]));
    }
    try {
      return new BackendTls(settings, b.build(), Fingerprint.of(settings, files), b);
    } catch (SSLException | RuntimeException e) {
      throw new TlsException(settings.cert() != null ? "cert" : "ca", "cannot be used with the "
          + (provider == SslProvider.OPENSSL ? "openssl" : "jdk") + " provider: "
          + e.getMessage(), e);
    }
  }

  public Settings settings() {
    return settings;
  }

  /**
   * ALPN offering {@code protocol} only. A backend that selects nothing is accepted by the
   * handshake (ACCEPT): the connection's user checks what was selected and says why it refuses.
   */
  private static ApplicationProtocolConfig alpn(String protocol) {
    return new ApplicationProtocolConfig(
        ApplicationProtocolConfig.Protocol.ALPN,
        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
        protocol);
  }

  /**
   * The context for HTTP/2 connections (ALPN offers h2 only), built once on first use: most
   * pools never speak HTTP/2, and the settings were checked when the HTTP/1.1 one was built.
   */
  private synchronized SslContext h2Context() {
    if (h2Context == null) {
      try {
        h2Context = builder.applicationProtocolConfig(alpn(ApplicationProtocolNames.HTTP_2))
            .build();
      } catch (SSLException e) {
        throw new IllegalStateException("TLS to backends with h2: " + e.getMessage(), e);
      }
    }
    return h2Context;
  }

  /**
   * A TLS handler for a new connection to {@code backend}: SNI and the verified name are
   * {@code server_name}, else the backend's host (an IP address sends no SNI, as RFC 6066
   * says, and is checked against the certificate's IP addresses).
   */
  public SslHandler newHandler(ByteBufAllocator alloc, Backend backend) {
    return newHandler(alloc, backend, false);
  }

  /** As {@link #newHandler}, offering h2 (alone) by ALPN instead of http/1.1. */
  public SslHandler newH2Handler(ByteBufAllocator alloc, Backend backend) {
    return newHandler(alloc, backend, true);
  }

  /** As above; {@code h2}: ALPN offers h2 only (else http/1.1 only). */
  public SslHandler newHandler(ByteBufAllocator alloc, Backend backend, boolean h2) {
    String host = settings.serverName() != null ? settings.serverName() : backend.host();
    SSLEngine engine = (h2 ? h2Context() : context).newEngine(alloc, host, backend.port());
    if (settings.verify()) {
      SSLParameters p = engine.getSSLParameters();
      p.setEndpointIdentificationAlgorithm("HTTPS");
      engine.setSSLParameters(p);
    }
    return new SslHandler(engine);
  }

  /** Equal when both would connect exactly alike: same settings, same file contents. */
  @Override
  public boolean equals(Object o) {
    return o instanceof BackendTls t && t.fingerprint.equals(fingerprint);
  }

  @Override
  public int hashCode() {
    return fingerprint.hashCode();
  }

  @Override
  public String toString() {
    return "tls to backends" + (settings.verify() ? "" : " (not verified)")
        + (settings.serverName() == null ? "" : " as " + settings.serverName())
        + (settings.cert() == null ? "" : " with a client certificate");
  }
}
