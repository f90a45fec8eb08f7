package io.ballast.server.config;

/**
 * Request size limits, in bytes. Immutable.
 *
 * @param maxUriLength the longest request line accepted, {@value #MIN_URI_LENGTH}..{@value
 *     #MAX_SIZE}; longer gets 414
 * @param maxHeaderSize the largest header block accepted, {@value #MIN_HEADER_SIZE}..{@value
 *     #MAX_SIZE}; larger gets 431
 */
public record LimitsConfig(int maxUriLength, int maxHeaderSize) {
  /** Room for a request line with a short path: "GET /some/path HTTP/1.1". */
  public static final int MIN_URI_LENGTH = 64;
  /** Room for a Host header and a few more. */
  public static final int MIN_HEADER_SIZE = 256;
  /** 1 MiB: Netty buffers a whole request line or header block, so this bounds memory per request. */
  public static final int MAX_SIZE = 1 << 20;
  public static final LimitsConfig DEFAULTS = new LimitsConfig(8192, 16384);

  public LimitsConfig {
    Checks.range("maxUriLength", maxUriLength, MIN_URI_LENGTH, MAX_SIZE);
    Checks.range("maxHeaderSize", maxHeaderSize, MIN_HEADER_SIZE, MAX_SIZE);
  }
}
