package io.ballast.server.config;

import io.ballast.proxy.ProxySettings;
import io.ballast.proxy.ProxySettings.ClientLimits;
import java.time.Duration;
import java.util.Objects;

/**
 * Request limits of the process: sizes in bytes, the header count, the request head timeout and
 * a request body's pace. Immutable.
 *
 * @param maxUriLength the longest request line accepted, {@value #MIN_URI_LENGTH}..{@value
 *     #MAX_SIZE}; longer gets 414
 * @param maxHeaderSize the largest header block accepted, {@value #MIN_HEADER_SIZE}..{@value
 *     #MAX_SIZE}; larger gets 431
 * @param maxWebSocketFrame the largest payload a client's WebSocket frame may announce,
 *     {@value #MIN_WEBSOCKET_FRAME}..2^31-1; a larger one ends its tunnel with a close frame 1009
 * @param maxHeaderCount the most header fields a request head may have, 1..{@value
 *     #MAX_HEADER_COUNT}; more gets 431
 * @param requestHeadTimeout from the first byte of a request head to its end, > 0; past it 408
 *     and the close
 * @param requestBodyTimeout the longest a request body may go without a byte, > 0; past it 408
 * @param minRequestBodyRate bytes a second a request body must average over each
 *     {@code requestBodyTimeout}, 0..{@value #MAX_BODY_RATE}; 0 for no minimum
 */
public record LimitsConfig(int maxUriLength, int maxHeaderSize, long maxWebSocketFrame,
    int maxHeaderCount, Duration requestHeadTimeout, Duration requestBodyTimeout,
    long minRequestBodyRate) {
  /** Far past any real client (browsers send 10 to 30); what it bounds is per-field work. */
  public static final int MAX_HEADER_COUNT = 10_000;
  /** Room for a request line with a short path: "GET /some/path HTTP/1.1". */
  public static final int MIN_URI_LENGTH = 64;
  /** Room for a Host header and a few more. */
  public static final int MIN_HEADER_SIZE = 256;
  /** 1 MiB: Netty buffers a whole request line or header block, so this bounds memory per request. */
  public static final int MAX_SIZE = 1 << 20;
  /** A close frame's largest payload (RFC 6455 section 5.5): every control frame must fit. */
  public static final int MIN_WEBSOCKET_FRAME = 125;
  /** 1 GiB/s: a minimum above it would refuse every client. */
  public static final long MAX_BODY_RATE = 1L << 30;
  public static final LimitsConfig DEFAULTS =
      new LimitsConfig(8192, 16384, ProxySettings.DEFAULT_MAX_WEBSOCKET_FRAME);

  /** Limits with the default WebSocket frame limit and client limits. */
  public LimitsConfig(int maxUriLength, int maxHeaderSize) {
    this(maxUriLength, maxHeaderSize, ProxySettings.DEFAULT_MAX_WEBSOCKET_FRAME);
  }

  /** Limits with the default client limits. */
  public LimitsConfig(int maxUriLength, int maxHeaderSize, long maxWebSocketFrame) {
    this(maxUriLength, maxHeaderSize, maxWebSocketFrame,
        ClientLimits.DEFAULTS.maxHeaderCount(), ClientLimits.DEFAULTS.requestHeadTimeout());
  }

  /** Limits with the default body pace. */
  public LimitsConfig(int maxUriLength, int maxHeaderSize, long maxWebSocketFrame,
      int maxHeaderCount, Duration requestHeadTimeout) {
    this(maxUriLength, maxHeaderSize, maxWebSocketFrame, maxHeaderCount, requestHeadTimeout,
        ClientLimits.DEFAULTS.requestBodyTimeout(), ClientLimits.DEFAULTS.minRequestBodyRate());
  }

  /** What the data plane reads of these. */
  public ClientLimits clientLimits() {
    return new ClientLimits(requestHeadTimeout, maxHeaderCount, requestBodyTimeout,
        minRequestBodyRate);
  }

  public LimitsConfig {
    Checks.range("maxUriLength", maxUriLength, MIN_URI_LENGTH, MAX_SIZE);
    Checks.range("maxHeaderSize", maxHeaderSize, MIN_HEADER_SIZE, MAX_SIZE);
    if (maxWebSocketFrame < MIN_WEBSOCKET_FRAME || maxWebSocketFrame > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("maxWebSocketFrame: " + maxWebSocketFrame
          + " (expected: " + MIN_WEBSOCKET_FRAME + ".." + Integer.MAX_VALUE + ")");
    }
    Checks.range("maxHeaderCount", maxHeaderCount, 1, MAX_HEADER_COUNT);
    Checks.positive("requestHeadTimeout", requestHeadTimeout);
    Checks.positive("requestBodyTimeout", requestBodyTimeout);
    if (minRequestBodyRate < 0 || minRequestBodyRate > MAX_BODY_RATE) {
      throw new IllegalArgumentException("minRequestBodyRate: " + minRequestBodyRate
          + " (expected: 0.." + MAX_BODY_RATE + ")");
    }
  }
}
