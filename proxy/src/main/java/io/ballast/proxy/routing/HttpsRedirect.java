package io.ballast.proxy.routing;

import io.netty.handler.codec.http.HttpHeaderNames;
import java.util.List;

/**
 * A route's answer instead of proxying: a redirect to the https:// URL of the same request, so
 * that a plain HTTP listener can send its clients to the TLS one. The Location is
 * {@code https://HOST[:PORT]PATH[?QUERY]}: HOST is the host routing matched the request on (the
 * Host header, else the authority of an absolute-form target), without its port and with IPv6
 * literals kept in brackets; PORT is left out when it is 443; PATH and QUERY are the request
 * target as the client sent it (not normalised, not rewritten).
 *
 * <p>A request whose host cannot be used gets 400 instead: none (HTTP/1.0 without Host), more
 * than one, or one that is not plainly a host ({@link RedirectHost}), so that the redirect can
 * never carry a header break or point at another host. A target that is not a path (the
 * {@code *} of {@code OPTIONS *}) or has a byte outside visible ASCII gets 400 too.
 *
 * <p>A secure connection is never redirected: routing skips such a route for it
 * ({@link RouteTable#match}), so a TLS listener cannot send clients to itself.
 *
 * <p>Immutable and thread-safe.
 *
 * @param port the https port the Location names, 1..65535 (443 is not written)
 * @param status the redirect's status: 301, 302, 303, 307 or 308
 */
public record HttpsRedirect(int port, int status) {
  public static final int DEFAULT_PORT = 443;
  public static final int DEFAULT_STATUS = 301;
  /** The statuses a redirect may answer with: the RFC 9110 redirections that carry Location. */
  public static final List<Integer> STATUSES = List.of(301, 302, 303, 307, 308);
  /** What {@link #STATUSES} reads as in a message. */
  public static final String STATUSES_EXPECTED = "one of 301, 302, 303, 307, 308";
  /** {@code https_redirect: true}: a permanent redirect to port 443. */
  public static final HttpsRedirect DEFAULT = new HttpsRedirect(DEFAULT_PORT, DEFAULT_STATUS);

  public HttpsRedirect {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port: " + port + " (expected: 1..65535)");
    }
    if (!STATUSES.contains(status)) {
      throw new IllegalArgumentException("status: " + status + " (expected: "
          + STATUSES_EXPECTED + ")");
    }
  }

  /** The redirect of a request {@code route} took, or the 400 it gets when it has no https URL. */
  RoutedRequest answer(RequestFacts facts, Route route) {
    String raw = facts.rawHost();
    if (raw == null) {
      return refused(facts, route, "no host");
    }
    if (facts.headers().getAll(HttpHeaderNames.HOST).size() > 1) {
      return refused(facts, route, "more than one host");
    }
    String host = RedirectHost.of(raw);
    if (host == null) {
      return refused(facts, route, "host is not a name or an address");
    }
    String path = facts.rawPath();
    String query = facts.query();
    if (!path.startsWith("/") || !visible(path) || query != null && !visible(query)) {
      return refused(facts, route, "request target is not a path of visible ascii");
    }
    StringBuilder location = new StringBuilder(8 + host.length() + 6 + path.length()
        + (query == null ? 0 : query.length() + 1)).append("https://").append(host);
    if (port != DEFAULT_PORT) {
      location.append(':').append(port);
    }
    location.append(path);
    if (query != null) {
      location.append('?').append(query);
    }
    return RoutedRequest.redirect(facts, route, status, location.toString(),
        "https redirect by route " + route.name);
  }

  private static RoutedRequest refused(RequestFacts facts, Route route, String why) {
    return RoutedRequest.local(facts, route, 400,
        "no https redirect by route " + route.name + ": " + why);
  }

  /** True when every character is visible ASCII (0x21..0x7E): no space, control or non-ASCII. */
  private static boolean visible(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x21 || c > 0x7E) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return "https redirect " + status + (port == DEFAULT_PORT ? "" : " to port " + port);
  }
}
