package io.ballast.proxy.discovery;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How DNS discovery asks and how often: the nameservers, the bounds on the refresh interval and
 * the timeout of one query. YAML names: {@code nameservers}, {@code min_refresh},
 * {@code max_refresh}, {@code timeout} under {@code discovery.dns}.
 *
 * <p>Immutable.
 *
 * @param nameservers the servers to ask, in order (the next one is asked when one times out or
 *     fails); empty means the system's, from /etc/resolv.conf
 * @param minRefresh the shortest time between two lookups of one name: a record with TTL 0 is
 *     looked up again after this long; also the first retry after a failure
 * @param maxRefresh the longest time between two lookups of one name: a record with a TTL of a day
 *     is still looked up again after this long; also the ceiling of the retry backoff
 * @param timeout how long one query to one nameserver may take
 */
public record DnsDiscoverySettings(
    List<InetSocketAddress> nameservers, Duration minRefresh, Duration maxRefresh,
    Duration timeout) {

  public static final Duration DEFAULT_MIN_REFRESH = Duration.ofSeconds(1);
  /**
   * Five minutes: a zone that hands out day-long TTLs still sees a changed pool within five
   * minutes, for one query per name per five minutes.
   */
  public static final Duration DEFAULT_MAX_REFRESH = Duration.ofSeconds(300);
  /** Below the 5 s of glibc: a lookup that waits longer is better retried on the next server. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
  /**
   * A floor that keeps a zero TTL from becoming a query loop; tests go down to it, production
   * should not.
   */
  public static final Duration LOWEST_MIN_REFRESH = Duration.ofMillis(100);
  static final Duration HIGHEST_MAX_REFRESH = Duration.ofDays(1);
  static final Duration HIGHEST_TIMEOUT = Duration.ofSeconds(60);

  /** The system's nameservers, refresh between 1 s and 300 s, 2 s per query. */
  public static final DnsDiscoverySettings DEFAULTS = new DnsDiscoverySettings(
      List.of(), DEFAULT_MIN_REFRESH, DEFAULT_MAX_REFRESH, DEFAULT_TIMEOUT);

  public DnsDiscoverySettings {
    nameservers = List.copyOf(Objects.requireNonNull(nameservers, "nameservers"));
    for (InetSocketAddress ns : nameservers) {
      if (ns.isUnresolved()) {
        throw new IllegalArgumentException("nameservers: " + ns.getHostString()
            + " (expected: an IP address; a nameserver cannot be found by name)");
      }
    }
    Objects.requireNonNull(minRefresh, "min_refresh");
    Objects.requireNonNull(maxRefresh, "max_refresh");
    Objects.requireNonNull(timeout, "timeout");
    if (minRefresh.compareTo(LOWEST_MIN_REFRESH) < 0) {
      throw new IllegalArgumentException("min_refresh: " + minRefresh.toMillis()
          + " ms (expected: >= " + LOWEST_MIN_REFRESH.toMillis() + " ms)");
    }
    if (maxRefresh.compareTo(minRefresh) < 0 || maxRefresh.compareTo(HIGHEST_MAX_REFRESH) > 0) {
      throw new IllegalArgumentException("max_refresh: " + maxRefresh.toMillis()
          + " ms (expected: between min_refresh, " + minRefresh.toMillis() + " ms, and 1 day)");
    }
    if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(HIGHEST_TIMEOUT) > 0) {
      throw new IllegalArgumentException("timeout: " + timeout.toMillis()
          + " ms (expected: > 0 and <= 60 s)");
    }
  }

  /** These settings asking {@code servers} instead. */
  public DnsDiscoverySettings withNameservers(List<InetSocketAddress> servers) {
    return new DnsDiscoverySettings(servers, minRefresh, maxRefresh, timeout);
  }

  /** These settings with other refresh bounds. */
  public DnsDiscoverySettings withRefresh(Duration min, Duration max) {
    return new DnsDiscoverySettings(nameservers, min, max, timeout);
  }

  /** These settings with another query timeout. */
  public DnsDiscoverySettings withTimeout(Duration queryTimeout) {
    return new DnsDiscoverySettings(nameservers, minRefresh, maxRefresh, queryTimeout);
  }

  /**
   * When to look a name up again after an answer whose records live {@code ttlSeconds}: the TTL
   * clamped to [min_refresh, max_refresh]. TTL 0 ("do not cache") gives min_refresh.
   */
  public Duration refreshAfter(long ttlSeconds) {
    Duration ttl =
        Duration.ofSeconds(Math.max(0, Math.min(ttlSeconds, HIGHEST_MAX_REFRESH.toSeconds())));
    if (ttl.compareTo(minRefresh) < 0) {
      return minRefresh;
    }
    return ttl.compareTo(maxRefresh) > 0 ? maxRefresh : ttl;
  }

  /**
   * When to try again after {@code failures} failed lookups in a row (1 for the first): min_refresh
   * doubled per failure, at most max_refresh. With the defaults: 1, 2, 4, ... 256, 300, 300 s.
   */
  public Duration retryAfter(int failures) {
    if (failures < 1) {
      throw new IllegalArgumentException("failures: " + failures + " (expected: >= 1)");
    }
    int doublings = Math.min(failures - 1, 30);
    long millis = minRefresh.toMillis() << doublings;
    return millis >= maxRefresh.toMillis() || millis < 0 ? maxRefresh : Duration.ofMillis(millis);
  }

  /**
   * Parses a nameserver as config gives it: {@code 10.0.0.2}, {@code 10.0.0.2:5353},
   * {@code [fd00::53]:53} or {@code fd00::53} (port 53 when none is given). Only IP literals: a
   * nameserver given by name would itself need a resolver.
   */
  public static InetSocketAddress nameserver(String text) {
    Objects.requireNonNull(text, "nameserver");
    String host = text.trim();
    int port = 53;
    if (host.startsWith("[")) {
      int close = host.indexOf(']');
      if (close < 0) {
        throw badNameserver(text);
      }
      String rest = host.substring(close + 1);
      host = host.substring(1, close);
      if (!rest.isEmpty()) {
        if (!rest.startsWith(":")) {
          throw badNameserver(text);
        }
        port = parsePort(text, rest.substring(1));
      }
    } else if (host.indexOf(':') == host.lastIndexOf(':') && host.indexOf(':') >= 0) {
      // One colon: IPv4 with a port. Several: a bare IPv6 literal.
      port = parsePort(text, host.substring(host.indexOf(':') + 1));
      host = host.substring(0, host.indexOf(':'));
    }
    if (!NetUtil.isValidIpV4Address(host) && !NetUtil.isValidIpV6Address(host)) {
      throw badNameserver(text);
    }
    try {
      // An IP literal: InetAddress parses it without asking any resolver.
      return new InetSocketAddress(InetAddress.getByName(host), port);
    } catch (java.net.UnknownHostException e) {
      throw badNameserver(text);
    }
  }

  private static int parsePort(String text, String port) {
    try {
      int p = Integer.parseInt(port);
      if (p >= 1 && p <= 65535) {
        return p;
      }
    } catch (NumberFormatException e) {
      // Reported below with the whole entry.
    }
    throw badNameserver(text);
  }

  private static IllegalArgumentException badNameserver(String text) {
    return new IllegalArgumentException("nameservers: \"" + text
        + "\" (expected: an IP address with an optional port, as 10.0.0.2, 10.0.0.2:5353 or"
        + " [fd00::53]:53)");
  }
}
