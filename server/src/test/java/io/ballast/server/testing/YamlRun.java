package io.ballast.server.testing;

import io.ballast.server.Ballast;
import io.ballast.server.config.ConfigLoader;
import io.ballast.server.reload.ReloadResult;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real ballast started from a YAML file in a test's directory, as `ballast run` starts it, whose
 * file a test rewrites and reloads; stopped on close (a test holds it as an {@code @AutoClose}
 * field). Not thread-safe: one test's thread.
 */
public final class YamlRun implements AutoCloseable {
  private Path file;
  private Ballast ballast;

  /** Writes {@code yaml} to {@code dir/ballast.yaml} and starts ballast from it. */
  public Ballast start(Path dir, String yaml) throws Exception {
    file = dir.resolve("ballast.yaml");
    Files.writeString(file, yaml);
    ballast = Ballast.start(ConfigLoader.load(file).orElseThrow(), 1, file);
    return ballast;
  }

  /** Rewrites the file with {@code yaml} and reloads it as {@code POST /admin/reload} does. */
  public ReloadResult reload(String yaml) throws Exception {
    Files.writeString(file, yaml);
    return ballast.reload(ReloadResult.Trigger.API).get();
  }

  /** Reloads the file as it is (after a file it names changed). */
  public ReloadResult reload() throws Exception {
    return ballast.reload(ReloadResult.Trigger.API).get();
  }

  public Ballast ballast() {
    return ballast;
  }

  @Override
  public void close() throws Exception {
    if (ballast != null) {
      ballast.stop();
    }
  }
}
