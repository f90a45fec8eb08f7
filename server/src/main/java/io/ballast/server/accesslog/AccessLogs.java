package io.ballast.server.accesslog;

import io.ballast.server.config.AccessLogConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The access log as configured now: opened at start, and replaced by a reload that changes its
 * section (another file, stdout, off, another queue size). The new log takes every request that
 * ends after the swap; the old one writes what it has queued and closes.
 *
 * <p>Used by one thread at a time (start, then the reload thread); {@link #current()} is a
 * volatile read for anyone.
 */
public final class AccessLogs implements AutoCloseable {
  private AccessLogConfig config;
  private volatile AccessLog current;

  /** The log {@code config} asks for (or none), opened now. */
  public AccessLogs(AccessLogConfig config) throws IOException {
    this.config = Objects.requireNonNull(config, "config");
    this.current = open(config);
  }

  /** The log requests go to now, or null when it is off. */
  public AccessLog current() {
    return current;
  }

  /**
   * Opens the log {@code next} asks for when it differs from the running one; returns the log
   * to close once requests no longer reach it (null when nothing changed or there was none).
   *
   * @throws IOException when the new file cannot be opened; the running log keeps writing
   */
  public AccessLog replace(AccessLogConfig next) throws IOException {
    if (next.equals(config)) {
      return null;
    }
    AccessLog opened = open(next);
    AccessLog old = current;
    current = opened;
    config = next;
    return old;
  }

  private static AccessLog open(AccessLogConfig c) throws IOException {
    if (!c.enabled()) {
      return null;
    }
    Optional<Path> file = c.file();
    return file.isPresent() ? AccessLog.toFile(file.get(), c.queueSize())
        : AccessLog.toStdout(c.queueSize());
  }

  @Override
  public void close() {
    AccessLog log = current;
    if (log != null) {
      log.close();
    }
  }
}
