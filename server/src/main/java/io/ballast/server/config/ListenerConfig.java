package io.ballast.server.config;

import java.util.Objects;

/**
 * One listening socket and the pool it sends traffic to. Immutable.
 *
 * @param name unique among listeners, {@code [a-z0-9][a-z0-9_-]*}
 * @param bind the local address to listen on; port 0 picks a free port
 * @param pool the name of a pool of the same config
 */
public record ListenerConfig(String name, HostPort bind, String pool) {
  public ListenerConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(bind, "bind");
    Objects.requireNonNull(pool, "pool");
  }
}
