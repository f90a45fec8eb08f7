package io.ballast.proxy.http2;

import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;

/**
 * The head of a client's request on an HTTP/2 stream, checked and translated for the exchange
 * ({@link Http2ToHttp1}): a request, a WebSocket's extended CONNECT made the HTTP/1.1 handshake
 * ({@link ExtendedConnect}), or the error the stream is reset with:
 * <ul>
 *   <li>a {@code :path} with a control, space or non-ASCII character: PROTOCOL_ERROR (RFC 9113
 *       section 8.3.1 wants the target's path and query; ballast would refuse it anyway);
 *   <li>a malformed request (section 8.1.1), an extended CONNECT without {@code :authority}:
 *       PROTOCOL_ERROR;
 *   <li>an extended CONNECT for a protocol other than WebSocket: REFUSED_STREAM (RFC 8441
 *       section 4).
 * </ul>
 *
 * @param request the request for the exchange; null when the stream is reset
 * @param websocket the request is the handshake an extended CONNECT became
 * @param refusal the error to reset the stream with; null when there is a request
 */
record StreamRequestHead(HttpRequest request, boolean websocket, Http2Error refusal) {
  /** {@code h}: the stream's first HEADERS; {@code endStream}: they ended the stream. */
  static StreamRequestHead of(Http2Headers h, boolean endStream) {
    if (!visibleAscii(h.path())) {
      return refused(Http2Error.PROTOCOL_ERROR);
    }
    boolean connect = ExtendedConnect.requested(h);
    HttpRequest request;
    try {
      if (connect && h.authority() == null) {
        throw new Http2ToHttp1.Malformed("extended CONNECT without :authority");
      }
      request = Http2ToHttp1.request(h, endStream);
    } catch (Http2ToHttp1.Malformed | IllegalArgumentException e) {
      return refused(Http2Error.PROTOCOL_ERROR);
    }
    if (!connect) {
      return new StreamRequestHead(request, false, null);
    }
    if (!ExtendedConnect.supported(h)) {
      return refused(Http2Error.REFUSED_STREAM);
    }
    return new StreamRequestHead(ExtendedConnect.handshake(request), true, null);
  }

  private static StreamRequestHead refused(Http2Error error) {
    return new StreamRequestHead(null, false, error);
  }

  /** True for no path (trailers, CONNECT) and for one of 0x21..0x7E only. */
  static boolean visibleAscii(CharSequence path) {
    if (path == null) {
      return true;
    }
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c <= ' ' || c >= 0x7f) {
        return false;
      }
    }
    return true;
  }
}
