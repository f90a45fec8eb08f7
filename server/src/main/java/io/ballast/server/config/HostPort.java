package io.ballast.server.config;

import io.ballast.proxy.client.Cidr;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A host and a port as written in the config: {@code "10.0.0.5:8080"}, {@code "api.internal:80"},
 * {@code "[::1]:9901"}. The host is an IPv4 or IPv6 literal or a DNS name; parsing never resolves
 * names (loading a config has no side effects and must not block on DNS). Immutable.
 *
 * @param host the host without brackets ({@code "::1"}, not {@code "[::1]"})
 * @param port 0..65535; 0 means "any free port" and only makes sense for a bind address
 */
public record HostPort(String host, int port) {
  /** RFC 1123 host names: dot-separated labels of letters, digits and inner hyphens. */
  private static final Pattern DNS_NAME = Pattern.compile(
      "(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.?");
  private static final String EXPECTED =
      "expected: host:port, e.g. \"10.0.0.5:8080\", \"api.internal:80\" or \"[::1]:9000\"";

  public HostPort {
    Objects.requireNonNull(host, "host");
    if (ipLiteral(host).isEmpty() && !DNS_NAME.matcher(host).matches()) {
      throw new IllegalArgumentException(
          "host: '" + host + "' (expected: an IPv4 or IPv6 address or a DNS name)");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
    }
  }

  /**
   * Parses {@code host:port} or {@code [ipv6]:port}.
   *
   * @throws IllegalArgumentException saying what was found and what was expected
   */
  public static HostPort parse(String text) {
    Objects.requireNonNull(text, "text");
    String host;
    String port;
    if (text.startsWith("[")) {
      int close = text.indexOf(']');
      if (close < 0 || close + 1 >= text.length() || text.charAt(close + 1) != ':') {
        throw new IllegalArgumentException("'" + text + "' (" + EXPECTED + ")");
      }
      host = text.substring(1, close);
      if (host.indexOf(':') < 0 || ipLiteral(host).isEmpty()) {
        throw new IllegalArgumentException(
            "'" + text + "': '" + host + "' is not an IPv6 address (" + EXPECTED + ")");
      }
      port = text.substring(close + 2);
    } else {
      int colon = text.lastIndexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException("'" + text + "' has no port (" + EXPECTED + ")");
      }
      host = text.substring(0, colon);
      port = text.substring(colon + 1);
      if (host.indexOf(':') >= 0) {
        throw new IllegalArgumentException(
            "'" + text + "': an IPv6 address needs brackets (" + EXPECTED + ")");
      }
      if (host.isEmpty()) {
        throw new IllegalArgumentException("'" + text + "' has no host (" + EXPECTED + ")");
      }
      if (ipLiteral(host).isEmpty() && !DNS_NAME.matcher(host).matches()) {
        throw new IllegalArgumentException(
            "'" + text + "': '" + host + "' is not an IP address or a DNS name (" + EXPECTED + ")");
      }
    }
    if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new IllegalArgumentException(
          "'" + text + "': port '" + port + "' is not a number (expected: 0..65535)");
    }
    int number = Integer.parseInt(port);
    if (number > 65535) {
      throw new IllegalArgumentException(
          "'" + text + "': port " + number + " (expected: 0..65535)");
    }
    return new HostPort(host, number);
  }

  /**
   * The address when the host is an IP literal; empty for DNS names. Never does a DNS lookup.
   */
  public Optional<InetAddress> ipAddress() {
    return ipLiteral(host);
  }

  /** True for {@code localhost} and loopback literals (127.0.0.0/8, ::1). */
  public boolean isLoopback() {
    return host.equalsIgnoreCase("localhost")
        || ipLiteral(host).map(InetAddress::isLoopbackAddress).orElse(false);
  }

  /** True for 0.0.0.0 and ::, which bind every local address. */
  public boolean isWildcard() {
    return ipLiteral(host).map(InetAddress::isAnyLocalAddress).orElse(false);
  }

  /**
   * A socket address for binding or connecting. Resolves a DNS name, which may block: call it off
   * the event loops.
   */
  public InetSocketAddress toSocketAddress() {
    return new InetSocketAddress(host, port);
  }

  static Optional<InetAddress> ipLiteral(String host) {
    return Cidr.ipLiteral(host);
  }

  /** {@code host:port}, with brackets around an IPv6 host: the form {@link #parse} reads. */
  @Override
  public String toString() {
    return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
  }
}
