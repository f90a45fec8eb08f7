package io.ballast.server.config;

import io.ballast.core.shed.Priority;
import io.ballast.core.shed.SheddingSettings;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A pool's {@code shedding} block: adaptive load shedding with its controller's settings and how
 * a request's class is told. Immutable.
 *
 * @param settings the concurrency limit's tunables
 * @param priorityHeader the request header whose value names a class; empty: none
 * @param routes classes by route name (a route's class wins over the header)
 */
public record SheddingConfig(SheddingSettings settings, Optional<String> priorityHeader,
    Map<String, Priority> routes) {
  public SheddingConfig {
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(priorityHeader, "priorityHeader");
    routes = Map.copyOf(routes);
  }
}
