package io.ballast.proxy.http1;

import io.ballast.proxy.grpc.GrpcCall;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;

/**
 * The responses ballast writes itself: short text bodies for the statuses it produces, and the
 * empty redirects of routes that send plain HTTP to https.
 *
 * <p>Stateless and thread-safe; each call builds a new message over a shared read-only array.
 */
final class Responses {
  private static final AsciiString TEXT_PLAIN = AsciiString.cached("text/plain; charset=utf-8");
  private static final AsciiString ONE = AsciiString.cached("1");

  private Responses() {}

  /**
   * Writes ballast's own answer to {@code channel}: a redirect to {@code location}, or (null) the
   * status with its short text; to a gRPC call, the trailers-only gRPC status that means it (a
   * gRPC client reads a status, not an HTTP error). Returns the HTTP status written.
   */
  static int local(ClientSide side, GrpcCall grpc, int code, String reason, String location,
      HttpHeaders extra, boolean close, AsciiString idHeader, String requestId) {
    if (grpc.isCall() && location == null) {
      side.writeAndFlush(grpc.answer(code, reason, idHeader, requestId));
      return 200;
    }
    FullHttpResponse r = location == null
        ? error(code, close, idHeader, requestId)
        : redirect(code, location, close, idHeader, requestId);
    if (extra != null) {
      r.headers().setAll(extra);
    }
    side.writeAndFlush(r);
    return code;
  }

  static FullHttpResponse error(int status, boolean close, AsciiString idHeader, String requestId) {
    HttpResponseStatus s = HttpResponseStatus.valueOf(status);
    byte[] body = body(status);
    FullHttpResponse r = new DefaultFullHttpResponse(
        HttpVersion.HTTP_1_1, s, Unpooled.wrappedBuffer(body));
    HttpHeaders h = r.headers();
    h.set(HttpHeaderNames.CONTENT_TYPE, TEXT_PLAIN);
    h.setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    if (status == 503) {
      h.set(HttpHeaderNames.RETRY_AFTER, ONE);
    }
    if (close) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    if (requestId != null) {
      h.set(idHeader, requestId);
    }
    return r;
  }

  /**
   * A redirect to {@code location} with no body (Content-Length 0): browsers follow it without
   * showing one, and a client that does not follow it has the Location header to read.
   */
  static FullHttpResponse redirect(int status, String location, boolean close,
      AsciiString idHeader, String requestId) {
    FullHttpResponse r = new DefaultFullHttpResponse(
        HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), Unpooled.EMPTY_BUFFER);
    HttpHeaders h = r.headers();
    h.set(HttpHeaderNames.LOCATION, location);
    h.set(HttpHeaderNames.CONTENT_LENGTH, HttpHeaderValues.ZERO);
    if (close) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    if (requestId != null) {
      h.set(idHeader, requestId);
    }
    return r;
  }

  private static final byte[] B400 = bytes("bad request\n");
  private static final byte[] B403 = bytes("forbidden\n");
  private static final byte[] B404 = bytes("no route\n");
  private static final byte[] B405 = bytes("method not allowed\n");
  private static final byte[] B414 = bytes("request line too long\n");
  private static final byte[] B417 = bytes("expectation failed\n");
  private static final byte[] B431 = bytes("request header fields too large\n");
  private static final byte[] B502 = bytes("bad gateway\n");
  private static final byte[] B503 = bytes("no backend available\n");
  private static final byte[] B504 = bytes("gateway timeout\n");
  private static final byte[] B505 = bytes("http version not supported\n");
  private static final byte[] OTHER = bytes("error\n");

  private static byte[] body(int status) {
    return switch (status) {
      case 400 -> B400;
      case 403 -> B403;
      case 404 -> B404;
      case 405 -> B405;
      case 414 -> B414;
      case 417 -> B417;
      case 431 -> B431;
      case 502 -> B502;
      case 503 -> B503;
      case 504 -> B504;
      case 505 -> B505;
      default -> status >= 400 && status < 600
          ? bytes(HttpResponseStatus.valueOf(status).reasonPhrase().toLowerCase(java.util.Locale.ROOT) + "\n")
          : OTHER;
    };
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Relays a 1xx that came before the final response to an HTTP/1.1 client, as RFC 9110 section
   * 15.2 says a proxy does (an HTTP/1.0 client never gets one), except a second 100 Continue
   * ({@code continueSent}). It is no answer yet: the response timeout keeps running. Releases
   * {@code response}; returns true when it sent a 100 Continue.
   */
  static boolean relayInformational(ClientSide side, HttpResponse response, int code,
      HttpVersion clientVersion, boolean continueSent) {
    boolean relay = clientVersion.equals(HttpVersion.HTTP_1_1) && !(code == 100 && continueSent);
    if (relay) {
      HeaderRewriter.removeHopByHop(response.headers());
      side.writeAndFlush(new DefaultFullHttpResponse(response.protocolVersion(),
          response.status(), Unpooled.EMPTY_BUFFER, response.headers(),
          EmptyHttpHeaders.INSTANCE));
    }
    ReferenceCountUtil.release(response);
    return relay && code == 100;
  }
}
