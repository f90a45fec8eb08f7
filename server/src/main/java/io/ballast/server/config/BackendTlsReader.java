package io.ballast.server.config;

import io.ballast.proxy.tls.BackendTls;
import io.ballast.proxy.tls.TlsException;
import io.ballast.proxy.tls.TlsSettings;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads a pool's {@code tls} block (TLS to its backends) and builds it right away
 * ({@link BackendTls#build}), so that an unreadable CA bundle or a client key that is not its
 * certificate's is a config error at its line. Not thread-safe: one load at a time.
 */
final class BackendTlsReader {
  private static final Value<String> TEXT = Value.string("a non-empty string",
      Pattern.compile("\\S(.*\\S)?"));
  private static final Value<String> HOST = Value.string("a host name such as api.internal",
      Pattern.compile("[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
          + "(\\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*"));
  private static final Value<TlsSettings.Provider> PROVIDER = Value.choice(
      "auto, openssl or jdk", Map.of("auto", TlsSettings.Provider.AUTO,
          "openssl", TlsSettings.Provider.OPENSSL, "jdk", TlsSettings.Provider.JDK));

  private final Problems problems;

  BackendTlsReader(Problems problems) {
    this.problems = problems;
  }

  /** The built TLS of a pool's {@code tls} block; null after reporting errors. */
  BackendTls tls(Section s) {
    int before = problems.errorCount();
    Path ca = path(s, "ca");
    Boolean verify = s.get("verify", Value.bool(), true);
    String serverName = s.get("server_name", HOST, null);
    Path cert = path(s, "cert");
    Path key = path(s, "key");
    if ((cert == null) != (key == null) && problems.errorCount() == before) {
      String missing = cert == null ? "cert" : "key";
      String present = cert == null ? "key" : "cert";
      problems.error(s.markOf(present), s.path(present), "set without " + missing
          + " (expected: cert and key together, for a client certificate)");
    }
    if (Boolean.FALSE.equals(verify) && ca != null) {
      problems.warning(s.markOf("verify"), s.path("verify"), "verify: false ignores ca"
          + " (every backend certificate is accepted)");
    }
    TlsSettings.Provider provider = s.get("provider", PROVIDER, TlsSettings.Provider.AUTO);
    s.rejectUnknown();
    if (problems.errorCount() != before) {
      return null;
    }
    BackendTls.Settings settings = problems.build(s.mark(), s.path(),
        () -> new BackendTls.Settings(ca, verify, serverName, cert, key, provider));
    if (settings == null) {
      return null;
    }
    try {
      return BackendTls.build(settings);
    } catch (TlsException e) {
      String field = e.field().isEmpty() ? "tls" : e.field();
      problems.error(s.markOf(field), s.path(field), e.getMessage());
      return null;
    }
  }

  private Path path(Section s, String key) {
    String file = s.get(key, TEXT, null);
    return file == null ? null : ConfigPaths.resolve(problems, file, s.markOf(key), s.path(key));
  }
}
