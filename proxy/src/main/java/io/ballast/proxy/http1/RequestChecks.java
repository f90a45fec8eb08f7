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
import java.net.SocketAddress;
import java.util.List;

/**
 * Request checks on top of Netty's decoder (configured strict: CRLF only, RFC 9112 transfer
 * coding rules, differing Content-Length values refused) and {@link ServerCodec}'s own (the
 * request line's grammar, obs-fold). What the codec already refuses arrives as a failed
 * {@link DecoderResult}; this maps it to a status and adds the checks it lacks: the version, the
 * transfer coding, the Host (one, and a valid host), the target's form ({@link RequestTarget},
 * which also puts it in origin-form with a Host that names its authority), CONNECT and Expect.
 *
 * <p>Versions, as RFC 9110 section 6.2 and RFC 9112 section 2.3 say: a version that is not
 * {@code HTTP/<digit>.<digit>} is malformed (400, by the codec); a major version other than 1 is
 * well-formed but not ours (505: HTTP/2 has its own connection preface, HTTP/0.9 and HTTP/3 are
 * not spoken over this framing); HTTP/1.2 and later minor versions are served as HTTP/1.1, "the
 * highest minor version within that major version to which the recipient is conformant".
 *
 * <p>Stateless and thread-safe.
 */
final class RequestChecks {
  private RequestChecks() {}

  /**
   * Why a request is refused; {@code status} is what the client gets before the close,
   * {@code reason} what the request's record says, {@code kind} the same from a fixed set (no
   * bytes of the request in it), for metrics.
   */
  record Rejection(int status, String reason, String kind) {
    Rejection(int status, String reason) {
      this(status, reason, reason);
    }
  }

  static final Rejection URI_TOO_LONG = new Rejection(414, "request line too long");
  static final Rejection HEADERS_TOO_LARGE = new Rejection(431, "header section too large");
  static final Rejection TOO_MANY_HEADERS = new Rejection(431, "too many header fields");
  static final Rejection HEAD_TIMEOUT =
      new Rejection(408, "request head not complete within the request head timeout");
  static final Rejection BAD_TRANSFER_ENCODING =
      new Rejection(400, "transfer-encoding other than chunked");
  static final Rejection MISSING_HOST = new Rejection(400, "missing host");
  static final Rejection REPEATED_HOST = new Rejection(400, "repeated host");
  static final Rejection INVALID_HOST = new Rejection(400, "host is not a valid host[:port]");
  static final Rejection BAD_VERSION = new Rejection(505, "unsupported http version");
  static final Rejection BAD_EXPECT = new Rejection(417, "unsupported expectation");
  static final Rejection CONNECT = new Rejection(405, "connect not supported");

  /**
   * Null when the request may be forwarded (corrected in place: version, target form, Host),
   * else why not. {@code local} is the address the client connected to: the Host of an
   * HTTP/1.0 request that has none.
   */
  static Rejection check(HttpRequest request, SocketAddress local) {
    DecoderResult result = request.decoderResult();
    if (result.isFailure()) {
      Throwable cause = result.cause();
      if (cause instanceof TooLongHttpLineException) {
        return URI_TOO_LONG;
      }
      if (cause instanceof TooLongHttpHeaderException) {
        return HEADERS_TOO_LARGE;
      }
      if (cause == ServerCodec.TOO_MANY_HEADERS) {
        return TOO_MANY_HEADERS;
      }
      if (cause == ServerCodec.HEAD_TIMEOUT) {
        return HEAD_TIMEOUT;
      }
      String reason = "malformed request: " + cause.getMessage();
      // ballast's own findings have fixed messages; Netty's may quote the request.
      boolean ours = cause == ServerCodec.OBS_FOLD || cause == RequestLineCheck.BAD_METHOD
          || cause == RequestLineCheck.EXTRA_SPACE || cause == RequestLineCheck.BAD_TARGET_BYTE
          || cause == RequestLineCheck.BAD_VERSION;
      return new Rejection(400, reason, ours ? reason : "malformed request");
    }
    HttpVersion version = request.protocolVersion();
    if (version.majorVersion() != 1) {
      return BAD_VERSION;
    }
    if (version.minorVersion() > 1) {
      version = HttpVersion.HTTP_1_1;
      request.setProtocolVersion(version);
    }
    HttpHeaders h = request.headers();
    if (h.contains(HttpHeaderNames.TRANSFER_ENCODING)) {
      // Only exactly one "chunked" is unambiguous to every server behind us.
      List<String> te = h.getAll(HttpHeaderNames.TRANSFER_ENCODING);
      if (te.size() != 1 || !HttpHeaderValues.CHUNKED.contentEqualsIgnoreCase(te.get(0))) {
        return BAD_TRANSFER_ENCODING;
      }
    }
    List<String> host = h.getAll(HttpHeaderNames.HOST);
    if (host.size() > 1) {
      // RFC 9112 section 3.2: more than one Host line is a 400 in any version.
      return REPEATED_HOST;
    }
    if (host.isEmpty() && version.minorVersion() == 1) {
      return MISSING_HOST;
    }
    if (!host.isEmpty() && !HostSyntax.valid(host.get(0))) {
      return INVALID_HOST;
    }
    if (HttpMethod.CONNECT.equals(request.method())) {
      return CONNECT;
    }
    Rejection target = RequestTarget.correct(request, local);
    if (target != null) {
      return target;
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
