package io.ballast.server.config;

import io.ballast.core.split.TrafficSplit;
import io.ballast.proxy.client.HashKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Reads a route's traffic split: {@code split} (weighted groups of pools, the user key that keeps
 * a user in one group, the headers and cookie that force or tell the group) and
 * {@code blue_green} (two pools, one active). Not thread-safe: one load at a time.
 */
final class SplitReader {
  private static final Value<String> GROUP_NAME = Value.string(RoutesReader.NAME_EXPECTED,
      RoutesReader.NAME);
  private static final Value<String> BLUE_OR_GREEN =
      Value.string("blue or green", Pattern.compile("blue|green"));

  private final Problems problems;
  private final PoolRefs pools;
  private final Function<Section, HashKey> keys;

  /** @param keys reads a hash-key block (the {@code user_key}) as a pool's {@code hash_key} */
  SplitReader(Problems problems, PoolRefs pools, Function<Section, HashKey> keys) {
    this.problems = problems;
    this.pools = pools;
    this.keys = keys;
  }

  /** The split of route {@code route}; null after reporting errors. */
  RouteConfig.SplitConfig split(Section s, String route) {
    int before = problems.errorCount();
    List<RouteConfig.SplitConfig.Group> groups = new ArrayList<>();
    Map<String, Mark> names = new LinkedHashMap<>();
    Optional<YamlNode> groupsNode = s.required("groups", "a list of groups {pool, weight}");
    if (groupsNode.isPresent()) {
      for (Section g : Section.items(groupsNode.get(), s.path("groups"), "a list of groups",
          problems)) {
        String pool = pools.read(g, "pool");
        String name = g.get("name", GROUP_NAME, pool);
        Double weight = g.require("weight", Value.decimal(0, 100));
        g.rejectUnknown();
        if (name != null && names.putIfAbsent(name, g.mark()) != null) {
          problems.error(g.markOf("name"), g.path("name"), "duplicate group '" + name
              + "' (expected: unique group names; set name: when two groups share a pool)");
        }
        if (pool != null && name != null && weight != null) {
          groups.add(new RouteConfig.SplitConfig.Group(name, pool, weight));
        }
      }
      if (problems.errorCount() == before) {
        checkWeights(groupsNode.get(), s.path("groups"), groups, route);
      }
    }
    HashKey userKey = s.child("user_key").map(keys).orElse(null);
    String forceHeader = s.get("force_header", HttpValues.HEADER, null);
    String forceCookie = s.get("force_cookie", HttpValues.HEADER, null);
    String groupHeader = s.get("group_header", HttpValues.HEADER, null);
    s.rejectUnknown();
    if (problems.errorCount() != before) {
      return null;
    }
    return problems.build(s.mark(), s.path(), () -> new RouteConfig.SplitConfig(groups, userKey,
        forceHeader, forceCookie, groupHeader, false));
  }

  private void checkWeights(YamlNode at, String path, List<RouteConfig.SplitConfig.Group> groups,
      String route) {
    Map<String, Double> weights = new LinkedHashMap<>();
    for (RouteConfig.SplitConfig.Group g : groups) {
      weights.put(g.name(), g.weight());
    }
    if (groups.size() < 2) {
      problems.error(at.mark(), path, groups.size() + " group(s) (expected: at least 2)");
      return;
    }
    problems.build(at.mark(), path, () -> new TrafficSplit(route, weights));
  }

  /** A blue-green pair as a split of two groups, one at 100 %; null after reporting errors. */
  RouteConfig.SplitConfig blueGreen(Section s) {
    int before = problems.errorCount();
    String blue = pools.read(s, "blue");
    String green = pools.read(s, "green");
    String active = s.require("active", BLUE_OR_GREEN);
    String forceHeader = s.get("force_header", HttpValues.HEADER, null);
    String groupHeader = s.get("group_header", HttpValues.HEADER, null);
    s.rejectUnknown();
    if (blue != null && blue.equals(green)) {
      problems.error(s.markOf("green"), s.path("green"), "'" + green
          + "' is also blue (expected: two different pools)");
    }
    if (problems.errorCount() != before) {
      return null;
    }
    boolean isBlue = active.equals("blue");
    return problems.build(s.mark(), s.path(), () -> new RouteConfig.SplitConfig(List.of(
        new RouteConfig.SplitConfig.Group("blue", blue, isBlue ? 100 : 0),
        new RouteConfig.SplitConfig.Group("green", green, isBlue ? 0 : 100)), null, forceHeader,
        null, groupHeader, true));
  }
}
