package io.ballast.proxy.routing;

import io.ballast.core.split.TrafficSplit;
import io.ballast.proxy.client.HashKey;
import io.ballast.proxy.http1.HeaderRewriter;
import java.util.List;
import java.util.Objects;

/**
 * A route's traffic split over several pools (canary, A/B, blue-green). The group of a request is
 * decided by, in order: the forcing header or cookie when its value names a group (testers reach
 * the canary on demand), the user key when the request has one (A/B: the same user stays in the
 * same group while the weights hold), else a random draw. The chosen group is told to the
 * backend in {@code groupHeader}. Immutable; the weights live in {@link TrafficSplit} and change at
 * run time.
 *
 * @param split the groups and their weights
 * @param pools each group's pool, in the split's group order
 * @param userKey where the A/B user key comes from; null to draw each request at random
 * @param forceHeader a request header whose value names a group, or null
 * @param forceCookie a cookie whose value names a group, or null
 * @param groupHeader the request header that tells the backend its group, or null for none
 */
public record SplitSpec(TrafficSplit split, List<PoolRef> pools, HashKey userKey,
    String forceHeader, String forceCookie, String groupHeader) {
  public SplitSpec {
    Objects.requireNonNull(split, "split");
    pools = List.copyOf(pools);
    if (pools.size() != split.groups().size()) {
      throw new IllegalArgumentException("pools: " + pools.size() + " (expected: one per group, "
          + split.groups().size() + ")");
    }
    for (String h : new String[] {forceHeader, forceCookie, groupHeader}) {
      if (h != null && !HeaderRewriter.isToken(h)) {
        throw new IllegalArgumentException("'" + h + "' (expected: a header or cookie name)");
      }
    }
  }
}
