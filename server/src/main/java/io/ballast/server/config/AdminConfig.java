package io.ballast.server.config;

import java.util.Objects;
import java.util.Optional;

/**
 * The admin listener (API and metrics). Immutable.
 *
 * @param enabled whether it listens at all
 * @param bind where it listens; loopback by default, a warning otherwise
 * @param token the bearer token that admin actions (drain, maintenance) require; without one the
 *     actions are refused and the listener is read-only
 */
public record AdminConfig(boolean enabled, HostPort bind, Optional<String> token) {
  public static final AdminConfig DEFAULTS =
      new AdminConfig(true, new HostPort("127.0.0.1", 9901), Optional.empty());
  /** Shortest token accepted: 16 characters, so that it cannot be guessed by trying. */
  public static final int MIN_TOKEN_LENGTH = 16;

  public AdminConfig {
    Objects.requireNonNull(bind, "bind");
    Objects.requireNonNull(token, "token");
  }

  public AdminConfig(boolean enabled, HostPort bind) {
    this(enabled, bind, Optional.empty());
  }

  @Override
  public String toString() {
    // Never print the token.
    return "AdminConfig[enabled=" + enabled + ", bind=" + bind + ", token="
        + (token.isPresent() ? "(set)" : "(none)") + "]";
  }
}
