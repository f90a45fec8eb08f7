package io.ballast.server.config;

import io.ballast.proxy.client.Cidr;
import java.net.InetAddress;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Which forwarding headers the proxy adds and whose it trusts. Immutable.
 *
 * @param xForwarded add X-Forwarded-For, -Proto and -Host
 * @param forwarded add the RFC 7239 Forwarded header
 * @param trustedProxies clients whose incoming forwarding headers are kept and extended; from
 *     anyone else they are replaced
 * @param requestIdHeader the header carrying the request id (kept when present, else generated)
 */
public record ForwardingConfig(
    boolean xForwarded, boolean forwarded, List<Cidr> trustedProxies, String requestIdHeader) {
  /** RFC 9110 token characters, the only ones a header name may have. */
  static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
  public static final String DEFAULT_REQUEST_ID_HEADER = "X-Request-Id";
  public static final ForwardingConfig DEFAULTS =
      new ForwardingConfig(true, false, List.of(), DEFAULT_REQUEST_ID_HEADER);

  public ForwardingConfig {
    trustedProxies = List.copyOf(Objects.requireNonNull(trustedProxies, "trustedProxies"));
    Objects.requireNonNull(requestIdHeader, "requestIdHeader");
    if (!TOKEN.matcher(requestIdHeader).matches()) {
      throw new IllegalArgumentException(
          "requestIdHeader: '" + requestIdHeader + "' (expected: a header name token)");
    }
  }

  /** True when {@code client} is in one of the trusted networks. */
  public boolean trusts(InetAddress client) {
    for (Cidr cidr : trustedProxies) {
      if (cidr.contains(client)) {
        return true;
      }
    }
    return false;
  }
}
