package io.ballast.server.config;

import io.ballast.core.AdminState;
import io.ballast.core.Backend;
import io.ballast.core.zone.Locality;
import java.util.Objects;
import java.util.Optional;

/**
 * One backend of a pool. Immutable.
 *
 * @param name unique within the pool; defaults to {@code host:port}
 * @param address where to connect; port 1..65535
 * @param weight the configured weight, 1..{@value Backend#MAX_WEIGHT}
 * @param state the operator's state at start: active, draining or in maintenance
 * @param cost what a request on this backend costs, relative to the pool's other backends (1 by
 *     default); the weight controller prefers cheaper backends while the pool's latency objective
 *     holds
 * @param zone where the backend runs ("region/zone"); empty when the pool is not zone-aware
 */
public record BackendConfig(String name, HostPort address, int weight, AdminState state,
    double cost, Optional<Locality> zone) {
  public static final int DEFAULT_WEIGHT = 1;
  public static final double DEFAULT_COST = 1.0;

  public BackendConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(address, "address");
    if (address.port() == 0) {
      throw new IllegalArgumentException("address: " + address + " (expected: a port 1..65535)");
    }
    Checks.range("weight", weight, 1, Backend.MAX_WEIGHT);
    Objects.requireNonNull(state, "state");
    if (!(cost > 0) || !Double.isFinite(cost)) {
      throw new IllegalArgumentException("cost: " + cost + " (expected: a finite number > 0)");
    }
    Objects.requireNonNull(zone, "zone");
  }

  /** A backend without a zone. */
  public BackendConfig(String name, HostPort address, int weight, AdminState state, double cost) {
    this(name, address, weight, state, cost, Optional.empty());
  }

  /** A backend of the default cost. */
  public BackendConfig(String name, HostPort address, int weight, AdminState state) {
    this(name, address, weight, state, DEFAULT_COST);
  }

  /** An active backend. */
  public BackendConfig(String name, HostPort address, int weight) {
    this(name, address, weight, AdminState.ACTIVE);
  }

  /** A core backend with this identity and weight (a new instance with fresh load counters). */
  public Backend toBackend() {
    return new Backend(name, address.host(), address.port(), weight);
  }
}
