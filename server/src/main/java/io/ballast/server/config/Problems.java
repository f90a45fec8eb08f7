package io.ballast.server.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Collects every error and warning of one load, so that an operator sees all of them at once.
 * Not thread-safe: one instance per load.
 */
final class Problems {
  private static final Comparator<ConfigError> BY_POSITION =
      Comparator.comparingInt(ConfigError::line).thenComparingInt(ConfigError::column);

  private final String source;
  private final List<ConfigError> errors = new ArrayList<>();
  private final List<ConfigError> warnings = new ArrayList<>();

  Problems(String source) {
    this.source = source;
  }

  /** What errors call the file: its path when it was loaded from one. */
  String source() {
    return source;
  }

  void error(Mark at, String path, String message) {
    errors.add(new ConfigError(source, path, at.line(), at.column(), message));
  }

  void warning(Mark at, String path, String message) {
    warnings.add(new ConfigError(source, path, at.line(), at.column(), message));
  }

  /**
   * Builds a value whose parts were all checked. Records check their own invariants too; if one
   * ever finds something the reader missed, it is still reported as an error at {@code at}
   * rather than thrown at the operator. Null then.
   */
  <T> T build(Mark at, String path, java.util.function.Supplier<T> constructor) {
    try {
      return constructor.get();
    } catch (IllegalArgumentException e) {
      error(at, path, e.getMessage());
      return null;
    }
  }

  /** The number of errors so far; a reader compares it before and after to see if it failed. */
  int errorCount() {
    return errors.size();
  }

  /** Errors in file order (a stable sort keeps the order of several errors at one place). */
  List<ConfigError> errors() {
    return errors.stream().sorted(BY_POSITION).toList();
  }

  List<ConfigError> warnings() {
    return warnings.stream().sorted(BY_POSITION).toList();
  }
}
