package io.ballast.server.config;

import java.time.Duration;

/**
 * Proxy timeouts, all > 0. Immutable.
 *
 * @param connect connecting to a backend
 * @param response from the request sent to the first response byte; then the client gets 504
 * @param clientIdle an idle client connection is closed after this
 * @param backendIdle an idle pooled backend connection is closed after this
 * @param backendRead a response that has begun and then sends nothing for this long is cut
 * @param drain graceful shutdown waits this long for requests in flight (open tunnels included)
 * @param tunnelIdle a tunnel (a WebSocket after its upgrade) in which neither side sent a byte for
 *     this long is closed
 */
public record TimeoutsConfig(
    Duration connect, Duration response, Duration clientIdle, Duration backendIdle,
    Duration backendRead, Duration drain, Duration tunnelIdle) {
  public static final TimeoutsConfig DEFAULTS = new TimeoutsConfig(
      Duration.ofSeconds(2),
      Duration.ofSeconds(30),
      Duration.ofSeconds(60),
      Duration.ofSeconds(60),
      Duration.ofSeconds(60),
      Duration.ofSeconds(30),
      Duration.ofHours(1));

  public TimeoutsConfig {
    Checks.positive("connect", connect);
    Checks.positive("response", response);
    Checks.positive("clientIdle", clientIdle);
    Checks.positive("backendIdle", backendIdle);
    Checks.positive("backendRead", backendRead);
    Checks.positive("drain", drain);
    Checks.positive("tunnelIdle", tunnelIdle);
  }

  /** Timeouts with the default tunnel idle timeout (1 h). */
  public TimeoutsConfig(Duration connect, Duration response, Duration clientIdle,
      Duration backendIdle, Duration backendRead, Duration drain) {
    this(connect, response, clientIdle, backendIdle, backendRead, drain,
        DEFAULTS.tunnelIdle());
  }

  /** Timeouts with the default backend read (60 s) and tunnel idle (1 h) timeouts. */
  public TimeoutsConfig(Duration connect, Duration response, Duration clientIdle,
      Duration backendIdle, Duration drain) {
    this(connect, response, clientIdle, backendIdle, DEFAULTS.backendRead(), drain);
  }
}
