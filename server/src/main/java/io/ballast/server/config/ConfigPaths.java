package io.ballast.server.config;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * Paths written in the config: a relative one is read from the config file's directory (so that
 * a file and what it names move together), or from the working directory for a config not read
 * from a file. Stateless.
 */
final class ConfigPaths {
  private ConfigPaths() {}

  /** The path {@code file} names; null after reporting that it is not a valid path. */
  static Path resolve(Problems problems, String file, Mark at, String path) {
    try {
      Path p = Path.of(file);
      Path config = Path.of(problems.source());
      Path dir = Files.isRegularFile(config) ? config.toAbsolutePath().getParent() : null;
      return p.isAbsolute() || dir == null ? p : dir.resolve(p).normalize();
    } catch (InvalidPathException e) {
      problems.error(at, path, "'" + file + "' is not a valid path (" + e.getReason() + ")");
      return null;
    }
  }
}
