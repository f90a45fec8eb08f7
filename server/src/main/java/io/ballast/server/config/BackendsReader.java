package io.ballast.server.config;

import io.ballast.core.AdminState;
import io.ballast.core.Backend;
import io.ballast.core.zone.Locality;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads a pool's {@code backends}: each one's address, name, weight, state, cost and zone, and
 * checks that names are unique within the pool. Not thread-safe: one load at a time.
 */
final class BackendsReader {
  /** Backend names default to host:port, so they also allow '.', ':' and IPv6 brackets. */
  private static final Value<String> NAME = Value.string(
      "a name of letters, digits, '.', ':', '-', '_', '[' and ']', at most 128 characters",
      Pattern.compile("[A-Za-z0-9\\[][A-Za-z0-9._:\\[\\]-]{0,127}"));
  private static final Value<AdminState> STATE = Value.choice("one of active, drain, maintenance",
      Map.of("active", AdminState.ACTIVE, "drain", AdminState.DRAINING,
          "maintenance", AdminState.MAINTENANCE));

  private final Problems problems;
  private final ZonesReader zones;

  BackendsReader(Problems problems, ZonesReader zones) {
    this.problems = problems;
    this.zones = zones;
  }

  /** The backends of {@code pool}; those with errors are left out (reported). */
  List<BackendConfig> backends(Section pool) {
    List<BackendConfig> backends = new ArrayList<>();
    Map<String, Mark> names = new LinkedHashMap<>();
    for (Section b : pool.list("backends", "backend")) {
      Optional.ofNullable(backend(b, names)).ifPresent(backends::add);
    }
    return backends;
  }

  private BackendConfig backend(Section s, Map<String, Mark> names) {
    int before = problems.errorCount();
    HostPort address = s.require("address", Value.hostPort(false));
    String name = s.get("name", NAME, address == null ? null : address.toString());
    Integer weight = s.get("weight", Value.integer(1, Backend.MAX_WEIGHT), BackendConfig.DEFAULT_WEIGHT);
    AdminState state = s.get("state", STATE, AdminState.ACTIVE);
    Double cost = s.get("cost", Value.decimal(0.001, 1_000_000), BackendConfig.DEFAULT_COST);
    Optional<Locality> zone = zones.backendZone(s);
    s.rejectUnknown();
    if (name != null) {
      String key = s.optional("name").isPresent() ? "name" : "address";
      Mark first = names.putIfAbsent(name, s.markOf(key));
      if (first != null) {
        problems.error(s.markOf(key), s.path("name"), "duplicate backend name '" + name
            + "' (first at " + first + "; expected: unique names within a pool; without a name,"
            + " a backend is named by its address)");
      }
    }
    if (problems.errorCount() != before) {
      return null;
    }
    return problems.build(s.mark(), s.path(),
        () -> new BackendConfig(name, address, weight, state, cost, zone));
  }
}
