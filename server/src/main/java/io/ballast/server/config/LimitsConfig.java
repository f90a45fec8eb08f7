package io.ballast.server.config;

import io.ballast.proxy.ProxySettings;

/**
 * Request size limits, in bytes. Immutable.
 *
 * @param maxUriLength the longest request line accepted, {@value #MIN_URI_LENGTH}..{@value
 *     #MAX_SIZE}; longer gets 414
 * @param maxHeaderSize the largest header block accepted, {@value #MIN_HEADER_SIZE}..{@value
 *     #MAX_SIZE}; larger gets 431
 * @param maxWebSocketFrame the largest payload a client's WebSocket frame may announce,
 *     {@value #MIN_WEBSOCKET_FRAME}..2^31-1; a larger one ends its tunnel with a close frame 1009
 */
public record LimitsConfig(int maxUriLength, int maxHeaderSize, long maxWebSocketFrame) {
  /** Room for a request line with a short path: "GET /some/path HTTP/1.1". */
  public static final int MIN_URI_LENGTH = 64;
  /** Room for a Host header and a few more. */
  public static final int MIN_HEADER_SIZE = 256;
  /** 1 MiB: Netty buffers a whole request line or header block, so this bounds memory per request. */
  public static final int MAX_SIZE = 1 << 20;
  /** A close frame's largest payload (RFC 6455 section 5.5): every control frame must fit. */
  public static final int MIN_WEBSOCKET_FRAME = 125;
  public static final LimitsConfig DEFAULTS =
      new LimitsConfig(8192, 16384, ProxySettings.DEFAULT_MAX_WEBSOCKET_FRAME);

  /** Limits with the default WebSocket frame limit. */
  public LimitsConfig(int maxUriLength, int maxHeaderSize) {
    this(maxUriLength, maxHeaderSize, ProxySettings.DEFAULT_MAX_WEBSOCKET_FRAME);
  }

  public LimitsConfig {
    Checks.range("maxUriLength", maxUriLength, MIN_URI_LENGTH, MAX_SIZE);
    Checks.range("maxHeaderSize", maxHeaderSize, MIN_HEADER_SIZE, MAX_SIZE);
    if (maxWebSocketFrame < MIN_WEBSOCKET_FRAME || maxWebSocketFrame > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("maxWebSocketFrame: " + maxWebSocketFrame
          + " (expected: " + MIN_WEBSOCKET_FRAME + ".." + Integer.MAX_VALUE + ")");
    }
  }
}
