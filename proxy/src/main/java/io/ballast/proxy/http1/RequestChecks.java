package io.ballast.proxy.http1;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.util.List;

/**
 * Request checks on top of Netty's decoder (configured strict: CRLF only, RFC 9112 transfer
 * coding rules, differing Content-Length values refused). What the decoder already refuses arrives
 * as a failed {@link DecoderResult}; this maps it to a status and adds the checks it lacks.
 *
 * <p>Stateless and thread-safe.
 */
final class RequestChecks {
  private RequestChecks() {}

  /** Why a request is refused; {@code status} is what the client gets before the close. */
  record Rejection(int status, String reason) {}

  static final Rejection URI_TOO_LONG = new Rejection(414, "request line too long");
  static final Rejection HEADERS_TOO_LARGE = new Rejection(431, "header section too large");
  static final Rejection BAD_TRANSFER_ENCODING =
      new Rejection(400, "transfer-encoding other than chunked");
  static final Rejection BAD_HOST = new Rejection(400, "missing or repeated host");
  static final Rejection BAD_VERSION = new Rejection(505, "unsupported http version");
  static final Rejection BAD_EXPECT = new Rejection(417, "unsupported expectation");
  static final Rejection CONNECT = new Rejection(405, "connect not supported");

  /** Null when the request may be forwarded, else why not. */
  static Rejection check(HttpRequest request) {
    DecoderResult result = request.decoderResult();
    if (result.isFailure()) {
      Throwable cause = result.cause();
      if (cause instanceof TooLongHttpLineException) {
        return URI_TOO_LONG;
      }
      if (cause instanceof TooLongHttpHeaderException) {
        return HEADERS_TOO_LARGE;
      }
      return new Rejection(400, "malformed request: " + cause.getMessage());
    }
    HttpVersion version = request.protocolVersion();
    if (version.majorVersion() != 1 || version.minorVersion() > 1) {
      return BAD_VERSION;
    }
    HttpHeaders h = request.headers();
    if (h.contains(HttpHeaderNames.TRANSFER_ENCODING)) {
      // Only exactly one "chunked" is unambiguous to every server behind us.
      List<String> te = h.getAll(HttpHeaderNames.TRANSFER_ENCODING);
      if (te.size() != 1 || !HttpHeaderValues.CHUNKED.contentEqualsIgnoreCase(te.get(0))) {
        return BAD_TRANSFER_ENCODING;
      }
    }
    if (version.minorVersion() == 1) {
      List<String> host = h.getAll(HttpHeaderNames.HOST);
      if (host.size() != 1) {
        return BAD_HOST;
      }
    }
    if (HttpMethod.CONNECT.equals(request.method())) {
      return CONNECT;
    }
    if (h.contains(HttpHeaderNames.EXPECT) && version.minorVersion() == 1
        && !isContinue(h)) {
      return BAD_EXPECT;
    }
    return null;
  }

  /** True for an HTTP/1.1 request that waits for 100 Continue before sending its body. */
  static boolean expectsContinue(HttpRequest request) {
    return request.protocolVersion().minorVersion() == 1
        && request.headers().contains(HttpHeaderNames.EXPECT) && isContinue(request.headers());
  }

  private static boolean isContinue(HttpHeaders h) {
    List<String> all = h.getAll(HttpHeaderNames.EXPECT);
    return all.size() == 1 && HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(all.get(0));
  }
}
