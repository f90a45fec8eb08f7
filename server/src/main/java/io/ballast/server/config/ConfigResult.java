package io.ballast.server.config;

import java.util.List;
import java.util.Objects;

/**
 * What {@link ConfigLoader} found: a valid config, or every error in the file. Both carry the
 * warnings (things that load but deserve a look, such as an admin listener open to the network).
 * Immutable.
 */
public sealed interface ConfigResult {
  List<ConfigError> warnings();

  /** The config, or {@link InvalidConfigException} listing every error. */
  BallastConfig orElseThrow();

  record Valid(BallastConfig config, List<ConfigError> warnings) implements ConfigResult {
    public Valid {
      Objects.requireNonNull(config, "config");
      warnings = List.copyOf(warnings);
    }

    @Override
    public BallastConfig orElseThrow() {
      return config;
    }
  }

  /** The file cannot be used; {@code errors} is never empty and is in file order. */
  record Invalid(List<ConfigError> errors, List<ConfigError> warnings) implements ConfigResult {
    public Invalid {
      errors = List.copyOf(errors);
      warnings = List.copyOf(warnings);
      if (errors.isEmpty()) {
        throw new IllegalArgumentException("errors: [] (expected: at least one error)");
      }
    }

    @Override
    public BallastConfig orElseThrow() {
      throw new InvalidConfigException(errors);
    }
  }
}
