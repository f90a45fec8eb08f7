package io.ballast.proxy.tls;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * What makes two builds of TLS material the same: a SHA-256 over the settings as text and the
 * contents of every file they read. Equal fingerprints serve (or connect) exactly alike, so a
 * reload that changed nothing keeps contexts, sessions and pooled connections. Stateless.
 */
final class Fingerprint {
  private Fingerprint() {}

  /** The fingerprint of {@code settings} and {@code files}, in that order, as hex. */
  static String of(Object settings, List<byte[]> files) {
    MessageDigest d;
    try {
      d = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
    d.update(settings.toString().getBytes(StandardCharsets.UTF_8));
    for (byte[] f : files) {
      d.update(f);
    }
    return HexFormat.of().formatHex(d.digest());
  }
}
