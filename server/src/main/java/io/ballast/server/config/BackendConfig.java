package io.ballast.server.config;

import io.ballast.core.AdminState;
import io.ballast.core.Backend;
import java.util.Objects;

/**
 * One backend of a pool. Immutable.
 *
 * @param name unique within the pool; defaults to {@code host:port}
 * @param address where to connect; port 1..65535
 * @param weight the configured weight, 1..{@value Backend#MAX_WEIGHT}
 * @param state the operator's state at start: active, draining or in maintenance
 */
public record BackendConfig(String name, HostPort address, int weight, AdminState state) {
  public static final int DEFAULT_WEIGHT = 1;

  public BackendConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(address, "address");
    if (address.port() == 0) {
      throw new IllegalArgumentException("address: " + address + " (expected: a port 1..65535)");
    }
    Checks.range("weight", weight, 1, Backend.MAX_WEIGHT);
    Objects.requireNonNull(state, "state");
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
