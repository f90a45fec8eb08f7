package io.ballast.proxy.tls;

/**
 * TLS material or settings that cannot be used, naming the setting at fault so that a
 * configuration error can point at its line: {@code field} is relative to the listener's
 * {@code tls} block ({@code "certificates[1].key"}, {@code "ciphers"}).
 */
public final class TlsException extends Exception {
  private final String field;

  public TlsException(String field, String message) {
    super(message);
    this.field = field;
  }

  public TlsException(String field, String message, Throwable cause) {
    super(message, cause);
    this.field = field;
  }

  /** The setting at fault, relative to the {@code tls} block. */
  public String field() {
    return field;
  }
}
