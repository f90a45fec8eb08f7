package io.ballast.proxy.http2;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.AsciiString;
import java.util.Iterator;
import java.util.Map;

/**
 * Turns HTTP/2 HEADERS into the HTTP/1.1 messages the relay serves, in one pass over the fields:
 * a client's request head ({@link #request}), a backend's response head ({@link #response}), and
 * trailing HEADERS into a last content ({@link #trailers}).
 *
 * <p>The frame codec has validated the fields by then (RFC 9113 section 8.2: lower-case token
 * names, values without NUL, CR or LF, no connection-specific field, {@code te} only as
 * {@code trailers}; section 8.3: the pseudo-fields a request must have, none in trailers), so
 * the head is built without validating them again. That is what Netty's general translation
 * did on top, with a full request, a second validating header map and a body buffer for each
 * request, and extension fields ({@code x-http2-scheme}, {@code x-http2-stream-id}) that then
 * had to be taken out again: 4.5 % of the event loop's samples under h2load, where this pass
 * costs a fraction of it.
 *
 * <p>What a request head gets: {@code :authority} as {@code Host} (first); the other fields in
 * order, but for a client's own {@code x-http2-*} fields (they would describe a hop they do not
 * come from), {@code trailer}, and a {@code host} that repeats {@code :authority} (one that
 * contradicts it makes the request malformed, RFC 9113 section 8.3.1); {@code cookie} fields
 * joined into one with "; " (RFC 9113 section 8.2.3); and {@code Transfer-Encoding: chunked}
 * when a body follows without a length, as an HTTP/1.1 client would send it.
 *
 * <p>Stateless and thread-safe.
 */
public final class Http2ToHttp1 {
  /** The fields come validated from the frame codec: no second validation. */
  private static final HttpHeadersFactory HEADERS =
      DefaultHttpHeadersFactory.headersFactory().withValidation(false);
  private static final HttpHeadersFactory TRAILERS =
      DefaultHttpHeadersFactory.trailersFactory().withValidation(false);
  private static final AsciiString METHOD = Http2Headers.PseudoHeaderName.METHOD.value();
  private static final AsciiString PATH = Http2Headers.PseudoHeaderName.PATH.value();
  private static final AsciiString AUTHORITY = Http2Headers.PseudoHeaderName.AUTHORITY.value();
  private static final AsciiString PROTOCOL = Http2Headers.PseudoHeaderName.PROTOCOL.value();

  private Http2ToHttp1() {}

  /** A malformed request (RFC 9113 section 8.1.1): the stream is reset with PROTOCOL_ERROR. */
  public static final class Malformed extends Exception {
    Malformed(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * The request head of {@code h}: a regular request's target is {@code :path}, a CONNECT's its
   * {@code :authority}. {@code endStream}: the HEADERS ended the stream (no body follows).
   */
  public static HttpRequest request(Http2Headers h, boolean endStream) throws Malformed {
    Iterator<Map.Entry<CharSequence, CharSequence>> it = h.iterator();
    // The pseudo-fields come first (the frame codec refuses one after a regular field).
    CharSequence method = null;
    CharSequence path = null;
    CharSequence authority = null;
    boolean protocol = false;
    Map.Entry<CharSequence, CharSequence> e = null;
    while (it.hasNext()) {
      e = it.next();
      CharSequence name = e.getKey();
      if (name.length() == 0 || name.charAt(0) != ':') {
        break;
      }
      if (METHOD.contentEquals(name)) {
        method = e.getValue();
      } else if (PATH.contentEquals(name)) {
        path = e.getValue();
      } else if (AUTHORITY.contentEquals(name)) {
        authority = e.getValue();
      } else if (PROTOCOL.contentEquals(name)) {
        protocol = true;
      }
      e = null;
    }
    // As Netty's translation: a CONNECT's target is its authority (RFC 9113 section 8.5), but
    // an extended CONNECT's (RFC 8441) is its path.
    CharSequence target = HttpMethod.CONNECT.asciiName().contentEqualsIgnoreCase(method)
        && !protocol ? authority : path;
    if (method == null || target == null) {
      throw new Malformed("no :method or request target");
    }
    HttpHeaders out = HEADERS.newHeaders();
    if (authority != null) {
      out.add(HttpHeaderNames.HOST, authority);
    }
    StringBuilder cookies = null;
    for (; e != null; e = it.hasNext() ? it.next() : null) {
      CharSequence name = e.getKey();
      CharSequence value = e.getValue();
      if (HttpHeaderNames.COOKIE.contentEquals(name)) {
        cookies = cookies == null ? new StringBuilder(value.length() + 16)
            : cookies.append("; ");
        cookies.append(value);
      } else if (HttpHeaderNames.HOST.contentEquals(name)) {
        if (authority == null) {
          authority = value;
          out.add(HttpHeaderNames.HOST, value);
        } else if (!AsciiString.contentEqualsIgnoreCase(authority, value)) {
          throw new Malformed("host and :authority disagree");
        }
      } else if (!skipped(name)) {
        out.add(name, value);
      }
    }
    if (cookies != null) {
      out.add(HttpHeaderNames.COOKIE, cookies.toString());
    }
    if (!endStream && !out.contains(HttpHeaderNames.CONTENT_LENGTH)) {
      out.add(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    }
    return new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(method.toString()),
        target.toString(), out);
  }

  /**
   * The response head of a backend's {@code h} (validated by the backend connection's frame
   * codec, which also made sure it has a {@code :status}). {@code endStream}: the HEADERS ended
   * the stream. As Netty's translation: {@code Transfer-Encoding: chunked} when a body may
   * follow without a length (not after a 1xx, 204 or 304); {@code cookie} fields joined, this
   * hop's and {@code trailer} dropped.
   *
   * @throws Http2Exception for a {@code :status} that is not a status code
   */
  public static HttpResponse response(Http2Headers h, boolean endStream) throws Http2Exception {
    HttpResponseStatus status = HttpConversionUtil.parseStatus(h.status());
    HttpHeaders out = HEADERS.newHeaders();
    StringBuilder cookies = null;
    for (Iterator<Map.Entry<CharSequence, CharSequence>> it = h.iterator(); it.hasNext(); ) {
      Map.Entry<CharSequence, CharSequence> e = it.next();
      CharSequence name = e.getKey();
      if (name.length() == 0 || name.charAt(0) == ':' || skipped(name)) {
        continue;
      }
      if (HttpHeaderNames.COOKIE.contentEquals(name)) {
        cookies = cookies == null ? new StringBuilder() : cookies.append("; ");
        cookies.append(e.getValue());
      } else {
        out.add(name, e.getValue());
      }
    }
    if (cookies != null) {
      out.add(HttpHeaderNames.COOKIE, cookies.toString());
    }
    int code = status.code();
    if (!endStream && code >= 200 && code != 204 && code != 304
        && !out.contains(HttpHeaderNames.CONTENT_LENGTH)) {
      out.add(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    }
    return new DefaultHttpResponse(HttpVersion.HTTP_1_1, status, out);
  }

  /** A DATA frame as a body part; the last one when it ends the stream. It takes the bytes. */
  public static HttpContent bodyPart(Http2DataFrame data) {
    // No trailers with it: the shared empty map, not one made for every body's end.
    return data.isEndStream()
        ? new DefaultLastHttpContent(data.content(), EmptyHttpHeaders.INSTANCE)
        : new DefaultHttpContent(data.content());
  }

  /** Trailing HEADERS (no pseudo-field: the frame codec saw to it), as a body's last part. */
  public static LastHttpContent trailers(Http2Headers h) {
    HttpHeaders out = TRAILERS.newHeaders();
    for (Iterator<Map.Entry<CharSequence, CharSequence>> it = h.iterator(); it.hasNext(); ) {
      Map.Entry<CharSequence, CharSequence> e = it.next();
      CharSequence name = e.getKey();
      if (name.length() > 0 && name.charAt(0) != ':' && !skipped(name)) {
        out.add(name, e.getValue());
      }
    }
    return new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER, out);
  }

  /**
   * Fields that never cross to HTTP/1.1: {@code trailer}, and the names Netty's translation
   * gives this hop's facts ({@code x-http2-stream-id}, {@code x-http2-scheme}, ...), which a
   * client must not forge for the backend.
   */
  private static boolean skipped(CharSequence name) {
    return HttpHeaderNames.TRAILER.contentEquals(name) || Http1ToHttp2.extension(name);
  }
}
