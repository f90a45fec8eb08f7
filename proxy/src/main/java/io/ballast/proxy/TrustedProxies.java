package io.ballast.proxy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * A set of CIDR blocks, IPv4 and IPv6, matched against a peer address.
 *
 * <p>Immutable and thread-safe. Matching is a loop over byte masks with no allocation; it runs once
 * per client connection, not per request.
 */
final class TrustedProxies {
  static final TrustedProxies NONE = new TrustedProxies(new byte[0][], new int[0]);

  private final byte[][] networks;
  private final int[] prefixes;

  private TrustedProxies(byte[][] networks, int[] prefixes) {
    this.networks = networks;
    this.prefixes = prefixes;
  }

  /** Parses "10.0.0.0/8", "::1/128", or a bare address (a single host). */
  static TrustedProxies parse(List<String> cidrs) {
    if (cidrs.isEmpty()) {
      return NONE;
    }
    byte[][] networks = new byte[cidrs.size()][];
    int[] prefixes = new int[cidrs.size()];
    for (int i = 0; i < networks.length; i++) {
      String cidr = cidrs.get(i);
      int slash = cidr.indexOf('/');
      String ip = slash < 0 ? cidr : cidr.substring(0, slash);
      if (!isIpLiteral(ip)) {
        throw invalid(cidr);
      }
      byte[] address;
      try {
        // Only literals reach here, so no name lookup happens.
        address = InetAddress.getByName(ip).getAddress();
      } catch (UnknownHostException e) {
        throw invalid(cidr);
      }
      int prefix;
      if (slash < 0) {
        prefix = address.length * 8;
      } else {
        try {
          prefix = Integer.parseInt(cidr.substring(slash + 1));
        } catch (NumberFormatException e) {
          throw invalid(cidr);
        }
        if (prefix < 0 || prefix > address.length * 8) {
          throw invalid(cidr);
        }
      }
      networks[i] = address;
      prefixes[i] = prefix;
    }
    return new TrustedProxies(networks, prefixes);
  }

  private static boolean isIpLiteral(String s) {
    if (s.isEmpty()) {
      return false;
    }
    boolean colon = s.indexOf(':') >= 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok = c >= '0' && c <= '9' || c == '.'
          || colon && (c == ':' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F');
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static IllegalArgumentException invalid(String cidr) {
    return new IllegalArgumentException(
        "trustedProxies: \"" + cidr + "\" (expected: an IPv4 or IPv6 address or CIDR block)");
  }

  boolean isEmpty() {
    return networks.length == 0;
  }

  boolean contains(InetAddress peer) {
    byte[] a = peer.getAddress();
    for (int i = 0; i < networks.length; i++) {
      if (matches(networks[i], prefixes[i], a)) {
        return true;
      }
    }
    return false;
  }

  private static boolean matches(byte[] network, int prefix, byte[] a) {
    if (network.length != a.length) {
      return false;
    }
    int full = prefix >>> 3;
    for (int i = 0; i < full; i++) {
      if (network[i] != a[i]) {
        return false;
      }
    }
    int rest = prefix & 7;
    if (rest == 0) {
      return true;
    }
    int mask = (0xff << (8 - rest)) & 0xff;
    return (network[full] & mask) == (a[full] & mask);
  }
}
