package io.ballast.proxy.discovery;

import io.ballast.core.Backend;
import io.netty.util.NetUtil;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One backend entry found through DNS: a host name whose A/AAAA records are the members (YAML
 * {@code dns: api.internal}, with {@code port} and {@code weight}), or an SRV name whose records
 * give targets, ports and weights (YAML {@code srv: _http._tcp.api.internal}).
 *
 * <p>Immutable. The name is kept in lower case without a trailing dot, and is asked as given:
 * search domains of /etc/resolv.conf are not applied, so give the fully qualified name.
 *
 * @param name the host or SRV name
 * @param srv true for an SRV name
 * @param port the port of every address (1..65535); 0 for SRV, whose records carry the ports
 * @param weight the weight of every address (1..{@value Backend#MAX_WEIGHT}); 0 for SRV, whose
 *     records carry the weights
 * @param kind which address records to ask for: of the name itself, or of each SRV target
 */
public record DnsBackendSpec(String name, boolean srv, int port, int weight, Kind kind) {

  /** The address families of the members. YAML: {@code a}, {@code aaaa}, {@code any}. */
  public enum Kind {
    /** IPv4 only (A records). */
    A,
    /** IPv6 only (AAAA records). */
    AAAA,
    /** Both: A and AAAA records are asked for, and every address of either is a member. */
    ANY
  }

  // Letters, digits, '-' and '_' (SRV labels start with it); 1..63 per label.
  private static final Pattern LABEL = Pattern.compile("[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?");

  public DnsBackendSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(kind, "kind");
    name = name.toLowerCase(Locale.ROOT);
    if (name.endsWith(".")) {
      name = name.substring(0, name.length() - 1);
    }
    String field = srv ? "srv" : "dns";
    if (NetUtil.isValidIpV4Address(name) || NetUtil.isValidIpV6Address(name)) {
      throw new IllegalArgumentException(field + ": " + name
          + " (expected: a host name; give an IP address as address: instead)");
    }
    if (name.isEmpty() || name.length() > 253) {
      throw new IllegalArgumentException(field + ": \"" + name
          + "\" (expected: a host name of 1..253 characters)");
    }
    for (String label : name.split("\\.", -1)) {
      if (!LABEL.matcher(label).matches()) {
        throw new IllegalArgumentException(field + ": " + name + " (expected: dot-separated labels"
            + " of 1..63 letters, digits, '-' or '_'; \"" + label + "\" is not one)");
      }
    }
    if (srv) {
      if (!name.startsWith("_")) {
        throw new IllegalArgumentException("srv: " + name
            + " (expected: a service name such as _http._tcp.api.internal)");
      }
      if (port != 0) {
        throw new IllegalArgumentException("port: " + port
            + " (expected: none with srv: the SRV records give the ports)");
      }
      if (weight != 0) {
        throw new IllegalArgumentException("weight: " + weight
            + " (expected: none with srv: the SRV records give the weights)");
      }
    } else {
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("port: " + port + " (expected: 1..65535)");
      }
      if (weight < 1 || weight > Backend.MAX_WEIGHT) {
        throw new IllegalArgumentException(
            "weight: " + weight + " (expected: 1.." + Backend.MAX_WEIGHT + ")");
      }
    }
  }

  /** A host name: each of its addresses of {@code kind} is a member on {@code port}. */
  public static DnsBackendSpec host(String name, int port, int weight, Kind kind) {
    return new DnsBackendSpec(name, false, port, weight, kind);
  }

  /** An SRV name: each address of {@code kind} of each target is a member. */
  public static DnsBackendSpec srv(String name, Kind kind) {
    return new DnsBackendSpec(name, true, 0, 0, kind);
  }

  /** As in logs: {@code dns api.internal:8080 (any, weight 2)}, {@code srv _http._tcp.x (any)}. */
  @Override
  public String toString() {
    String k = kind.name().toLowerCase(Locale.ROOT);
    return srv ? "srv " + name + " (" + k + ")"
        : "dns " + name + ":" + port + " (" + k + ", weight " + weight + ")";
  }
}
