package io.ballast.proxy.http1;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * The request target checked and put in the one form the rest of ballast and the backend see:
 * origin-form ({@code /path?query}), or {@code *} for OPTIONS, with exactly one Host that names
 * the target's authority.
 *
 * <ul>
 *   <li>Only visible US-ASCII (0x21 to 0x7E) may appear in a target: the HTTP/1.1 codec already
 *       refused anything else on the wire ({@link RequestLineCheck}); this covers the targets of
 *       HTTP/2 streams, which arrive as strings, before one is written into an HTTP/1.1 request
 *       line.
 *   <li>Absolute-form ({@code http://a.example/x}): RFC 9112 section 3.2.2 says the authority
 *       wins over Host, and a proxy "MUST ignore the received Host header field (if any) and
 *       instead replace it with the host information of the request-target". The Host is set to
 *       the authority and the target becomes origin-form (RFC 9112 section 3.2.1: an empty path
 *       is "/"; section 3.2.4: OPTIONS with an empty path and no query is "*"), so that routing
 *       and the backend read the same host. Only the http and https schemes are accepted; an
 *       authority with userinfo is refused (RFC 9110 section 4.2.4 tells a recipient to treat it
 *       as an error), and so is one whose host is empty or not a host ({@link HostSyntax}).
 *   <li>No Host at all (HTTP/1.0 only; HTTP/1.1 was refused before): the request goes out as
 *       HTTP/1.1, which needs one. It gets the authority RFC 9112 section 3.3 gives such a
 *       request's target URI when the server has no configured name: the address and port the
 *       client connected to (the listener's, as the client reached it).
 *   <li>Anything else (a target with neither a leading '/' nor a scheme, or {@code *} with
 *       another method) is refused.
 * </ul>
 *
 * <p>Stateless and thread-safe.
 */
final class RequestTarget {
  static final RequestChecks.Rejection BAD_TARGET_BYTE =
      new RequestChecks.Rejection(400, "control, space or non-ascii byte in request target");
  static final RequestChecks.Rejection BAD_FORM = new RequestChecks.Rejection(400,
      "request target is neither origin-form, absolute-form nor * for options");
  static final RequestChecks.Rejection BAD_SCHEME =
      new RequestChecks.Rejection(400, "absolute-form target whose scheme is not http or https");
  static final RequestChecks.Rejection USERINFO =
      new RequestChecks.Rejection(400, "userinfo in the target's authority");
  static final RequestChecks.Rejection BAD_AUTHORITY =
      new RequestChecks.Rejection(400, "target's authority is not a valid host");

  private RequestTarget() {}

  /**
   * Checks {@code request}'s target and corrects it in place as the class comment says; null
   * when it may go on. {@code local} is the address the client connected to.
   */
  static RequestChecks.Rejection correct(HttpRequest request, SocketAddress local) {
    String uri = request.uri();
    for (int i = 0; i < uri.length(); i++) {
      char c = uri.charAt(i);
      if (c <= ' ' || c >= 0x7f) {
        return BAD_TARGET_BYTE;
      }
    }
    if (uri.isEmpty()) {
      return BAD_FORM;
    }
    if (uri.charAt(0) != '/') {
      if (uri.equals("*")) {
        if (!HttpMethod.OPTIONS.equals(request.method())) {
          return BAD_FORM;
        }
      } else {
        RequestChecks.Rejection r = absolute(request, uri);
        if (r != null) {
          return r;
        }
      }
    }
    if (!request.headers().contains(HttpHeaderNames.HOST)) {
      request.headers().set(HttpHeaderNames.HOST, authority(local));
    }
    return null;
  }

  private static RequestChecks.Rejection absolute(HttpRequest request, String uri) {
    int colon = uri.indexOf(':');
    if (colon <= 0 || !scheme(uri, colon)) {
      return BAD_FORM;
    }
    if (!(colon == 4 && uri.regionMatches(true, 0, "http", 0, 4)
        || colon == 5 && uri.regionMatches(true, 0, "https", 0, 5))) {
      return BAD_SCHEME;
    }
    if (!uri.startsWith("//", colon + 1)) {
      // "http:/x" or "http:x": an http URI always has an authority (RFC 9110 section 4.2.1).
      return BAD_AUTHORITY;
    }
    int start = colon + 3;
    int end = uri.length();
    for (int i = start; i < uri.length(); i++) {
      char c = uri.charAt(i);
      if (c == '/' || c == '?' || c == '#') {
        end = i;
        break;
      }
    }
    String authority = uri.substring(start, end);
    if (authority.indexOf('@') >= 0) {
      return USERINFO;
    }
    if (authority.isEmpty() || authority.charAt(0) == ':' || !HostSyntax.valid(authority)) {
      return BAD_AUTHORITY;
    }
    String rest = uri.substring(end);
    String origin;
    if (rest.isEmpty() && HttpMethod.OPTIONS.equals(request.method())) {
      origin = "*";
    } else if (rest.isEmpty() || rest.charAt(0) != '/') {
      origin = "/" + rest;
    } else {
      origin = rest;
    }
    request.setUri(origin);
    request.headers().set(HttpHeaderNames.HOST, authority);
    return null;
  }

  /** scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), RFC 3986 section 3.1. */
  private static boolean scheme(String uri, int end) {
    for (int i = 0; i < end; i++) {
      char c = uri.charAt(i);
      boolean alpha = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z';
      if (!(alpha || i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'))) {
        return false;
      }
    }
    return true;
  }

  /** "ip:port" of the connection's local end ("[v6]:port"), or "localhost" when it has none. */
  static String authority(SocketAddress local) {
    if (!(local instanceof InetSocketAddress inet)) {
      return "localhost";
    }
    InetAddress a = inet.getAddress();
    String host;
    if (a == null) {
      host = inet.getHostString();
    } else if (a instanceof Inet6Address) {
      String text = a.getHostAddress();
      int zone = text.indexOf('%');
      // A zone identifier is the host's own business; it is not part of an http URI's host.
      host = "[" + (zone < 0 ? text : text.substring(0, zone)) + "]";
    } else {
      host = a.getHostAddress();
    }
    return host + ":" + inet.getPort();
  }
}
