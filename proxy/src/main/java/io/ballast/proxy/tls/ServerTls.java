package io.ballast.proxy.tls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslCachingX509KeyManagerFactory;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

/**
 * A TLS listener's certificates made ready to serve: one Netty {@link SslContext} per
 * certificate, and the choice of one by the name a client sends (SNI, RFC 6066 section 3).
 *
 * <p>Built whole from {@link TlsSettings} (files read, keys checked against their certificates,
 * protocols and ciphers checked against the provider) or not at all: a listener swaps its
 * {@code ServerTls} in one reference write, so a certificate reload never leaves a half-new
 * state, and connections that already chose a context keep it. Immutable and thread-safe.
 *
 * <p>Names match as {@link ServerNames} says: an exact name wins over a wildcard;
 * {@code *.example.com} matches one label ({@code a.example.com}, not {@code example.com} nor
 * {@code a.b.example.com}), as certificate wildcards do (RFC 6125 section 6.4.3). Names compare
 * case-insensitively.
 */
public final class ServerTls {
  private final TlsSettings settings;
  private final List<ServerCertificate> certificates;
  private final ServerNames<SslContext> names;
  private final SslContext fallback;
  private final SslProvider provider;
  private final String fingerprint;

  private ServerTls(TlsSettings settings, List<ServerCertificate> certificates,
      ServerNames<SslContext> names, SslContext fallback, SslProvider provider,
      String fingerprint) {
    this.settings = settings;
    this.certificates = List.copyOf(certificates);
    this.names = names;
    this.fallback = fallback;
    this.provider = provider;
    this.fingerprint = fingerprint;
  }

  /**
   * Reads, checks and builds everything {@code settings} names.
   *
   * @throws TlsException naming the setting at fault: an unreadable or malformed file, a key
   *     that is not its certificate's, an unknown protocol or cipher, a provider that cannot load
   */
  public static ServerTls build(TlsSettings settings) throws TlsException {
    return build(settings, true);
  }

  /**
   * As {@link #build(TlsSettings)}; ALPN offers h2 before http/1.1 when {@code http2}, else
   * http/1.1 only (a client told h2 would send HTTP/2 to a listener that does not speak it).
   */
  public static ServerTls build(TlsSettings settings, boolean http2) throws TlsException {
    SslProvider provider = provider(settings.provider());
    checkProtocols(settings.protocols(), provider);
    List<String> ciphers = ciphers(settings.protocols(), settings.ciphers(), provider);
    List<X509Certificate> clientCas = null;
    byte[] caFile = new byte[0];
    if (settings.clientAuth() != TlsSettings.ClientAuth.NONE) {
      caFile = ServerCertificate.read(settings.clientCa().toString(), "client_ca");
      try {
        clientCas = Pem.certificates(caFile);
      } catch (GeneralSecurityException e) {
        throw new TlsException("client_ca", settings.clientCa() + ": " + e.getMessage(), e);
      }
    }
    List<ServerCertificate> certs = new ArrayList<>();
    for (int i = 0; i < settings.certificates().size(); i++) {
      certs.add(ServerCertificate.load(settings.certificates().get(i), i));
    }
    ServerNames.Builder<SslContext> names = ServerNames.builder();
    SslContext fallback = null;
    for (ServerCertificate c : certs) {
      SslContext context = context(settings, provider, ciphers, clientCas, c, http2);
      for (String name : c.names()) {
        // The first certificate to claim a name keeps it.
        names.add(name, context);
      }
      // The first certificate marked default answers unknown names; with none marked, the first.
      if (fallback == null || c.isDefault() && noEarlierDefault(certs, c)) {
        fallback = context;
      }
    }
    return new ServerTls(settings, certs, names.build(), fallback, provider,
        Fingerprint.of(settings, files(certs, caFile)));
  }

  /**
   * The context for a client that asked for {@code hostname} (null: no SNI); null when
   * {@code strict_sni} is on and no certificate has that name.
   */
  public SslContext select(String hostname) {
    SslContext c = names.lookup(hostname);
    return c != null || settings.strictSni() ? c : fallback;
  }

  /**
   * The configured name that {@code hostname} matches (itself, or the {@code *.} wildcard), or
   * null when none does.
   */
  public String matchedName(String hostname) {
    return names.matchedName(hostname);
  }

  public TlsSettings settings() {
    return settings;
  }

  public List<ServerCertificate> certificates() {
    return certificates;
  }

  /** The provider in use: OPENSSL (BoringSSL) or JDK. */
  public String providerName() {
    return provider == SslProvider.OPENSSL ? "openssl" : "jdk";
  }

  /**
   * A digest of the settings and of every file's contents: equal for two builds that would serve
   * exactly the same, different when a certificate, key or CA file changed on disk.
   */
  public String fingerprint() {
    return fingerprint;
  }

  /** Equal when they serve exactly the same: same settings, same file contents. */
  @Override
  public boolean equals(Object o) {
    return o instanceof ServerTls t && t.fingerprint.equals(fingerprint);
  }

  @Override
  public int hashCode() {
    return fingerprint.hashCode();
  }

  @Override
  public String toString() {
    List<String> names = new ArrayList<>();
    for (ServerCertificate c : certificates) {
      names.add(String.join(",", c.names()) + (c.isDefault() ? " (default)" : ""));
    }
    return "tls " + providerName() + " " + settings.protocols() + " certificates " + names
        + (settings.clientAuth() == TlsSettings.ClientAuth.NONE ? ""
            : " client_auth " + settings.clientAuth().name().toLowerCase(Locale.ROOT));
  }

  private static boolean noEarlierDefault(List<ServerCertificate> certs, ServerCertificate c) {
    for (ServerCertificate e : certs) {
      if (e == c) {
        return true;
      }
      if (e.isDefault()) {
        return false;
      }
    }
    return true;
  }

  private static SslContext context(TlsSettings settings, SslProvider provider,
      List<String> ciphers, List<X509Certificate> clientCas, ServerCertificate cert,
      boolean http2) throws TlsException {
    List<String> alpn = http2
        ? List.of(ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1)
        : List.of(ApplicationProtocolNames.HTTP_1_1);
    SslContextBuilder b = serverBuilder(cert, provider)
        .sslProvider(provider)
        .protocols(settings.protocols())
        .ciphers(ciphers, IdentityCipherSuiteFilter.INSTANCE)
        .sessionTimeout(settings.sessionTimeout().toSeconds())
        .sessionCacheSize(settings.sessionCacheSize())
        .applicationProtocolConfig(new ApplicationProtocolConfig(
            ApplicationProtocolConfig.Protocol.ALPN,
            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
            alpn));
    if (clientCas != null) {
      b.trustManager(clientCas.toArray(new X509Certificate[0]))
          .clientAuth(settings.clientAuth() == TlsSettings.ClientAuth.REQUIRED
              ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL);
    }
    try {
      return b.build();
    } catch (SSLException | RuntimeException e) {
      throw new TlsException("certificates[" + cert.index() + "]", "cannot be used with the "
          + (provider == SslProvider.OPENSSL ? "openssl" : "jdk") + " provider: "
          + e.getMessage(), e);
    }
  }

  private static List<byte[]> files(List<ServerCertificate> certs, byte[] caFile) {
    List<byte[]> out = new ArrayList<>();
    for (ServerCertificate c : certs) {
      out.add(c.fileBytes());
    }
    out.add(caFile);
    return out;
  }

  /**
   * The builder for one certificate. With BoringSSL the key goes through a caching key manager:
   * Netty otherwise hands BoringSSL the key anew at every handshake (a certificate callback that
   * converts the Java key each time, in case a key manager changes its answer), which measured
   * 1.8 x HAProxy's CPU per full RSA 2048 handshake. Ours never changes: it is fixed per context.
   */
  private static SslContextBuilder serverBuilder(ServerCertificate cert, SslProvider provider)
      throws TlsException {
    X509Certificate[] chain = cert.chain().toArray(new X509Certificate[0]);
    if (provider != SslProvider.OPENSSL) {
      return SslContextBuilder.forServer(cert.key(), chain);
    }
    try {
      char[] password = new char[0];
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("server", cert.key(), password, chain);
      KeyManagerFactory kmf =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(store, password);
      return SslContextBuilder.forServer(new OpenSslCachingX509KeyManagerFactory(kmf));
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new TlsException("certificates[" + cert.index() + "]",
          "cannot be held for the openssl provider: " + e.getMessage(), e);
    }
  }

  static SslProvider provider(TlsSettings.Provider wanted) throws TlsException {
    return switch (wanted) {
      case JDK -> SslProvider.JDK;
      case OPENSSL -> {
        if (!OpenSsl.isAvailable()) {
          Throwable why = OpenSsl.unavailabilityCause();
          throw new TlsException("provider", "openssl: BoringSSL does not load on this machine ("
              + (why == null ? "unknown reason" : why.getMessage())
              + "; expected: provider jdk or auto)", why);
        }
        yield SslProvider.OPENSSL;
      }
      case AUTO -> OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    };
  }

  private static void checkProtocols(List<String> protocols, SslProvider provider)
      throws TlsException {
    Set<String> known = Set.of("TLSv1.2", "TLSv1.3");
    for (String p : protocols) {
      if (!known.contains(p)) {
        throw new TlsException("protocols", "'" + p + "' (expected: TLSv1.2 or TLSv1.3; older"
            + " versions are broken and not offered)");
      }
    }
  }

  /**
   * The cipher suites to enable for {@code protocols}: the configured TLS 1.2 ones (empty: the
   * defaults the provider has), checked, plus TLS 1.3's.
   */
  static List<String> ciphers(List<String> protocols, List<String> configured,
      SslProvider provider) throws TlsException {
    List<String> wanted = configured.isEmpty() ? TlsSettings.DEFAULT_CIPHERS : configured;
    Set<String> supported = supported(provider);
    LinkedHashSet<String> out = new LinkedHashSet<>();
    for (String c : wanted) {
      if (!supported.contains(c)) {
        if (configured.isEmpty()) {
          continue;
        }
        throw new TlsException("ciphers", "'" + c + "' is not a cipher suite the "
            + (provider == SslProvider.OPENSSL ? "openssl" : "jdk") + " provider knows"
            + " (expected: IANA names such as TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)");
      }
      out.add(c);
    }
    if (protocols.contains("TLSv1.3")) {
      for (String c : TlsSettings.TLS13_CIPHERS) {
        if (supported.contains(c)) {
          out.add(c);
        }
      }
    }
    if (out.isEmpty()) {
      throw new TlsException("ciphers", "no cipher suite left for " + protocols
          + " (expected: at least one the provider knows)");
    }
    return List.copyOf(out);
  }

  private static Set<String> supported(SslProvider provider) {
    if (provider == SslProvider.OPENSSL) {
      return OpenSsl.availableJavaCipherSuites();
    }
    try {
      return Set.of(SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites());
    } catch (GeneralSecurityException e) {
      return Set.of();
    }
  }
}
