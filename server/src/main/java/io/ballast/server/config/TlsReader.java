package io.ballast.server.config;

import io.ballast.proxy.tls.ServerNames;
import io.ballast.proxy.tls.ServerTls;
import io.ballast.proxy.tls.TlsException;
import io.ballast.proxy.tls.TlsSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads a listener's {@code tls} block and builds its certificates right away
 * ({@link ServerTls#build}), so that an unreadable file, a key that is not its certificate's or
 * an unknown cipher is a config error at its line, found by {@code ballast check} and refused by
 * a reload before anything changes. Not thread-safe: one load at a time.
 */
final class TlsReader {
  private static final Value<TlsSettings.ClientAuth> CLIENT_AUTH = Value.choice(
      "none, optional or required", Map.of("none", TlsSettings.ClientAuth.NONE,
          "optional", TlsSettings.ClientAuth.OPTIONAL,
          "required", TlsSettings.ClientAuth.REQUIRED));
  private static final Value<TlsSettings.Provider> PROVIDER = Value.choice(
      "auto, openssl or jdk", Map.of("auto", TlsSettings.Provider.AUTO,
          "openssl", TlsSettings.Provider.OPENSSL, "jdk", TlsSettings.Provider.JDK));
  private static final Value<String> TEXT = Value.string("a non-empty string",
      Pattern.compile("\\S(.*\\S)?"));
  /** A host name as a certificate may claim it, or an SNI route lists it. */
  static final Value<String> NAME = Value.string(
      "a host name such as api.example.com or *.example.com", ServerNames.SYNTAX);
  private static final Value<String> HEADER = Value.string("a header name token, or off",
      ForwardingConfig.TOKEN);

  private final Problems problems;
  private final boolean http2;

  /** @param http2 ALPN offers h2 too */
  TlsReader(Problems problems, boolean http2) {
    this.problems = problems;
    this.http2 = http2;
  }

  /** The built TLS of a listener's {@code tls} block; null after reporting errors. */
  ServerTls tls(Section s) {
    int before = problems.errorCount();
    Map<String, Mark> marks = new HashMap<>();
    List<TlsSettings.CertificateSpec> certs = new ArrayList<>();
    List<Section> items = s.list("certificates", "certificate");
    int defaults = 0;
    for (int i = 0; i < items.size(); i++) {
      Section c = items.get(i);
      String at = "certificates[" + i + "]";
      Path cert = path(c, "cert", at, marks);
      Path key = path(c, "key", at, marks);
      List<String> names = c.get("names", Value.list(NAME, 1), List.of());
      marks.put(at + ".names", c.markOf("names"));
      marks.put(at, c.mark());
      Boolean isDefault = c.get("default", Value.bool(), false);
      if (Boolean.TRUE.equals(isDefault) && ++defaults == 2) {
        problems.error(c.markOf("default"), c.path("default"), "a second default certificate"
            + " (expected: default: true on one certificate at most)");
      }
      c.rejectUnknown();
      if (cert != null && key != null && names != null && isDefault != null) {
        certs.add(new TlsSettings.CertificateSpec(cert, key, names, isDefault));
      }
    }
    List<String> protocols = s.get("protocols", Value.list(TEXT, 1), TlsSettings.DEFAULT_PROTOCOLS);
    marks.put("protocols", s.markOf("protocols"));
    List<String> ciphers = s.get("ciphers", Value.list(TEXT, 1), List.of());
    marks.put("ciphers", s.markOf("ciphers"));
    TlsSettings.ClientAuth auth = s.get("client_auth", CLIENT_AUTH, TlsSettings.ClientAuth.NONE);
    Path ca = s.optional("client_ca").isPresent() ? path(s, "client_ca", null, marks) : null;
    if (auth != null && auth != TlsSettings.ClientAuth.NONE && ca == null
        && s.optional("client_ca").isEmpty()) {
      problems.error(s.markOf("client_auth"), s.path("client_ca"), "client_auth " + auth.name()
          .toLowerCase(java.util.Locale.ROOT) + " needs client_ca (expected: the PEM bundle of"
          + " the CAs that sign client certificates)");
    }
    String subjectHeader = s.get("client_subject_header", HEADER,
        TlsSettings.DEFAULT_CLIENT_SUBJECT_HEADER);
    Boolean strict = s.get("strict_sni", Value.bool(), false);
    TlsSettings.Provider provider = s.get("provider", PROVIDER, TlsSettings.Provider.AUTO);
    marks.put("provider", s.markOf("provider"));
    Duration handshake = s.get("handshake_timeout", Value.duration(), Duration.ofSeconds(10));
    Duration session = s.get("session_timeout", Value.duration(), Duration.ofMinutes(5));
    Integer cache = s.get("session_cache_size", Value.integer(0, 10_000_000), 20_000);
    s.rejectUnknown();
    if (problems.errorCount() != before) {
      return null;
    }
    TlsSettings settings = problems.build(s.mark(), s.path(), () -> new TlsSettings(certs,
        protocols, ciphers, auth, ca, strict, provider, handshake, session, cache,
        "off".equalsIgnoreCase(subjectHeader) ? null : subjectHeader));
    if (settings == null) {
      return null;
    }
    try {
      return ServerTls.build(settings, http2);
    } catch (TlsException e) {
      Mark at = marks.getOrDefault(e.field(), s.mark());
      problems.error(at, s.path() + "." + e.field(), e.getMessage());
      return null;
    }
  }

  private Path path(Section s, String key, String prefix, Map<String, Mark> marks) {
    String field = prefix == null ? key : prefix + "." + key;
    marks.put(field, s.markOf(key));
    String file = s.require(key, TEXT);
    return file == null ? null : ConfigPaths.resolve(problems, file, s.markOf(key), s.path(key));
  }
}
