package io.ballast.server.testing;

import io.ballast.server.Ballast;
import io.ballast.server.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real ballast started from YAML, as `ballast run` starts it, for end-to-end tests: one
 * listener {@code web} on a free port in front of one pool {@code app}, the access log in the
 * test's directory.
 */
public final class YamlBallast {
  private YamlBallast() {}

  /**
   * Starts ballast with pool {@code app} of {@code backends} (a YAML list) and the pool's
   * {@code poolExtra} keys, and {@code topExtra} top-level sections (admin, timeouts...).
   * The access log goes to {@code dir/access.log}.
   */
  public static Ballast start(Path dir, String backends, String poolExtra, String topExtra)
      throws Exception {
    Path file = dir.resolve("ballast.yaml");
    Files.writeString(file, """
        listeners:
          - {name: web, bind: "127.0.0.1:0", pool: app}
        pools:
          - name: app
            backends: %s
        %s
        %s
        access_log: {path: "%s"}
        """.formatted(backends, poolExtra.indent(4).stripTrailing(), topExtra.stripTrailing(),
        dir.resolve("access.log")));
    return Ballast.start(ConfigLoader.load(file).orElseThrow(), 1, file);
  }
}
