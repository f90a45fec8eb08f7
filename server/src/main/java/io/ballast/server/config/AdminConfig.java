package io.ballast.server.config;

import java.util.Objects;

/**
 * The admin listener (API and metrics). Immutable.
 *
 * @param enabled whether it listens at all
 * @param bind where it listens; loopback by default, a warning otherwise
 */
public record AdminConfig(boolean enabled, HostPort bind) {
  public static final AdminConfig DEFAULTS = new AdminConfig(true, new HostPort("127.0.0.1", 9901));

  public AdminConfig {
    Objects.requireNonNull(bind, "bind");
  }
}
