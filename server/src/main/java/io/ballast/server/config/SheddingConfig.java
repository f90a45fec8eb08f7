package io.ballast.server.config;

import io.ballast.core.shed.Priority;
import io.ballast.core.shed.SheddingSettings;
import java.time.Duration;
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
 * @param queueTimeout how long a request that meets the limit waits for a place before it is
 *     refused; zero: refused at once
 * @param queueSize the most requests that wait at once; past it, refused at once
 */
public record SheddingConfig(SheddingSettings settings, Optional<String> priorityHeader,
    Map<String, Priority> routes, Duration queueTimeout, int queueSize) {
  /** Enough for a burst of a busy pool; each waiter is a few dozen bytes. */
  public static final int DEFAULT_QUEUE_SIZE = 1000;
  public static final int MAX_QUEUE_SIZE = 1_000_000;

  public SheddingConfig {
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(priorityHeader, "priorityHeader");
    Objects.requireNonNull(queueTimeout, "queueTimeout");
    routes = Map.copyOf(routes);
    if (queueTimeout.isNegative()) {
      throw new IllegalArgumentException("queueTimeout: " + queueTimeout + " (expected: >= 0)");
    }
    if (queueSize < 1 || queueSize > MAX_QUEUE_SIZE) {
      throw new IllegalArgumentException(
          "queueSize: " + queueSize + " (expected: 1.." + MAX_QUEUE_SIZE + ")");
    }
  }

  /** Shedding whose refused requests never wait. */
  public SheddingConfig(SheddingSettings settings, Optional<String> priorityHeader,
      Map<String, Priority> routes) {
    this(settings, priorityHeader, routes, Duration.ZERO, DEFAULT_QUEUE_SIZE);
  }
}
