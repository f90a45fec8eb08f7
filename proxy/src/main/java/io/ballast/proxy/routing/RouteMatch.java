package io.ballast.proxy.routing;

import io.ballast.proxy.http1.HeaderRewriter;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * What a request must look like for a route to take it: every condition given must hold; a
 * route with no condition takes every request (a default route). Immutable and thread-safe.
 *
 * @param hosts host names, lower case, without port: exact ({@code api.example.com}), a wildcard
 *     for any subdomain ({@code *.example.com}: {@code a.example.com}, {@code a.b.example.com},
 *     not {@code example.com}) or {@code *}; empty for any host
 * @param path the path condition, or null for any path
 * @param methods request methods (upper case as sent); empty for any
 * @param headers header conditions (all must hold)
 * @param query query parameter conditions (all must hold)
 * @param clientSubject a condition on the subject (RFC 2253) of the client certificate the
 *     connection's TLS handshake verified; a request without one never matches it; null for any
 */
public record RouteMatch(List<String> hosts, PathMatch path, Set<String> methods,
    List<HeaderMatch> headers, List<QueryMatch> query, TextMatch clientSubject) {

  /** Matches every request. */
  public static final RouteMatch ANY = new RouteMatch(List.of(), null, Set.of(), List.of(), List.of());

  /** Conditions on the request alone. */
  public RouteMatch(List<String> hosts, PathMatch path, Set<String> methods,
      List<HeaderMatch> headers, List<QueryMatch> query) {
    this(hosts, path, methods, headers, query, null);
  }

  public RouteMatch {
    hosts = List.copyOf(hosts);
    methods = Set.copyOf(methods);
    headers = List.copyOf(headers);
    query = List.copyOf(query);
    for (String h : hosts) {
      if (h.isEmpty() || !h.equals(h.toLowerCase(Locale.ROOT)) || h.indexOf('*', 1) >= 0
          || h.startsWith("*") && !h.equals("*") && !h.startsWith("*.")) {
        throw new IllegalArgumentException("hosts: '" + h
            + "' (expected: a lower-case host name, *.domain or *)");
      }
    }
  }

  /** A header condition: {@code value} null means the header must be absent. */
  public record HeaderMatch(String name, TextMatch value) {
    public HeaderMatch {
      Objects.requireNonNull(name, "name");
      if (!HeaderRewriter.isToken(name)) {
        throw new IllegalArgumentException("name: '" + name + "' (expected: a header name)");
      }
    }

    boolean matches(RequestFacts r) {
      List<String> values = r.headers().getAll(name);
      if (value == null) {
        return values.isEmpty();
      }
      for (String v : values) {
        if (value.matches(v)) {
          return true;
        }
      }
      return false;
    }
  }

  /** A query parameter condition on the raw (not percent-decoded) value. */
  public record QueryMatch(String name, TextMatch value) {
    public QueryMatch {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
      if (name.isEmpty() || name.indexOf('&') >= 0 || name.indexOf('=') >= 0) {
        throw new IllegalArgumentException(
            "name: '" + name + "' (expected: a query parameter name without '&' or '=')");
      }
    }

    boolean matches(RequestFacts r) {
      String v = r.queryParameter(name);
      return v != null && value.matches(v);
    }
  }

  /** True when there is no condition at all. */
  public boolean matchesEverything() {
    return hosts.isEmpty() && path == null && methods.isEmpty() && headers.isEmpty()
        && query.isEmpty() && clientSubject == null;
  }

  boolean matches(RequestFacts r) {
    if (!hosts.isEmpty() && !hostMatches(r.host())) {
      return false;
    }
    if (path != null && !path.matches(r.path())) {
      return false;
    }
    if (!methods.isEmpty() && !methods.contains(r.method())) {
      return false;
    }
    // Indexed loops: a for-each over these lists makes an iterator per request and route.
    for (int i = 0; i < headers.size(); i++) {
      if (!headers.get(i).matches(r)) {
        return false;
      }
    }
    for (int i = 0; i < query.size(); i++) {
      if (!query.get(i).matches(r)) {
        return false;
      }
    }
    if (clientSubject != null) {
      String subject = r.clientSubject();
      return subject != null && clientSubject.matches(subject);
    }
    return true;
  }

  private boolean hostMatches(String host) {
    for (int i = 0; i < hosts.size(); i++) {
      if (hostMatches(hosts.get(i), host)) {
        return true;
      }
    }
    return false;
  }

  static boolean hostMatches(String pattern, String host) {
    if (pattern.equals("*")) {
      return true;
    }
    if (pattern.startsWith("*.")) {
      // "*.example.com" needs at least one label before ".example.com".
      return host.length() > pattern.length() - 1 && host.endsWith(pattern.substring(1));
    }
    return pattern.equals(host);
  }
}
