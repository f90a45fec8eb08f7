package io.ballast.proxy;

import io.ballast.proxy.client.Cidr;
import io.ballast.proxy.http1.HeaderRewriter;
import io.ballast.proxy.http2.Http2Options;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Settings of the HTTP/1.1 data plane, shared by every listener of one {@link ProxyServer}.
 *
 * <p>Immutable and validated at construction.
 *
 * @param connectTimeout how long a connection attempt to a backend may take
 * @param responseTimeout from the request fully sent to the first response byte; expiry gives 504
 * @param clientIdleTimeout an idle keep-alive client connection (or a client that stalls while
 *     sending its request) is closed after this
 * @param backendIdleTimeout an idle pooled backend connection is closed after this
 * @param backendReadTimeout a response that has begun and then sends nothing for this long is
 *     cut (the client sees it end early, the backend counts a failure); a client that reads
 *     slowly does not count against the backend (a stall that follows such a pause at once is
 *     cut within two read timeouts)
 * @param maxInitialLineLength longest request line accepted; longer gives 414
 * @param maxHeaderSize largest header section accepted; larger gives 431
 * @param forwarding forwarding and request-id headers
 * @param tunnelIdleTimeout a tunnel (a WebSocket after its upgrade) in which neither side sent a
 *     byte for this long is closed
 * @param http2 whether clients may speak HTTP/2, and its limits
 * @param maxWebSocketFrame the largest payload a client's WebSocket frame may announce; a larger
 *     one ends its tunnel with a close frame 1009 (message too big)
 * @param clientLimits how long a client may take to send a request head, and how many header
 *     fields it may have
 */
public record ProxySettings(
    Duration connectTimeout,
    Duration responseTimeout,
    Duration clientIdleTimeout,
    Duration backendIdleTimeout,
    Duration backendReadTimeout,
    int maxInitialLineLength,
    int maxHeaderSize,
    Forwarding forwarding,
    Duration tunnelIdleTimeout,
    Http2Options http2,
    long maxWebSocketFrame,
    ClientLimits clientLimits) {

  /** NGINX's proxy_read_timeout. */
  public static final Duration DEFAULT_BACKEND_READ_TIMEOUT = Duration.ofSeconds(60);
  /**
   * An hour, as HAProxy's documentation suggests for {@code timeout tunnel} in front of
   * WebSockets: long enough for quiet sessions that ping rarely, short enough that abandoned
   * ones go.
   */
  public static final Duration DEFAULT_TUNNEL_IDLE_TIMEOUT = Duration.ofHours(1);

  public ProxySettings {
    positive("connectTimeout", connectTimeout);
    positive("responseTimeout", responseTimeout);
    positive("clientIdleTimeout", clientIdleTimeout);
    positive("backendIdleTimeout", backendIdleTimeout);
    positive("backendReadTimeout", backendReadTimeout);
    if (maxInitialLineLength < 64) {
      throw new IllegalArgumentException(
          "maxInitialLineLength: " + maxInitialLineLength + " (expected: >= 64)");
    }
    if (maxHeaderSize < 256) {
      throw new IllegalArgumentException("maxHeaderSize: " + maxHeaderSize + " (expected: >= 256)");
    }
    Objects.requireNonNull(forwarding, "forwarding");
    positive("tunnelIdleTimeout", tunnelIdleTimeout);
    Objects.requireNonNull(http2, "http2");
    if (maxWebSocketFrame < 125) {
      throw new IllegalArgumentException(
          "maxWebSocketFrame: " + maxWebSocketFrame + " (expected: >= 125)");
    }
    Objects.requireNonNull(clientLimits, "clientLimits");
  }

  /** Settings with the default client limits. */
  public ProxySettings(Duration connectTimeout, Duration responseTimeout,
      Duration clientIdleTimeout, Duration backendIdleTimeout, Duration backendReadTimeout,
      int maxInitialLineLength, int maxHeaderSize, Forwarding forwarding,
      Duration tunnelIdleTimeout, Http2Options http2, long maxWebSocketFrame) {
    this(connectTimeout, responseTimeout, clientIdleTimeout, backendIdleTimeout,
        backendReadTimeout, maxInitialLineLength, maxHeaderSize, forwarding, tunnelIdleTimeout,
        http2, maxWebSocketFrame, ClientLimits.DEFAULTS);
  }

  /**
   * What a client may take to send its request: its head (HTTP/1.1) and its body (HTTP/1.1 and
   * HTTP/2 streams). Immutable.
   *
   * @param requestHeadTimeout from the first byte of a request head to its end; past it the
   *     client gets 408 and the connection closes (a slowloris holds nothing longer than this)
   * @param maxHeaderCount the most header fields a request may have; more gets 431
   * @param requestBodyTimeout the longest a request body may go without a byte while ballast
   *     reads it; past it 408 (or, after a response began, the close)
   * @param minRequestBodyRate bytes per second a request body must average over each
   *     {@code requestBodyTimeout} while ballast reads it (not a gRPC call's: its messages come
   *     at the application's pace); 0 for no minimum
   */
  public record ClientLimits(Duration requestHeadTimeout, int maxHeaderCount,
      Duration requestBodyTimeout, long minRequestBodyRate) {
    /**
     * 10 s, as HAProxy's usual {@code timeout http-request}; 100 fields, as Envoy's default; a
     * body gap of 60 s, as NGINX's {@code client_body_timeout}; 1 KiB/s, below a GPRS link's
     * pace, twice Apache's {@code mod_reqtimeout} minimum.
     */
    public static final ClientLimits DEFAULTS =
        new ClientLimits(Duration.ofSeconds(10), 100, Duration.ofSeconds(60), 1024);

    public ClientLimits {
      positive("requestHeadTimeout", requestHeadTimeout);
      if (maxHeaderCount < 1) {
        throw new IllegalArgumentException(
            "maxHeaderCount: " + maxHeaderCount + " (expected: >= 1)");
      }
      positive("requestBodyTimeout", requestBodyTimeout);
      if (minRequestBodyRate < 0) {
        throw new IllegalArgumentException(
            "minRequestBodyRate: " + minRequestBodyRate + " (expected: >= 0)");
      }
    }

    /** Head limits with the default body limits. */
    public ClientLimits(Duration requestHeadTimeout, int maxHeaderCount) {
      this(requestHeadTimeout, maxHeaderCount, DEFAULTS.requestBodyTimeout,
          DEFAULTS.minRequestBodyRate);
    }
  }

  /** 16 MiB: room for the large messages some applications send in one frame. */
  public static final long DEFAULT_MAX_WEBSOCKET_FRAME = 16L << 20;

  /** Settings with the default WebSocket frame limit. */
  public ProxySettings(Duration connectTimeout, Duration responseTimeout,
      Duration clientIdleTimeout, Duration backendIdleTimeout, Duration backendReadTimeout,
      int maxInitialLineLength, int maxHeaderSize, Forwarding forwarding,
      Duration tunnelIdleTimeout, Http2Options http2) {
    this(connectTimeout, responseTimeout, clientIdleTimeout, backendIdleTimeout,
        backendReadTimeout, maxInitialLineLength, maxHeaderSize, forwarding, tunnelIdleTimeout,
        http2, DEFAULT_MAX_WEBSOCKET_FRAME);
  }

  /** Settings with HTTP/2's defaults. */
  public ProxySettings(Duration connectTimeout, Duration responseTimeout,
      Duration clientIdleTimeout, Duration backendIdleTimeout, Duration backendReadTimeout,
      int maxInitialLineLength, int maxHeaderSize, Forwarding forwarding,
      Duration tunnelIdleTimeout) {
    this(connectTimeout, responseTimeout, clientIdleTimeout, backendIdleTimeout,
        backendReadTimeout, maxInitialLineLength, maxHeaderSize, forwarding, tunnelIdleTimeout,
        Http2Options.defaults());
  }

  /** Settings with the default tunnel idle timeout. */
  public ProxySettings(Duration connectTimeout, Duration responseTimeout,
      Duration clientIdleTimeout, Duration backendIdleTimeout, Duration backendReadTimeout,
      int maxInitialLineLength, int maxHeaderSize, Forwarding forwarding) {
    this(connectTimeout, responseTimeout, clientIdleTimeout, backendIdleTimeout,
        backendReadTimeout, maxInitialLineLength, maxHeaderSize, forwarding,
        DEFAULT_TUNNEL_IDLE_TIMEOUT);
  }

  /** Settings with the default backend read timeout. */
  public ProxySettings(Duration connectTimeout, Duration responseTimeout,
      Duration clientIdleTimeout, Duration backendIdleTimeout, int maxInitialLineLength,
      int maxHeaderSize, Forwarding forwarding) {
    this(connectTimeout, responseTimeout, clientIdleTimeout, backendIdleTimeout,
        DEFAULT_BACKEND_READ_TIMEOUT, maxInitialLineLength, maxHeaderSize, forwarding);
  }

  /**
   * Connect 5 s, response 60 s, client idle 60 s, backend idle 30 s, request line 8 KiB, headers
   * 16 KiB, {@link Forwarding#defaults()}, tunnel idle 1 h.
   */
  public static ProxySettings defaults() {
    return new ProxySettings(
        Duration.ofSeconds(5),
        Duration.ofSeconds(60),
        Duration.ofSeconds(60),
        Duration.ofSeconds(30),
        8192,
        16384,
        Forwarding.defaults());
  }

  public ProxySettings withConnectTimeout(Duration value) {
    return new ProxySettings(value, responseTimeout, clientIdleTimeout, backendIdleTimeout,
        backendReadTimeout, maxInitialLineLength, maxHeaderSize, forwarding, tunnelIdleTimeout,
        http2, maxWebSocketFrame, clientLimits);
  }

  public ProxySettings withResponseTimeout(Duration value) {
    return new ProxySettings(connectTimeout, value, clientIdleTimeout, backendIdleTimeout,
        backendReadTimeout, maxInitialLineLength, maxHeaderSize, forwarding, tunnelIdleTimeout,
        http2, maxWebSocketFrame, clientLimits);
  }

  public ProxySettings withClientIdleTimeout(Duration value) {
    return new ProxySettings(connectTimeout, responseTimeout, value, backendIdleTimeout,
        backendReadTimeout, maxInitialLineLength, maxHeaderSize, forwarding, tunnelIdleTimeout,
        http2, maxWebSocketFrame, clientLimits);
  }

  public ProxySettings withBackendIdleTimeout(Duration value) {
    return new ProxySettings(connectTimeout, responseTimeout, clientIdleTimeout, value,
        backendReadTimeout, maxInitialLineLength, maxHeaderSize, forwarding, tunnelIdleTimeout,
        http2, maxWebSocketFrame, clientLimits);
  }

  public ProxySettings withLimits(int initialLine, int headers) {
    return new ProxySettings(connectTimeout, responseTimeout, clientIdleTimeout,
        backendIdleTimeout, backendReadTimeout, initialLine, headers, forwarding,
        tunnelIdleTimeout, http2, maxWebSocketFrame, clientLimits);
  }

  public ProxySettings withBackendReadTimeout(Duration value) {
    return new ProxySettings(connectTimeout, responseTimeout, clientIdleTimeout,
        backendIdleTimeout, value, maxInitialLineLength, maxHeaderSize, forwarding,
        tunnelIdleTimeout, http2, maxWebSocketFrame, clientLimits);
  }

  public ProxySettings withForwarding(Forwarding value) {
    return new ProxySettings(connectTimeout, responseTimeout, clientIdleTimeout,
        backendIdleTimeout, backendReadTimeout, maxInitialLineLength, maxHeaderSize, value,
        tunnelIdleTimeout, http2, maxWebSocketFrame, clientLimits);
  }

  public ProxySettings withTunnelIdleTimeout(Duration value) {
    return new ProxySettings(connectTimeout, responseTimeout, clientIdleTimeout,
        backendIdleTimeout, backendReadTimeout, maxInitialLineLength, maxHeaderSize, forwarding,
        value, http2, maxWebSocketFrame, clientLimits);
  }

  public ProxySettings withHttp2(Http2Options value) {
    return new ProxySettings(connectTimeout, responseTimeout, clientIdleTimeout,
        backendIdleTimeout, backendReadTimeout, maxInitialLineLength, maxHeaderSize, forwarding,
        tunnelIdleTimeout, value, maxWebSocketFrame, clientLimits);
  }

  public ProxySettings withMaxWebSocketFrame(long value) {
    return new ProxySettings(connectTimeout, responseTimeout, clientIdleTimeout,
        backendIdleTimeout, backendReadTimeout, maxInitialLineLength, maxHeaderSize, forwarding,
        tunnelIdleTimeout, http2, value, clientLimits);
  }

  public ProxySettings withClientLimits(ClientLimits value) {
    return new ProxySettings(connectTimeout, responseTimeout, clientIdleTimeout,
        backendIdleTimeout, backendReadTimeout, maxInitialLineLength, maxHeaderSize, forwarding,
        tunnelIdleTimeout, http2, maxWebSocketFrame, value);
  }

  private static void positive(String name, Duration d) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
    }
  }

  /**
   * Forwarding headers added to requests sent to backends.
   *
   * @param xForwarded add X-Forwarded-For (client IP appended), X-Forwarded-Proto, X-Forwarded-Host
   * @param forwarded add an RFC 7239 Forwarded element
   * @param trustedProxies CIDR blocks (IPv4 or IPv6) of peers whose incoming forwarding headers are
   *     kept and appended to; from any other peer they are replaced
   * @param requestIdHeader the request id header, kept when sane, generated otherwise
   */
  public record Forwarding(
      boolean xForwarded, boolean forwarded, List<Cidr> trustedProxies, String requestIdHeader) {
    public Forwarding {
      trustedProxies = List.copyOf(Objects.requireNonNull(trustedProxies, "trustedProxies"));
      Objects.requireNonNull(requestIdHeader, "requestIdHeader");
      if (requestIdHeader.isEmpty() || !HeaderRewriter.isToken(requestIdHeader)) {
        throw new IllegalArgumentException(
            "requestIdHeader: \"" + requestIdHeader + "\" (expected: a header name)");
      }
    }

    /** X-Forwarded-* on, Forwarded off, no trusted proxies, X-Request-Id. */
    public static Forwarding defaults() {
      return new Forwarding(true, false, List.of(), "X-Request-Id");
    }
  }
}
