package io.ballast.server.config;

import java.util.Objects;

/**
 * One problem found in a config file, pointing at the field (by path) and at the place in the
 * file (1-based line and column). Used for both errors and warnings. Immutable.
 *
 * <p>{@link #toString()} is the form editors and terminals understand:
 * {@code ballast.yaml:12:17: pools[0].backends[1].weight: -1 (expected: 1..256)}.
 *
 * @param source the file name as given to the loader
 * @param path the field, e.g. {@code pools[0].backends[1].weight}; empty for file-level problems
 *     (a YAML syntax error, an empty file)
 * @param message what was found and what was expected
 */
public record ConfigError(String source, String path, int line, int column, String message) {
  public ConfigError {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(message, "message");
    if (line < 1 || column < 1) {
      throw new IllegalArgumentException(
          "position: " + line + ":" + column + " (expected: line and column >= 1)");
    }
  }

  @Override
  public String toString() {
    String where = source + ":" + line + ":" + column + ": ";
    return path.isEmpty() ? where + message : where + path + ": " + message;
  }
}
