package io.ballast.proxy.client;

import java.net.InetAddress;
import java.util.Objects;

/**
 * Which client addresses a listener or a route serves: refused when the address is in
 * {@code deny}, or when {@code allow} is not empty and the address is in none of its networks;
 * served otherwise. A deny entry wins over an allow entry (allow 10.0.0.0/8, deny 10.6.6.6: all of
 * 10/8 but that one host). Behind trusted proxies the address is the client they forwarded for,
 * as everywhere else in routing.
 *
 * <p>Immutable and thread-safe; a lookup is two binary searches ({@link CidrSet}).
 *
 * @param allow the networks served; empty for every address not denied
 * @param deny the networks refused
 */
public record AccessList(CidrSet allow, CidrSet deny) {
  public AccessList {
    Objects.requireNonNull(allow, "allow");
    Objects.requireNonNull(deny, "deny");
    if (allow.isEmpty() && deny.isEmpty()) {
      throw new IllegalArgumentException(
          "access list: no network (expected: at least one allow or deny entry)");
    }
  }

  /** True when {@code client} may be served; an unknown client (null) only without an allow list. */
  public boolean permits(InetAddress client) {
    if (client == null) {
      return allow.isEmpty();
    }
    if (deny.contains(client)) {
      return false;
    }
    return allow.isEmpty() || allow.contains(client);
  }

  /**
   * True when a connection from {@code peer} is refused as it is accepted: its address is refused
   * and it is not a trusted proxy (for a trusted proxy the client it forwards for is judged, per
   * request).
   */
  public boolean refusesAtAccept(InetAddress peer, TrustedProxies trusted) {
    return !trusted.contains(peer) && !permits(peer);
  }

  @Override
  public String toString() {
    return "allow " + (allow.isEmpty() ? "all" : allow.networks().size() + " networks")
        + ", deny " + deny.networks().size() + " networks";
  }
}
