package io.ballast.server.config;

import io.ballast.proxy.client.Cidr;
import io.ballast.proxy.client.CidrSet;
import io.ballast.proxy.proxyprotocol.ProxyProtocolSpec;
import java.time.Duration;
import java.util.List;

/**
 * Reads a listener's {@code proxy_protocol} block: the front balancers that connect with a PROXY
 * protocol header ({@code accept_from}, at least one address or network) and how long one may
 * take to send it ({@code timeout}, {@value #DEFAULT_TIMEOUT_TEXT} by default).
 *
 * <p>Not thread-safe: one load at a time.
 */
final class ProxyProtocolReader {
  private static final String DEFAULT_TIMEOUT_TEXT = "5s";

  private final Problems problems;

  ProxyProtocolReader(Problems problems) {
    this.problems = problems;
  }

  /** The block of listener {@code s}, or null when it has none or after reporting errors. */
  ProxyProtocolSpec read(Section owner) {
    Section s = owner.child("proxy_protocol").orElse(null);
    if (s == null) {
      return null;
    }
    int before = problems.errorCount();
    List<Cidr> from = s.require("accept_from", Value.networks(1));
    Duration timeout = s.get("timeout", Value.duration(), ProxyProtocolSpec.DEFAULT_TIMEOUT);
    s.rejectUnknown();
    if (problems.errorCount() != before || from == null) {
      return null;
    }
    return problems.build(s.mark(), s.path(),
        () -> new ProxyProtocolSpec(new CidrSet(from), timeout));
  }
}
