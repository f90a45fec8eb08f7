package io.ballast.server.config;

import java.util.Map;

/**
 * A route's references to pools ({@code pool}, a split group's, a mirror's), checked against the
 * pools of the file. Not thread-safe: one load at a time.
 */
final class PoolRefs {
  private final Problems problems;
  private final Map<String, Mark> pools;

  /** @param pools the pools of the file by name; empty when they could not be read (unchecked) */
  PoolRefs(Problems problems, Map<String, Mark> pools) {
    this.problems = problems;
    this.pools = pools;
  }

  /** The pool named by the required field {@code key}; null when missing or invalid (reported). */
  String read(Section s, String key) {
    String pool = s.require(key, Names.POOL_REF);
    if (pool != null && !pools.isEmpty() && !pools.containsKey(pool)) {
      problems.error(s.markOf(key), s.path(key), "no pool named '" + pool + "' (expected one of: "
          + String.join(", ", pools.keySet()) + ")");
    }
    return pool;
  }
}
