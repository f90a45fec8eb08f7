package io.ballast.proxy.http1;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;

/**
 * The HTTP/1.1 side of a WebSocket opening handshake (RFC 6455 section 4) as the relay sees it:
 * which requests ballast offers to tunnel, what the backend gets, which 101 it takes, and what
 * the client gets. Everything else about the handshake (the key and its accept value,
 * subprotocols, extensions) is end to end: those fields pass untouched and the client checks
 * them.
 *
 * <p>Only {@code websocket} is tunnelled. A request that offers another protocol (h2c, say) has
 * its Upgrade removed as a hop-by-hop field and is served as plain HTTP, which RFC 9110 section
 * 7.8 allows ("a server MAY ignore a received Upgrade header field").
 *
 * <p>A request with content is served as plain HTTP too. RFC 9110 section 7.8 lets a client send
 * content with an Upgrade (the new protocol starts after it), but RFC 6455's handshake is a GET
 * without one, and switching after a body would mean holding the connection half in HTTP and
 * half raw while the body streams and may be retried. Ignoring the Upgrade is the choice the RFC
 * leaves every server, and the client gets a normal answer.
 *
 * <p>Stateless and thread-safe.
 */
final class WebSocketUpgrade {
  private WebSocketUpgrade() {}

  /**
   * True for a request ballast tunnels if its backend agrees: HTTP/1.1 (RFC 9110: a server MUST
   * ignore Upgrade in an HTTP/1.0 request), GET (RFC 6455 section 4.1), Connection listing
   * {@code upgrade} (without it, the Upgrade field was not meant for this hop), Upgrade listing
   * {@code websocket}, and no content. One header lookup for every other request.
   */
  static boolean requested(HttpRequest request) {
    HttpHeaders h = request.headers();
    if (!h.contains(HttpHeaderNames.UPGRADE)) {
      return false;
    }
    HttpVersion v = request.protocolVersion();
    return request.decoderResult().isSuccess()
        && v.majorVersion() == 1 && v.minorVersion() == 1
        && HttpMethod.GET.equals(request.method())
        && h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
        && h.containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)
        && !h.contains(HttpHeaderNames.TRANSFER_ENCODING)
        && noContentLength(h);
  }

  private static boolean noContentLength(HttpHeaders h) {
    String length = h.get(HttpHeaderNames.CONTENT_LENGTH);
    return length == null || "0".equals(length.trim());
  }

  /**
   * Asks the backend for the switch, on a request whose hop-by-hop fields are already gone:
   * {@code Connection: upgrade} and {@code Upgrade: websocket} (only websocket, whatever else
   * the client offered).
   */
  static void forward(HttpHeaders h) {
    h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
    h.set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
  }

  /** True when a 101 switches to websocket, the one protocol ballast asked for. */
  static boolean accepted(HttpResponse response) {
    return response.headers().containsValue(
        HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
  }

  /**
   * Prepares the backend's 101 for the client: hop-by-hop fields and any framing field go (a
   * 1xx has no content), {@code Connection: upgrade} and the backend's own Upgrade value come
   * back, and the request id is added unless the backend set one.
   */
  static void prepareSwitch(HttpResponse response, AsciiString requestIdHeader, String requestId) {
    HttpHeaders h = response.headers();
    String upgrade = h.get(HttpHeaderNames.UPGRADE);
    HeaderRewriter.removeHopByHop(h);
    h.remove(HttpHeaderNames.CONTENT_LENGTH);
    h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
    h.set(HttpHeaderNames.UPGRADE, upgrade);
    response.setProtocolVersion(HttpVersion.HTTP_1_1);
    if (requestId != null && !h.contains(requestIdHeader)) {
      h.set(requestIdHeader, requestId);
    }
  }
}
