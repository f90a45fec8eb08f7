package io.ballast.server.config;

import io.ballast.proxy.tcp.SniSpec;
import io.ballast.proxy.tls.ServerNames;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a {@code mode: tcp} listener's {@code sni} block: its {@code routes} (each
 * {@code server_names}, written as certificates' names are, and a {@code pool}), its
 * {@code default_pool} and its {@code client_hello_timeout}. Every pool must exist and be one a
 * tcp listener can use; a name (compared as the router compares them: case-insensitively,
 * without a trailing dot) may be in one route only. Each error names the field at its line. Not
 * thread-safe: one load at a time.
 */
final class SniReader {
  private final Problems problems;
  private final PoolRefs refs;
  private final TcpListenerReader tcp;
  private final Map<String, PoolConfig> pools;

  /**
   * @param refs checks that a pool exists
   * @param tcp checks that a tcp listener can use it
   * @param pools the pools read, by name (empty after errors: not checked)
   */
  SniReader(Problems problems, PoolRefs refs, TcpListenerReader tcp,
      Map<String, PoolConfig> pools) {
    this.problems = problems;
    this.refs = refs;
    this.tcp = tcp;
    this.pools = pools;
  }

  /** The {@code sni} block of listener {@code owner}; null when absent or after errors. */
  SniConfig read(Section owner) {
    Section s = owner.child("sni").orElse(null);
    if (s == null) {
      return null;
    }
    int before = problems.errorCount();
    List<SniConfig.Route> routes = new ArrayList<>();
    Map<String, Mark> seen = new HashMap<>();
    for (Section r : s.list("routes", "route")) {
      List<String> names = r.require("server_names", Value.list(TlsReader.NAME, 1));
      String pool = refs.read(r, "pool");
      tcp.checkPool(r, "pool", pool, pools);
      r.rejectUnknown();
      if (names != null) {
        unique(r, names, seen);
      }
      if (names != null && pool != null) {
        routes.add(new SniConfig.Route(names, pool));
      }
    }
    String defaultPool = null;
    if (s.optional("default_pool").isPresent()) {
      defaultPool = refs.read(s, "default_pool");
      tcp.checkPool(s, "default_pool", defaultPool, pools);
    }
    Duration timeout = s.get("client_hello_timeout", Value.duration(),
        SniSpec.DEFAULT_CLIENT_HELLO_TIMEOUT);
    s.rejectUnknown();
    if (problems.errorCount() != before) {
      return null;
    }
    Optional<String> fallback = Optional.ofNullable(defaultPool);
    return problems.build(s.mark(), s.path(), () -> new SniConfig(routes, fallback, timeout));
  }

  /** Reports each of route {@code r}'s names that an earlier route (or itself) listed. */
  private void unique(Section r, List<String> names, Map<String, Mark> seen) {
    for (String name : names) {
      Mark first = seen.putIfAbsent(ServerNames.normalise(name), r.markOf("server_names"));
      if (first != null) {
        problems.error(r.markOf("server_names"), r.path("server_names"), "'" + name
            + "' is listed already (first at " + first + "; expected: each name in one route)");
      }
    }
  }
}
