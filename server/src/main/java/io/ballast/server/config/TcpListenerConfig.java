package io.ballast.server.config;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What a {@code mode: tcp} listener has beyond a name, an address, a pool, an access list and
 * connection limits: its two timeouts. Immutable.
 *
 * @param connectTimeout how long one connect to a backend may take; empty for the top-level
 *     {@code timeouts.connect}
 * @param idleTimeout a connection in which neither side sent a byte for this long is closed
 */
public record TcpListenerConfig(Optional<Duration> connectTimeout, Duration idleTimeout) {
  /** An hour: long-lived connections (databases, brokers) idle for minutes between bursts. */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofHours(1);
  /** A listener with the default timeouts. */
  public static final TcpListenerConfig DEFAULTS =
      new TcpListenerConfig(Optional.empty(), DEFAULT_IDLE_TIMEOUT);

  public TcpListenerConfig {
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    connectTimeout.ifPresent(d -> Checks.positive("connectTimeout", d));
    Checks.positive("idleTimeout", idleTimeout);
  }

  /** The connect timeout, {@code fallback} (the top-level one) when not set. */
  public Duration connectTimeout(Duration fallback) {
    return connectTimeout.orElse(fallback);
  }
}
