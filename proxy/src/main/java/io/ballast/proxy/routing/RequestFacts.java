package io.ballast.proxy.routing;

import io.ballast.proxy.client.ClientAddress;
import io.ballast.proxy.client.HashKeys;
import io.ballast.proxy.client.TrustedProxies;
import io.ballast.proxy.tls.ClientTls;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import java.net.InetAddress;
import java.util.Locale;

/**
 * What routing reads of one request, worked out once: method, host (lower case, no port), the
 * normalised path, the raw query, the headers, and the client's address (behind trusted proxies,
 * the address they forwarded for).
 *
 * <p>Path normalisation (RFC 3986 section 6.2.2) so that a route or a deny rule cannot be
 * sidestepped by spelling a path differently: percent-encoded unreserved characters are decoded
 * ({@code /%61dmin} is {@code /admin}), other percent-encodings get upper-case hex, and dot
 * segments are removed ({@code /api/../admin} is {@code /admin}). An encoded slash
 * ({@code %2F}) stays encoded: it is data, not a separator. The request goes to the backend with
 * the normalised path, so that ballast and the backend agree on what was asked.
 *
 * <p>Event-loop only; one instance per request.
 */
public final class RequestFacts {
  private final String method;
  private final HttpRequest request;
  /** Worked out on first use: most routes never ask. */
  private String host;
  private final String rawPath;
  private final String path;
  private final String query;
  private final HttpHeaders headers;
  private final InetAddress client;
  private final String clientIp;
  /** The verified client certificate's subject (RFC 2253), or null without one. */
  private final String clientSubject;

  private RequestFacts(String method, HttpRequest request, String rawPath, String path,
      String query, HttpHeaders headers, InetAddress client, String clientIp,
      String clientSubject) {
    this.method = method;
    this.request = request;
    this.rawPath = rawPath;
    this.path = path;
    this.query = query;
    this.headers = headers;
    this.client = client;
    this.clientIp = clientIp;
    this.clientSubject = clientSubject;
  }

  static RequestFacts of(HttpRequest request, ClientAddress peer, TrustedProxies trusted) {
    return of(request, peer, trusted, null);
  }

  /** @param tls the connection's TLS facts, or null on a plain connection */
  static RequestFacts of(HttpRequest request, ClientAddress peer, TrustedProxies trusted,
      ClientTls tls) {
    String uri = request.uri();
    int start = 0;
    if (!uri.startsWith("/") && !uri.equals("*")) {
      // Absolute form (http://host/path): the path starts after the authority.
      int scheme = uri.indexOf("://");
      int slash = scheme < 0 ? -1 : uri.indexOf('/', scheme + 3);
      int q = uri.indexOf('?', Math.max(0, scheme + 3));
      start = slash >= 0 && (q < 0 || slash < q) ? slash : q >= 0 ? q : uri.length();
    }
    int end = uri.length();
    int hash = uri.indexOf('#', start);
    if (hash >= 0) {
      end = hash;
    }
    int q = uri.indexOf('?', start);
    String query = null;
    if (q >= 0 && q < end) {
      query = uri.substring(q + 1, end);
      end = q;
    }
    String rawPath = start == end ? "/" : uri.substring(start, end);
    String path = normalize(rawPath);
    InetAddress address = peer.address();
    String ip = peer.ip();
    if (address != null && peer.trusted()) {
      // Behind a trusted proxy: the client it forwarded for (text made per request, only here).
      address = HashKeys.forwardedClient(request, trusted, address);
      ip = address.getHostAddress();
    }
    return new RequestFacts(request.method().name(), request, rawPath, path, query,
        request.headers(), address, ip, tls == null ? null : tls.clientSubject());
  }

  private static String host(HttpRequest request, String uri) {
    String h = request.headers().get(HttpHeaderNames.HOST);
    if (h == null) {
      h = authority(uri);
      if (h == null) {
        return "";
      }
      int at = h.lastIndexOf('@');
      if (at >= 0) {
        h = h.substring(at + 1);
      }
    }
    h = h.strip();
    int colon = h.lastIndexOf(':');
    if (colon >= 0 && h.indexOf(']') < colon) {
      h = h.substring(0, colon);
    }
    if (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1);
    }
    return h.toLowerCase(Locale.ROOT);
  }

  /**
   * The authority of an absolute-form target (userinfo included), or null for other forms: an
   * origin-form target may carry "://" in its query ({@code /go?to=http://elsewhere}), which
   * names no host of the request.
   */
  private static String authority(String uri) {
    int scheme = uri.indexOf("://");
    if (scheme <= 0 || uri.startsWith("/")) {
      return null;
    }
    int endAuthority = uri.length();
    for (int i = scheme + 3; i < uri.length(); i++) {
      char c = uri.charAt(i);
      if (c == '/' || c == '?' || c == '#') {
        endAuthority = i;
        break;
      }
    }
    return uri.substring(scheme + 3, endAuthority);
  }

  /** The path as routing sees it and the backend gets it; see the class comment. */
  static String normalize(String raw) {
    if (raw.equals("*")) {
      return raw;
    }
    String decoded = raw.indexOf('%') < 0 ? raw : decodeUnreserved(raw);
    String out = removeDotSegments(decoded);
    return out.isEmpty() ? "/" : out;
  }

  private static String decodeUnreserved(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < s.length()
          && hex(s.charAt(i + 1)) >= 0 && hex(s.charAt(i + 2)) >= 0) {
        int v = hex(s.charAt(i + 1)) * 16 + hex(s.charAt(i + 2));
        if (unreserved(v)) {
          sb.append((char) v);
        } else {
          sb.append('%').append(Character.toUpperCase(s.charAt(i + 1)))
              .append(Character.toUpperCase(s.charAt(i + 2)));
        }
        i += 2;
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  /** The value of a hexadecimal digit, or -1 for any other character. */
  public static int hex(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  private static boolean unreserved(int c) {
    return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
        || c == '-' || c == '.' || c == '_' || c == '~';
  }

  /** RFC 3986 section 5.2.4, on an absolute path. */
  static String removeDotSegments(String path) {
    if (path.indexOf('.') < 0) {
      return path;
    }
    String[] parts = path.split("/", -1);
    java.util.ArrayList<String> out = new java.util.ArrayList<>(parts.length);
    boolean trailingSlash = false;
    for (int i = 1; i < parts.length; i++) {
      String p = parts[i];
      boolean last = i == parts.length - 1;
      if (p.equals(".")) {
        trailingSlash = last;
      } else if (p.equals("..")) {
        if (!out.isEmpty()) {
          out.remove(out.size() - 1);
        }
        trailingSlash = last;
      } else {
        out.add(p);
        trailingSlash = false;
      }
    }
    StringBuilder sb = new StringBuilder(path.length());
    for (String p : out) {
      sb.append('/').append(p);
    }
    if (trailingSlash || sb.length() == 0) {
      sb.append('/');
    }
    return sb.toString();
  }

  String method() {
    return method;
  }

  String host() {
    String h = host;
    if (h == null) {
      h = host(request, request.uri());
      host = h;
    }
    return h;
  }

  /**
   * The host as the client wrote it, where {@link #host()} takes it from: the Host header, else
   * the authority of an absolute-form target (userinfo and port included, nothing checked);
   * null when the request names no host (HTTP/1.0 without Host).
   */
  String rawHost() {
    String h = headers.get(HttpHeaderNames.HOST);
    return h != null ? h : authority(request.uri());
  }

  /** The path as the client sent it (before normalisation), without query. */
  String rawPath() {
    return rawPath;
  }

  String path() {
    return path;
  }

  /** The raw query (after '?', without '#'), or null. */
  String query() {
    return query;
  }

  HttpHeaders headers() {
    return headers;
  }

  /** The client's address (the forwarded one behind trusted proxies), or null when unknown. */
  InetAddress client() {
    return client;
  }

  /** The verified client certificate's subject (RFC 2253), or null without one. */
  String clientSubject() {
    return clientSubject;
  }

  String clientIp() {
    return clientIp;
  }

  /** The raw value of a query parameter (the first), "" when it has no value, null when absent. */
  String queryParameter(String name) {
    return parameter(query, name);
  }

  /** A parameter's raw value in a query string ("" without a value), or null when absent. */
  public static String parameter(String q, String name) {
    if (q == null) {
      return null;
    }
    int i = 0;
    int n = q.length();
    while (i <= n) {
      int end = q.indexOf('&', i);
      if (end < 0) {
        end = n;
      }
      int eq = q.indexOf('=', i);
      boolean hasValue = eq >= 0 && eq < end;
      int nameEnd = hasValue ? eq : end;
      if (nameEnd - i == name.length() && q.regionMatches(i, name, 0, name.length())) {
        return hasValue ? q.substring(eq + 1, end) : "";
      }
      i = end + 1;
    }
    return null;
  }
}
