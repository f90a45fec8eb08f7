package io.ballast.server.config;

import java.util.List;
import java.util.stream.Collectors;

/** A config file that cannot be used; the message lists every error, one per line. */
public final class InvalidConfigException extends RuntimeException {
  private final transient List<ConfigError> errors;

  public InvalidConfigException(List<ConfigError> errors) {
    super(errors.size() + (errors.size() == 1 ? " error" : " errors") + " in config:\n"
        + errors.stream().map(ConfigError::toString).collect(Collectors.joining("\n")));
    this.errors = List.copyOf(errors);
  }

  public List<ConfigError> errors() {
    return errors;
  }
}
