package io.ballast.proxy.http2;

/**
 * How listeners speak HTTP/2 to clients, and the limits that keep one client from taking more
 * than its share (RFC 9113 section 10.5: every limit here answers a known way to exhaust a
 * server with cheap frames).
 *
 * <p>Immutable and validated at construction.
 *
 * @param enabled HTTP/2 is offered: ALPN h2 on TLS listeners, and on every listener a client
 *     that opens with the HTTP/2 preface (prior knowledge) or asks for the h2c upgrade gets it
 * @param maxConcurrentStreams SETTINGS_MAX_CONCURRENT_STREAMS: streams a client may have open at
 *     once; a HEADERS frame beyond it is refused with RST_STREAM(REFUSED_STREAM)
 * @param initialWindowSize SETTINGS_INITIAL_WINDOW_SIZE: request body bytes a client may send on
 *     one stream before ballast has passed them on (the stream's backpressure)
 * @param connectionWindowSize the connection's receive window: bounds the request body bytes
 *     held for all streams of one connection together, which is the connection's memory bound
 * @param maxResets RST_STREAM frames a client may send in {@code resetWindowSeconds} (rapid
 *     reset, CVE-2023-44487); beyond it the connection ends with GOAWAY(ENHANCE_YOUR_CALM). The
 *     same bound applies to resets ballast sends because of what the client did
 * @param resetWindowSeconds the window of {@code maxResets}
 * @param maxControlFramesPerSecond PING and SETTINGS frames a client may send in one second
 *     before the connection ends with GOAWAY(ENHANCE_YOUR_CALM)
 */
public record Http2Options(
    boolean enabled,
    int maxConcurrentStreams,
    int initialWindowSize,
    int connectionWindowSize,
    int maxResets,
    int resetWindowSeconds,
    int maxControlFramesPerSecond) {

  /** RFC 9113's default window; a larger one only helps uploads over long, fast links. */
  public static final int DEFAULT_INITIAL_WINDOW = 65_535;

  public Http2Options {
    atLeast("max_concurrent_streams", maxConcurrentStreams, 1);
    atLeast("initial_window_size", initialWindowSize, 1);
    atLeast("connection_window_size", connectionWindowSize, 65_535);
    atLeast("max_resets", maxResets, 1);
    atLeast("reset_window", resetWindowSeconds, 1);
    atLeast("max_control_frames_per_second", maxControlFramesPerSecond, 1);
  }

  /**
   * On; 100 streams (what most servers advertise), a 64 KiB stream window and a 1 MiB connection
   * window, 200 resets in 30 s, 1000 control frames a second.
   */
  public static Http2Options defaults() {
    return new Http2Options(true, 100, DEFAULT_INITIAL_WINDOW, 1 << 20, 200, 30, 1000);
  }

  public Http2Options withEnabled(boolean value) {
    return new Http2Options(value, maxConcurrentStreams, initialWindowSize, connectionWindowSize,
        maxResets, resetWindowSeconds, maxControlFramesPerSecond);
  }

  private static void atLeast(String name, long value, long min) {
    if (value < min) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: >= " + min + ")");
    }
    if (value > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: <= 2147483647)");
    }
  }
}
