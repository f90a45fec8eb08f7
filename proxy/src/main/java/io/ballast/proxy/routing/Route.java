package io.ballast.proxy.routing;

import io.ballast.core.retry.RetryPolicy;
import io.ballast.core.split.TrafficSplit;
import io.ballast.proxy.client.ClientAddress;
import io.ballast.proxy.client.HashKeys;
import io.ballast.proxy.client.TrustedProxies;
import io.ballast.proxy.signals.LoadReportReader;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.AsciiString;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A {@link RouteSpec} ready for the data plane: its pools resolved to {@link Target}s (one
 * load-report reader per pool, shared by every route of it; none for a route that redirects) and
 * its header names interned.
 *
 * <p>Immutable and thread-safe; the split's weights change at run time inside
 * {@link TrafficSplit}.
 */
public final class Route {
  /** A pool as the exchange uses it. */
  public record Target(PoolRef ref, LoadReportReader loadReports) {}

  public final RouteSpec spec;
  final String name;
  private final Target[] targets;
  private final SplitSpec split;
  private final AsciiString groupHeader;
  private final long responseTimeoutNanos;

  public Route(RouteSpec spec, java.util.function.Function<PoolRef, Target> targets) {
    this.spec = spec;
    this.name = spec.name();
    this.split = spec.split();
    List<PoolRef> pools = split != null ? split.pools()
        : spec.pool() != null ? List.of(spec.pool()) : List.of();
    this.targets = new Target[pools.size()];
    for (int i = 0; i < pools.size(); i++) {
      this.targets[i] = targets.apply(pools.get(i));
    }
    this.groupHeader = split == null || split.groupHeader() == null ? null
        : AsciiString.cached(split.groupHeader());
    this.responseTimeoutNanos =
        spec.responseTimeout() == null ? 0 : spec.responseTimeout().toNanos();
  }

  /** The first deny rule the request matches, or null. */
  DenyRule denied(RequestFacts facts) {
    List<DenyRule> rules = spec.deny();
    for (int i = 0; i < rules.size(); i++) {
      if (rules.get(i).matches(facts)) {
        return rules.get(i);
      }
    }
    return null;
  }

  /** The group index of a request: forced, by user key, or drawn. 0 without a split. */
  int group(HttpRequest request, ClientAddress client, TrustedProxies trusted) {
    if (split == null) {
      return 0;
    }
    TrafficSplit s = split.split();
    if (split.forceHeader() != null) {
      int forced = s.indexOf(request.headers().get(split.forceHeader()));
      if (forced >= 0) {
        return forced;
      }
    }
    if (split.forceCookie() != null) {
      int forced = s.indexOf(cookie(request.headers().get(HttpHeaderNames.COOKIE),
          split.forceCookie()));
      if (forced >= 0) {
        return forced;
      }
    }
    if (split.userKey() != null && HashKeys.present(split.userKey(), request)) {
      return s.pickByKey(HashKeys.key(split.userKey(), request, client, trusted));
    }
    return s.pickByDraw(ThreadLocalRandom.current().nextInt(TrafficSplit.BUCKETS));
  }

  Target target(int group) {
    return targets[group];
  }

  /** The group's name, or null when the route does not split. */
  String groupName(int group) {
    return split == null ? null : split.split().groups().get(group);
  }

  AsciiString groupHeader() {
    return groupHeader;
  }

  /** The route's retry policy, or the target pool's. */
  RetryPolicy retry(Target t) {
    return spec.retry() != null ? spec.retry() : t.ref().retry();
  }

  /** The route's response timeout in nanoseconds, or {@code fallback}. */
  public long responseTimeoutNanos(long fallback) {
    return responseTimeoutNanos > 0 ? responseTimeoutNanos : fallback;
  }

  /** A cookie's value (quotes removed), or null. */
  public static String cookie(String header, String name) {
    long range = HashKeys.cookieRange(header, name);
    return range < 0 ? null : header.substring((int) (range >>> 32), (int) range);
  }

  @Override
  public String toString() {
    return "route " + name + " -> " + (split != null ? split.split().weights()
        : spec.pool() != null ? spec.pool().name() : spec.httpsRedirect());
  }
}
