package io.ballast.server.config;

import io.ballast.proxy.discovery.DnsDiscoverySettings;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * Reads the top-level {@code discovery} section: {@code dns}, the one resolver of every
 * {@code dns:} and {@code srv:} backend entry (nameservers, refresh bounds, query timeout). Unset
 * keys keep {@link DnsDiscoverySettings#DEFAULTS}. Not thread-safe: one load at a time.
 */
final class DiscoveryReader {
  /** The bounds of {@link DnsDiscoverySettings}, which keeps its upper ones to itself. */
  private static final Duration HIGHEST_MAX_REFRESH = Duration.ofDays(1);
  private static final Duration HIGHEST_TIMEOUT = Duration.ofSeconds(60);
  private static final String NAMESERVER_EXPECTED =
      "an IP address with an optional port, as 10.0.0.2, 10.0.0.2:5353 or [fd00::53]:53";
  private static final Value<InetSocketAddress> NAMESERVER =
      Value.textual(NAMESERVER_EXPECTED, text -> {
        try {
          return DnsDiscoverySettings.nameserver(text);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("'" + text + "' (expected: " + NAMESERVER_EXPECTED
              + "; a nameserver is not found by name)");
        }
      });

  private final Problems problems;

  DiscoveryReader(Problems problems) {
    this.problems = problems;
  }

  /** The section; null after reporting errors. */
  DiscoveryConfig discovery(Section s) {
    int before = problems.errorCount();
    DnsDiscoverySettings dns = s.child("dns").map(this::dns).orElse(DnsDiscoverySettings.DEFAULTS);
    s.rejectUnknown();
    return problems.errorCount() != before ? null
        : problems.build(s.mark(), s.path(), () -> new DiscoveryConfig(dns));
  }

  private DnsDiscoverySettings dns(Section s) {
    DnsDiscoverySettings d = DnsDiscoverySettings.DEFAULTS;
    int before = problems.errorCount();
    List<InetSocketAddress> nameservers =
        s.get("nameservers", Value.list(NAMESERVER, 1), d.nameservers());
    Duration min = s.get("min_refresh", Value.duration(), d.minRefresh());
    Duration max = s.get("max_refresh", Value.duration(), d.maxRefresh());
    Duration timeout = s.get("timeout", Value.duration(), d.timeout());
    boolean bounded = within(s, "min_refresh", min, DnsDiscoverySettings.LOWEST_MIN_REFRESH, null)
        & within(s, "max_refresh", max, null, HIGHEST_MAX_REFRESH);
    within(s, "timeout", timeout, null, HIGHEST_TIMEOUT);
    if (bounded) {
      s.notAbove("min_refresh", min, "max_refresh", max);
    }
    s.rejectUnknown();
    if (problems.errorCount() != before) {
      return null;
    }
    return problems.build(s.mark(), s.path(),
        () -> new DnsDiscoverySettings(nameservers, min, max, timeout));
  }

  /**
   * False for a duration that is invalid (already reported) or outside [lowest, highest]
   * (reported here); either bound may be null for none.
   */
  private boolean within(Section s, String key, Duration value, Duration lowest,
      Duration highest) {
    if (value == null) {
      return false;
    }
    if (lowest != null && value.compareTo(lowest) < 0) {
      problems.error(s.markOf(key), s.path(key), Units.format(value) + " (expected: >= "
          + Units.format(lowest) + ")");
      return false;
    }
    if (highest != null && value.compareTo(highest) > 0) {
      problems.error(s.markOf(key), s.path(key), Units.format(value) + " (expected: <= "
          + Units.format(highest) + ")");
      return false;
    }
    return true;
  }
}
