package io.ballast.proxy.grpc;

import io.ballast.core.attempt.GrpcStatus;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * What ballast reads and writes of the gRPC protocol over HTTP/2 (the "gRPC over HTTP2"
 * specification): which requests are calls, their deadline ({@code grpc-timeout}), the status a
 * response carries ({@code grpc-status}, in the trailers or, for a trailers-only response, in the
 * head), and the trailers-only response ballast answers a call with when it cannot serve it.
 *
 * <p>Stateless and thread-safe.
 */
public final class GrpcCalls {
  public static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");
  public static final AsciiString GRPC_MESSAGE = AsciiString.cached("grpc-message");
  public static final AsciiString GRPC_TIMEOUT = AsciiString.cached("grpc-timeout");
  private static final AsciiString APPLICATION_GRPC = AsciiString.cached("application/grpc");

  private GrpcCalls() {}

  /** True for a gRPC call: its content type is {@code application/grpc} or a subtype of it. */
  public static boolean isCall(HttpRequest request) {
    String type = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
    return type != null && type.regionMatches(true, 0, "application/grpc", 0, 16)
        && (type.length() == 16 || type.charAt(16) == '+' || type.charAt(16) == ';');
  }

  /**
   * The call's deadline from now, in nanoseconds, or -1 when it has none or it does not parse:
   * {@code grpc-timeout} is at most 8 digits and a unit (H, M, S, m, u, n).
   */
  public static long timeoutNanos(HttpRequest request) {
    String v = request.headers().get(GRPC_TIMEOUT);
    if (v == null || v.length() < 2 || v.length() > 9) {
      return -1;
    }
    long amount = 0;
    for (int i = 0; i < v.length() - 1; i++) {
      char c = v.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      amount = amount * 10 + (c - '0');
    }
    return switch (v.charAt(v.length() - 1)) {
      case 'H' -> TimeUnit.HOURS.toNanos(amount);
      case 'M' -> TimeUnit.MINUTES.toNanos(amount);
      case 'S' -> TimeUnit.SECONDS.toNanos(amount);
      case 'm' -> TimeUnit.MILLISECONDS.toNanos(amount);
      case 'u' -> TimeUnit.MICROSECONDS.toNanos(amount);
      case 'n' -> amount;
      default -> -1;
    };
  }

  /** The {@code grpc-status} in {@code headers} (a head or trailers), or -1 when there is none. */
  public static int status(HttpHeaders headers) {
    return headers == null ? -1 : GrpcStatus.parse(headers.get(GRPC_STATUS));
  }

  /**
   * The trailers-only response for a call ballast answers itself with {@code httpStatus}: HTTP
   * 200 and, in its one HEADERS frame, the gRPC status that means the same (503 is UNAVAILABLE,
   * 504 DEADLINE_EXCEEDED) and {@code message}; a gRPC client reads these, not an HTTP error.
   */
  public static FullHttpResponse trailersOnly(int httpStatus, String message,
      AsciiString idHeader, String requestId) {
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
        Unpooled.EMPTY_BUFFER);
    HttpHeaders h = r.headers();
    h.set(HttpHeaderNames.CONTENT_TYPE, APPLICATION_GRPC);
    h.setInt(GRPC_STATUS, GrpcStatus.ofHttp(httpStatus));
    if (message != null && !message.isEmpty()) {
      h.set(GRPC_MESSAGE, percentEncode(message));
    }
    h.set(HttpHeaderNames.CONTENT_LENGTH, HttpHeaderValues.ZERO);
    if (requestId != null) {
      h.set(idHeader, requestId);
    }
    return r;
  }

  /**
   * {@code grpc-message} is percent-encoded UTF-8: every byte outside printable ASCII, and '%'
   * itself, becomes %XX.
   */
  static String percentEncode(String message) {
    byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
    StringBuilder b = new StringBuilder(bytes.length + 8);
    for (byte x : bytes) {
      int c = x & 0xff;
      if (c >= 0x20 && c < 0x7f && c != '%') {
        b.append((char) c);
      } else {
        b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return b.toString();
  }
}
