package io.ballast.server.config;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What a {@code mode: tcp} listener has beyond a name, an address, a pool, an access list,
 * connection limits and front balancers: its two timeouts, and its routes by server name when
 * it routes TLS passthrough. Immutable.
 *
 * @param connectTimeout how long one connect to a backend may take; empty for the top-level
 *     {@code timeouts.connect}
 * @param idleTimeout a connection in which neither side sent a byte for this long is closed
 * @param sni the routes by the ClientHello's server name; empty when every connection goes to
 *     the listener's pool
 */
public record TcpListenerConfig(Optional<Duration> connectTimeout, Duration idleTimeout,
    Optional<SniConfig> sni) {
  /** An hour: long-lived connections (databases, brokers) idle for minutes between bursts. */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofHours(1);
  /** A listener with the default timeouts. */
  public static final TcpListenerConfig DEFAULTS =
      new TcpListenerConfig(Optional.empty(), DEFAULT_IDLE_TIMEOUT);

  public TcpListenerConfig {
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    connectTimeout.ifPresent(d -> Checks.positive("connectTimeout", d));
    Checks.positive("idleTimeout", idleTimeout);
    Objects.requireNonNull(sni, "sni");
  }

  /** Without routes by server name. */
  public TcpListenerConfig(Optional<Duration> connectTimeout, Duration idleTimeout) {
    this(connectTimeout, idleTimeout, Optional.empty());
  }

  /** The same timeouts, with {@code next} as the routes by server name. */
  public TcpListenerConfig withSni(Optional<SniConfig> next) {
    return new TcpListenerConfig(connectTimeout, idleTimeout, next);
  }

  /** The connect timeout, {@code fallback} (the top-level one) when not set. */
  public Duration connectTimeout(Duration fallback) {
    return connectTimeout.orElse(fallback);
  }
}
