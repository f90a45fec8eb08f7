package io.ballast.server.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The JSON access log. Immutable.
 *
 * @param enabled whether requests are logged
 * @param path {@value #STDOUT} or a file path (relative paths are relative to the working
 *     directory)
 * @param queueSize lines waiting to be written; when full, lines are dropped and counted, so
 *     logging never blocks an event loop
 */
public record AccessLogConfig(boolean enabled, String path, int queueSize) {
  public static final String STDOUT = "stdout";
  public static final int MAX_QUEUE_SIZE = 1 << 24;
  public static final AccessLogConfig DEFAULTS = new AccessLogConfig(true, STDOUT, 65536);

  public AccessLogConfig {
    Objects.requireNonNull(path, "path");
    if (path.isBlank()) {
      throw new IllegalArgumentException("path: '' (expected: \"stdout\" or a file path)");
    }
    Checks.range("queueSize", queueSize, 1, MAX_QUEUE_SIZE);
  }

  /** The file to append to; empty when logging to standard output. */
  public Optional<Path> file() {
    return path.equals(STDOUT) ? Optional.empty() : Optional.of(Path.of(path));
  }
}
