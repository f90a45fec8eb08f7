package io.ballast.proxy.http1;

import io.ballast.proxy.routing.RequestFacts;

/**
 * Whether a Host value (or the authority of an absolute-form target) is {@code host [":" port]}
 * as RFC 9110 section 7.2 and RFC 3986 section 3.2.2 write it: a reg-name (unreserved
 * characters, percent-encodings, sub-delims), an IPv4 address (which is also a reg-name), or an
 * IP-literal in brackets (an IPv6 address or an IPvFuture).
 *
 * <p>Stricter than the grammar in two places, both on purpose: an empty port ({@code "a.example:"})
 * and a port above 65535 are refused (the grammar allows any digits, but no backend can mean
 * them, and servers disagree on what they do with them), and so is an empty host with a port
 * ({@code ":80"}, which RFC 9110 section 4.2.1 forbids in an http URI). An entirely empty value
 * passes: it is what RFC 9110 section 7.2 tells a client to send when the target has no
 * authority. Userinfo ({@code "user@host"}) never passes: '@' is not in the grammar of a host.
 *
 * <p>Stateless and thread-safe.
 */
final class HostSyntax {
  private HostSyntax() {}

  /** True when {@code v} is empty or a valid {@code host [":" port]}. */
  static boolean valid(String v) {
    int n = v.length();
    if (n == 0) {
      return true;
    }
    int hostEnd;
    if (v.charAt(0) == '[') {
      int close = v.indexOf(']');
      if (close < 0 || !ipLiteral(v, 1, close)) {
        return false;
      }
      hostEnd = close + 1;
    } else {
      int colon = v.indexOf(':');
      hostEnd = colon < 0 ? n : colon;
      if (hostEnd == 0 || !regName(v, 0, hostEnd)) {
        return false;
      }
    }
    return hostEnd == n || v.charAt(hostEnd) == ':' && port(v, hostEnd + 1, n);
  }

  /** One to five digits, 65535 at most. */
  private static boolean port(String v, int from, int to) {
    if (to <= from || to - from > 5) {
      return false;
    }
    int port = 0;
    for (int i = from; i < to; i++) {
      char c = v.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
      port = port * 10 + (c - '0');
    }
    return port <= 65535;
  }

  private static boolean regName(String v, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = v.charAt(i);
      if (c == '%') {
        if (i + 2 >= to || RequestFacts.hex(v.charAt(i + 1)) < 0 || RequestFacts.hex(v.charAt(i + 2)) < 0) {
          return false;
        }
        i += 2;
      } else if (!unreserved(c) && !subDelim(c)) {
        return false;
      }
    }
    return true;
  }

  /** What is between the brackets: IPv6address / IPvFuture. */
  private static boolean ipLiteral(String v, int from, int to) {
    if (to > from && (v.charAt(from) == 'v' || v.charAt(from) == 'V')) {
      // IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
      int i = from + 1;
      while (i < to && RequestFacts.hex(v.charAt(i)) >= 0) {
        i++;
      }
      if (i == from + 1 || i >= to || v.charAt(i) != '.' || i + 1 == to) {
        return false;
      }
      for (i++; i < to; i++) {
        char c = v.charAt(i);
        if (!unreserved(c) && !subDelim(c) && c != ':') {
          return false;
        }
      }
      return true;
    }
    return ipv6(v, from, to);
  }

  /**
   * RFC 3986's IPv6address: eight groups of 1 to 4 hex digits, the last two of which may be an
   * IPv4 address, with at most one "::" standing for one or more groups of zeros. Worked
   * example: "::ffff:192.0.2.1" is "::", one group, then an IPv4 address that counts as two:
   * three groups written, under eight, so the "::" stands for five.
   */
  static boolean ipv6(String v, int from, int to) {
    int groups = 0;
    boolean elided = false;
    int i = from;
    if (v.startsWith("::", i)) {
      elided = true;
      i += 2;
      if (i == to) {
        return true;
      }
    }
    while (i < to) {
      int start = i;
      while (i < to && i - start < 5 && RequestFacts.hex(v.charAt(i)) >= 0) {
        i++;
      }
      if (i < to && v.charAt(i) == '.') {
        // The trailing IPv4 address, counted as two groups.
        if (!ipv4(v, start, to)) {
          return false;
        }
        groups += 2;
        i = to;
        break;
      }
      int digits = i - start;
      if (digits == 0 || digits > 4) {
        return false;
      }
      groups++;
      if (i == to) {
        break;
      }
      if (v.charAt(i) != ':') {
        return false;
      }
      i++;
      if (i < to && v.charAt(i) == ':') {
        if (elided) {
          return false;
        }
        elided = true;
        i++;
      } else if (i == to) {
        // A single trailing ':'.
        return false;
      }
    }
    return elided ? groups <= 7 : groups == 8;
  }

  /** Four dec-octets (0 to 255, no leading zeros) joined by dots. */
  private static boolean ipv4(String v, int from, int to) {
    int parts = 0;
    int i = from;
    while (true) {
      int start = i;
      int value = 0;
      while (i < to && i - start < 3 && v.charAt(i) >= '0' && v.charAt(i) <= '9') {
        value = value * 10 + (v.charAt(i) - '0');
        i++;
      }
      int digits = i - start;
      if (digits == 0 || value > 255 || digits > 1 && v.charAt(start) == '0') {
        return false;
      }
      parts++;
      if (i == to) {
        return parts == 4;
      }
      if (v.charAt(i) != '.' || parts == 4) {
        return false;
      }
      i++;
    }
  }

  private static boolean unreserved(char c) {
    return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
        || c == '-' || c == '.' || c == '_' || c == '~';
  }

  private static boolean subDelim(char c) {
    return c == '!' || c == '$' || c == '&' || c == '\'' || c == '(' || c == ')' || c == '*'
        || c == '+' || c == ',' || c == ';' || c == '=';
  }
}
