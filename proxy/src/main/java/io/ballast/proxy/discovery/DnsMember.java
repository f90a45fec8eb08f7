package io.ballast.proxy.discovery;

import io.ballast.core.Backend;
import io.netty.util.NetUtil;
import java.util.Objects;

/**
 * One member found through DNS: an address of the name (or of an SRV target) with its port and
 * weight.
 *
 * <p>Immutable. Ordered by name in every list this package hands out, so that two lists with the
 * same members are equal.
 *
 * @param name stable across lookups while the address, port and (SRV) target stay:
 *     {@code api.internal/10.0.0.5:8080}, {@code api.internal/[fd00::5]:8080}, or for SRV
 *     {@code target/address:port} ({@code web-1.api.internal/10.0.0.5:8081}); suitable as a
 *     backend name, so that a member that stays keeps its per-backend state
 * @param host the IP literal, without brackets for IPv6
 * @param port 1..65535
 * @param weight 1..{@value Backend#MAX_WEIGHT}
 */
public record DnsMember(String name, String host, int port, int weight)
    implements Comparable<DnsMember> {

  public DnsMember {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(host, "host");
    if (!NetUtil.isValidIpV4Address(host) && !NetUtil.isValidIpV6Address(host)) {
      throw new IllegalArgumentException("host: " + host + " (expected: an IP address)");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port: " + port + " (expected: 1..65535)");
    }
    if (weight < 1 || weight > Backend.MAX_WEIGHT) {
      throw new IllegalArgumentException(
          "weight: " + weight + " (expected: 1.." + Backend.MAX_WEIGHT + ")");
    }
  }

  /** The member of {@code owner} (the name asked, or the SRV target) at {@code host:port}. */
  static DnsMember of(String owner, String host, int port, int weight) {
    return new DnsMember(owner + "/" + address(host, port), host, port, weight);
  }

  /** {@code host:port}, IPv6 in brackets, as {@link Backend#address()} writes it. */
  public String address() {
    return address(host, port);
  }

  private static String address(String host, int port) {
    return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
  }

  @Override
  public int compareTo(DnsMember o) {
    return name.compareTo(o.name);
  }

  @Override
  public String toString() {
    return name + " w=" + weight;
  }
}
