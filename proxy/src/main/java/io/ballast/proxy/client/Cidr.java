package io.ballast.proxy.client;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An IPv4 or IPv6 network, {@code 10.0.0.0/8} or {@code fd00::/8}; a bare address means that
 * one host (/32 or /128). Immutable.
 *
 * @param network the network address, with no bits set beyond the prefix
 * @param prefixLength 0..32 for IPv4, 0..128 for IPv6
 */
public record Cidr(InetAddress network, int prefixLength) {
  private static final Pattern IPV4 =
      Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+");

  public Cidr {
    Objects.requireNonNull(network, "network");
    int bits = network.getAddress().length * 8;
    if (prefixLength < 0 || prefixLength > bits) {
      throw new IllegalArgumentException(
          "prefixLength: " + prefixLength + " (expected: 0.." + bits + ")");
    }
    if (!network.equals(mask(network, prefixLength))) {
      throw new IllegalArgumentException("network: " + network.getHostAddress() + "/" + prefixLength
          + " has host bits set (expected: " + mask(network, prefixLength).getHostAddress() + "/"
          + prefixLength + ")");
    }
  }

  /**
   * Parses {@code address/prefix} or a bare address.
   *
   * @throws IllegalArgumentException saying what was found and what was expected
   */
  public static Cidr parse(String text) {
    Objects.requireNonNull(text, "text");
    int slash = text.indexOf('/');
    String address = slash < 0 ? text : text.substring(0, slash);
    InetAddress ip = ipLiteral(address).orElseThrow(() -> new IllegalArgumentException(
        "'" + text + "' is not a network (expected: a CIDR such as \"10.0.0.0/8\" or \"fd00::/8\", or an IP address)"));
    int bits = ip.getAddress().length * 8;
    int prefix = bits;
    if (slash >= 0) {
      String digits = text.substring(slash + 1);
      if (digits.isEmpty() || digits.length() > 3 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')
          || Integer.parseInt(digits) > bits) {
        throw new IllegalArgumentException(
            "'" + text + "': prefix length '" + digits + "' (expected: 0.." + bits + ")");
      }
      prefix = Integer.parseInt(digits);
    }
    InetAddress network = mask(ip, prefix);
    if (!network.equals(ip)) {
      throw new IllegalArgumentException("'" + text + "' has host bits set (expected: "
          + network.getHostAddress() + "/" + prefix + ")");
    }
    return new Cidr(network, prefix);
  }

  /** True when {@code address} is in this network; an IPv4 address never matches IPv6 networks. */
  public boolean contains(InetAddress address) {
    byte[] candidate = address.getAddress();
    byte[] net = network.getAddress();
    if (candidate.length != net.length) {
      return false;
    }
    int full = prefixLength / 8;
    for (int i = 0; i < full; i++) {
      if (candidate[i] != net[i]) {
        return false;
      }
    }
    int rest = prefixLength % 8;
    if (rest == 0) {
      return true;
    }
    int keep = 0xFF << (8 - rest) & 0xFF;
    return (candidate[full] & keep) == (net[full] & keep);
  }

  private static InetAddress mask(InetAddress address, int prefix) {
    byte[] bytes = address.getAddress();
    for (int i = 0; i < bytes.length; i++) {
      int bitsHere = Math.max(0, Math.min(8, prefix - i * 8));
      bytes[i] &= (byte) (0xFF << (8 - bitsHere));
    }
    try {
      return InetAddress.getByAddress(bytes);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException("a 4 or 16 byte address is always valid", e);
    }
  }

  /**
   * The address when {@code host} is an IPv4 or IPv6 literal (IPv6 without brackets), or empty
   * for anything else. Never does a name lookup.
   */
  public static Optional<InetAddress> ipLiteral(String host) {
    boolean literal = host.indexOf(':') >= 0 ? IPV6.matcher(host).matches() : IPV4.matcher(host).matches();
    if (!literal) {
      return Optional.empty();
    }
    try {
      // Only literals get here, and for literals getByName parses without a lookup.
      return Optional.of(InetAddress.getByName(host));
    } catch (UnknownHostException e) {
      return Optional.empty();
    }
  }

  @Override
  public String toString() {
    return network.getHostAddress() + "/" + prefixLength;
  }
}
