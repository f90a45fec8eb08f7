package io.ballast.proxy.client;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * The direct peer of a client connection, worked out once per connection so that requests only
 * copy strings. Immutable.
 *
 * @param ip the peer's IP address as text, as written in X-Forwarded-For
 * @param forwardedFor the RFC 7239 {@code for=} parameter, IPv6 quoted as {@code "[v6]"}
 * @param trusted true when the peer is a trusted proxy whose forwarding headers are kept
 * @param address the peer's address, or null when it is not an IP socket
 * @param secure true when the connection itself is encrypted (TLS terminated by ballast). It is
 *     the one fact routing asks about the transport: a route with {@code https_redirect} never
 *     redirects a secure connection, so that a TLS listener cannot send clients to itself.
 *     Listeners carry plain HTTP only so far, so every connection is made with false.
 */
public record ClientAddress(String ip, String forwardedFor, boolean trusted, InetAddress address,
    boolean secure) {
  public static final ClientAddress UNKNOWN =
      new ClientAddress("unknown", "for=unknown", false, null, false);

  /** The peer of a plain (not encrypted) connection. */
  public static ClientAddress of(SocketAddress remote, TrustedProxies trustedProxies) {
    return of(remote, trustedProxies, false);
  }

  /** The peer of a connection; {@code secure} says whether ballast terminated TLS on it. */
  public static ClientAddress of(SocketAddress remote, TrustedProxies trustedProxies,
      boolean secure) {
    if (!(remote instanceof InetSocketAddress inet) || inet.getAddress() == null) {
      return secure ? new ClientAddress("unknown", "for=unknown", false, null, true) : UNKNOWN;
    }
    InetAddress address = inet.getAddress();
    String ip = address.getHostAddress();
    int zone = ip.indexOf('%');
    if (zone >= 0) {
      ip = ip.substring(0, zone);
    }
    String forwardedFor =
        address instanceof Inet6Address ? "for=\"[" + ip + "]\"" : "for=" + ip;
    return new ClientAddress(ip, forwardedFor, trustedProxies.contains(address), address, secure);
  }
}
