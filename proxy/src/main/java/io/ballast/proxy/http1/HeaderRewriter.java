package io.ballast.proxy.http1;

import io.ballast.proxy.ProxySettings;
import io.ballast.proxy.client.ClientAddress;
import io.ballast.proxy.tls.ClientTls;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Rewrites message heads crossing the proxy: removes hop-by-hop fields (RFC 9110 section 7.6.1),
 * adds forwarding fields and the request id, and sets the framing and connection fields of the
 * outgoing side.
 *
 * <p>Immutable and thread-safe; each call works on a message owned by the calling event loop.
 */
public final class HeaderRewriter {
  static final AsciiString KEEP_ALIVE = AsciiString.cached("keep-alive");
  static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
  static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
  static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
  static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
  static final AsciiString FORWARDED = AsciiString.cached("forwarded");
  private static final AsciiString HTTP = AsciiString.cached("http");
  private static final AsciiString HTTPS = AsciiString.cached("https");
  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
  private static final int MAX_REQUEST_ID = 128;

  private final ProxySettings.Forwarding forwarding;
  private final AsciiString requestIdHeader;

  public HeaderRewriter(ProxySettings.Forwarding forwarding) {
    this.forwarding = forwarding;
    this.requestIdHeader = AsciiString.cached(forwarding.requestIdHeader());
  }

  AsciiString requestIdHeader() {
    return requestIdHeader;
  }

  /**
   * Prepares a client request for a backend and returns its request id. The request goes out as
   * HTTP/1.1 (so the backend connection can be kept), chunked if it came chunked.
   */
  String prepareRequest(HttpRequest request, ClientAddress client, ClientTls tls,
      boolean chunked) {
    HttpHeaders h = request.headers();
    removeHopByHop(h);
    h.remove(HttpHeaderNames.EXPECT);
    if (chunked) {
      h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    }
    request.setProtocolVersion(HttpVersion.HTTP_1_1);

    if (!client.trusted()) {
      h.remove(X_FORWARDED_FOR);
      h.remove(X_FORWARDED_PROTO);
      h.remove(X_FORWARDED_HOST);
      h.remove(FORWARDED);
    }
    if (tls != null && tls.subjectHeader() != null) {
      // Only ballast says who the client's certificate names; a client cannot.
      h.remove(tls.subjectHeader());
      if (tls.clientSubject() != null) {
        h.set(tls.subjectHeader(), headerSafe(tls.clientSubject()));
      }
    }
    AsciiString proto = tls == null ? HTTP : HTTPS;
    String host = h.get(HttpHeaderNames.HOST);
    if (forwarding.xForwarded()) {
      String xff = client.trusted() ? joined(h, X_FORWARDED_FOR) : null;
      h.set(X_FORWARDED_FOR, xff == null ? client.ip() : xff + ", " + client.ip());
      if (!h.contains(X_FORWARDED_PROTO)) {
        h.set(X_FORWARDED_PROTO, proto);
      }
      if (host != null && !h.contains(X_FORWARDED_HOST)) {
        h.set(X_FORWARDED_HOST, host);
      }
    }
    if (forwarding.forwarded()) {
      String element = forwardedElement(client, proto, host);
      String previous = client.trusted() ? joined(h, FORWARDED) : null;
      h.set(FORWARDED, previous == null ? element : previous + ", " + element);
    }

    String id = h.get(requestIdHeader);
    if (id == null || !isSaneRequestId(id) || h.getAll(requestIdHeader).size() > 1) {
      id = newRequestId();
      h.set(requestIdHeader, id);
    }
    return id;
  }

  /**
   * Prepares a backend response for the client. Returns true when the client connection must
   * close after this response ({@code close} on entry, or a body whose end only a close can mark
   * for an HTTP/1.0 client).
   */
  boolean prepareResponse(
      HttpResponse response, HttpVersion clientVersion, boolean bodiless, boolean close,
      String requestId) {
    HttpHeaders h = response.headers();
    boolean chunked = bodiless ? false : isChunked(h);
    removeHopByHop(h);
    response.setProtocolVersion(HttpVersion.HTTP_1_1);
    boolean http10 = clientVersion.minorVersion() == 0 && clientVersion.majorVersion() == 1;
    if (!bodiless && !h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
      if (http10) {
        // An HTTP/1.0 client knows neither chunked coding nor trailers: the close marks the end.
        close = true;
      } else {
        h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
      }
    } else if (chunked && !http10) {
      h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    }
    if (close) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    } else if (http10) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    }
    if (requestId != null && !h.contains(requestIdHeader)) {
      h.set(requestIdHeader, requestId);
    }
    return close;
  }

  private static boolean isChunked(HttpHeaders h) {
    return h.containsValue(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED, true);
  }

  /**
   * Removes Connection and every field it names, and the fixed hop-by-hop fields. Content-Length,
   * Host and Transfer-Encoding are never removed because a Connection token names them: framing is
   * redone by the proxy, and a client must not be able to strip it.
   */
  public static void removeHopByHop(HttpHeaders h) {
    if (h.contains(HttpHeaderNames.CONNECTION)) {
      List<String> values = h.getAll(HttpHeaderNames.CONNECTION);
      for (int v = 0; v < values.size(); v++) {
        removeNamed(h, values.get(v));
      }
      h.remove(HttpHeaderNames.CONNECTION);
    }
    h.remove(KEEP_ALIVE);
    h.remove(PROXY_CONNECTION);
    h.remove(HttpHeaderNames.TRAILER);
    h.remove(HttpHeaderNames.UPGRADE);
    h.remove(HttpHeaderNames.TRANSFER_ENCODING);
    if (h.contains(HttpHeaderNames.TE)) {
      boolean trailers = h.containsValue(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS, true);
      h.remove(HttpHeaderNames.TE);
      if (trailers) {
        h.set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS);
      }
    }
  }

  private static void removeNamed(HttpHeaders h, String value) {
    int n = value.length();
    int i = 0;
    while (i < n) {
      int comma = value.indexOf(',', i);
      int end = comma < 0 ? n : comma;
      int s = i;
      int e = end;
      while (s < e && (value.charAt(s) == ' ' || value.charAt(s) == '\t')) {
        s++;
      }
      while (e > s && (value.charAt(e - 1) == ' ' || value.charAt(e - 1) == '\t')) {
        e--;
      }
      if (e > s && !isProtected(value, s, e - s)) {
        h.remove(value.substring(s, e));
      }
      i = end + 1;
    }
  }

  private static boolean isProtected(String v, int start, int len) {
    return matches(v, start, len, "close")
        || matches(v, start, len, "keep-alive")
        || matches(v, start, len, "content-length")
        || matches(v, start, len, "host")
        || matches(v, start, len, "transfer-encoding");
  }

  private static boolean matches(String v, int start, int len, String word) {
    return len == word.length() && v.regionMatches(true, start, word, 0, len);
  }

  private static String joined(HttpHeaders h, AsciiString name) {
    List<String> all = h.getAll(name);
    if (all.isEmpty()) {
      return null;
    }
    return all.size() == 1 ? all.get(0) : String.join(", ", all);
  }

  private static String forwardedElement(ClientAddress client, AsciiString proto, String host) {
    StringBuilder sb = new StringBuilder(48).append(client.forwardedFor()).append(";proto=")
        .append(proto);
    if (host != null) {
      sb.append(";host=");
      if (isToken(host)) {
        sb.append(host);
      } else {
        sb.append('"');
        for (int i = 0; i < host.length(); i++) {
          char c = host.charAt(i);
          if (c == '"' || c == '\\') {
            sb.append('\\');
          }
          sb.append(c);
        }
        sb.append('"');
      }
    }
    return sb.toString();
  }

  /**
   * A certificate subject as a header value: characters outside visible ASCII (a subject may
   * hold any Unicode) become RFC 4514 escapes of their UTF-8 bytes ({@code \\C3\\A9}).
   */
  static String headerSafe(String subject) {
    if (isFieldValue(subject)) {
      return subject;
    }
    StringBuilder sb = new StringBuilder(subject.length() + 16);
    for (byte b : subject.getBytes(StandardCharsets.UTF_8)) {
      if (b >= 0x20 && b < 0x7f) {
        sb.append((char) b);
      } else {
        sb.append('\\').append((char) HEX[(b >> 4) & 0xf]).append((char) HEX[b & 0xf]);
      }
    }
    return sb.toString();
  }

  /** True for 1 to 128 visible ASCII characters (spaces inside allowed). */
  static boolean isSaneRequestId(String id) {
    int n = id.length();
    if (n == 0 || n > MAX_REQUEST_ID) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = id.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        return false;
      }
    }
    return true;
  }

  /**
   * 128 random bits as 32 lowercase hex digits; ThreadLocalRandom, never a blocking source. Built
   * as Latin-1 bytes: a char[] would be allocated and then compressed into the String's bytes.
   */
  static String newRequestId() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    byte[] out = new byte[32];
    long hi = r.nextLong();
    long lo = r.nextLong();
    for (int i = 0; i < 16; i++) {
      out[i] = HEX[(int) (hi >>> (60 - 4 * i)) & 0xf];
      out[16 + i] = HEX[(int) (lo >>> (60 - 4 * i)) & 0xf];
    }
    return new String(out, StandardCharsets.ISO_8859_1);
  }

  /** RFC 9110 token characters only. */
  public static boolean isToken(CharSequence s) {
    if (s.length() == 0) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
          || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** Visible ASCII and spaces only: safe in a header value. */
  public static boolean isFieldValue(CharSequence s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        return false;
      }
    }
    return true;
  }
}
