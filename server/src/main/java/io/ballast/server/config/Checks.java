package io.ballast.server.config;

import java.time.Duration;
import java.util.Objects;

/** Argument checks shared by the config records, with messages in the project's form. */
final class Checks {
  private Checks() {}

  static int range(String field, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(field + ": " + value + " (expected: " + min + ".." + max + ")");
    }
    return value;
  }

  static Duration positive(String field, Duration value) {
    Objects.requireNonNull(value, field);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(field + ": " + Units.format(value) + " (expected: > 0)");
    }
    return value;
  }
}
