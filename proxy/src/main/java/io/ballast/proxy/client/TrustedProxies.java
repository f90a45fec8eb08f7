package io.ballast.proxy.client;

import java.net.InetAddress;
import java.util.List;

/**
 * A set of CIDR blocks, IPv4 and IPv6, matched against a peer address.
 *
 * <p>Immutable and thread-safe. Matching is a loop over byte masks with no allocation; it runs once
 * per client connection, not per request.
 */
public final class TrustedProxies {
  public static final TrustedProxies NONE = new TrustedProxies(new byte[0][], new int[0]);

  private final byte[][] networks;
  private final int[] prefixes;

  private TrustedProxies(byte[][] networks, int[] prefixes) {
    this.networks = networks;
    this.prefixes = prefixes;
  }

  /** The blocks as byte masks, so that a match is a loop with no allocation. */
  public static TrustedProxies of(List<Cidr> cidrs) {
    if (cidrs.isEmpty()) {
      return NONE;
    }
    byte[][] networks = new byte[cidrs.size()][];
    int[] prefixes = new int[cidrs.size()];
    for (int i = 0; i < networks.length; i++) {
      networks[i] = cidrs.get(i).network().getAddress();
      prefixes[i] = cidrs.get(i).prefixLength();
    }
    return new TrustedProxies(networks, prefixes);
  }

  boolean isEmpty() {
    return networks.length == 0;
  }

  /** True when {@code peer} is one of the trusted proxies. */
  public boolean contains(InetAddress peer) {
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
