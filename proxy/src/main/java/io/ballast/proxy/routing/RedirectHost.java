package io.ballast.proxy.routing;

import java.util.Locale;

/**
 * The host a redirect may name, taken from what the client wrote (a Host header or the
 * authority of an absolute-form target) and refused unless it is plainly a host: a DNS name or
 * IPv4 address (letters, digits, '-', '_', '.', no empty label) or an IPv6 literal in brackets
 * (hex digits, ':', '.'), then optionally ':' and a port of up to 5 digits, 65535 at most.
 * Anything else (CR or LF, spaces, userinfo "user@", '/', '\', '?', '#', '%', an IPvFuture or a
 * zone) is refused, so that a Location built from it can neither break the header section nor
 * point at a host other than the one the request named. The port is dropped (the redirect names
 * its own); a name is lowered and loses one trailing dot, as routing reads it.
 *
 * <p>Stateless and thread-safe.
 */
final class RedirectHost {
  /** The longest DNS name in text (RFC 1035's 255 octets on the wire), its trailing dot aside. */
  private static final int MAX_HOST = 253;
  /** "[" + the 45 characters of the longest IPv6 text form + "]". */
  private static final int MAX_LITERAL = 47;

  private RedirectHost() {}

  /**
   * The host of {@code raw} as a redirect writes it ({@code example.com}, {@code 192.0.2.1},
   * {@code [2001:db8::1]}), or null when {@code raw} is not a plain host with an optional port.
   */
  static String of(String raw) {
    int end = raw.length();
    int hostEnd;
    if (raw.startsWith("[")) {
      hostEnd = raw.indexOf(']') + 1;
      if (hostEnd == 0) {
        return null;
      }
    } else {
      int colon = raw.lastIndexOf(':');
      hostEnd = colon < 0 ? end : colon;
    }
    if (hostEnd < end && (raw.charAt(hostEnd) != ':' || !port(raw, hostEnd + 1, end))) {
      return null;
    }
    String host = raw.substring(0, hostEnd);
    return host.startsWith("[") ? literal(host) : name(host);
  }

  /** True for "" or up to 5 digits of at most 65535 in {@code raw[from, to)}. */
  private static boolean port(String raw, int from, int to) {
    if (to - from > 5) {
      return false;
    }
    int port = 0;
    for (int i = from; i < to; i++) {
      char c = raw.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
      port = port * 10 + (c - '0');
    }
    return port <= 65535;
  }

  /** "[v6]" with only hex digits, ':' and '.' inside and at least one ':'; lowered. */
  private static String literal(String host) {
    if (host.length() < 4 || host.length() > MAX_LITERAL) {
      return null;
    }
    boolean colon = false;
    for (int i = 1; i < host.length() - 1; i++) {
      char c = host.charAt(i);
      colon |= c == ':';
      if (!(c == ':' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'f'
          || c >= 'A' && c <= 'F')) {
        return null;
      }
    }
    return colon ? host.toLowerCase(Locale.ROOT) : null;
  }

  /** A DNS name or IPv4 address without empty labels, one trailing dot dropped; lowered. */
  private static String name(String host) {
    if (host.endsWith(".")) {
      host = host.substring(0, host.length() - 1);
    }
    if (host.isEmpty() || host.length() > MAX_HOST) {
      return null;
    }
    char previous = '.';
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      boolean label = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
          || c == '-' || c == '_';
      if (!label && (c != '.' || previous == '.')) {
        return null;
      }
      previous = c;
    }
    return host.toLowerCase(Locale.ROOT);
  }
}
