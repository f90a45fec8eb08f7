package io.ballast.server.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.server.Ballast;
import io.ballast.server.config.ConfigLoader;
import io.ballast.server.reload.ReloadResult;
import io.ballast.server.testing.Calls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reload docs/deploy.md tells Kubernetes users to send after a ConfigMap update: the kubelet
 * writes the new files into a new hidden directory and swaps the {@code ..data} symlink, so
 * {@code ballast.yaml} is a symlink through {@code ..data}; a SIGHUP reload reads the new file
 * through it, and the file watch sees the swap of {@code ..data} and reloads by itself. The same
 * layout is made here by hand.
 */
class ConfigMapReloadTest {
  @TempDir Path dir;
  private Ballast ballast;

  @AfterEach
  void tearDown() {
    if (ballast != null) {
      ballast.stop();
    }
  }

  private static String config(int backendPort) {
    return """
        listeners:
          - name: web
            bind: "127.0.0.1:0"
            pool: app
        pools:
          - name: app
            backends:
              - address: "127.0.0.1:%d"
        admin:
          bind: "127.0.0.1:0"
        """.formatted(backendPort);
  }

  /** Writes a new version as the kubelet does: a new directory, then an atomic symlink swap. */
  private void publish(String version, String yaml) throws Exception {
    Path versionDir = Files.createDirectory(dir.resolve(".." + version));
    Files.writeString(versionDir.resolve("ballast.yaml"), yaml);
    Path tmpLink = Files.createSymbolicLink(dir.resolve("..data_tmp"), Path.of(".." + version));
    Files.move(tmpLink, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
  }

  @Test
  void theFileWatchReloadsWhenTheConfigMapIsSwapped() throws Exception {
    publish("2026_12_07_a", config(19001));
    Path file = Files.createSymbolicLink(dir.resolve("ballast.yaml"),
        Path.of("..data/ballast.yaml"));
    ballast = Ballast.start(ConfigLoader.load(file).orElseThrow(), 1, file);
    ballast.watchConfigFile();
    Calls calls = new Calls(null).to(ballast);

    publish("2026_12_07_b", config(19002));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(calls.metrics()
        .value("lb_config_reloads_total", Map.of("outcome", "applied")).orElse(0))
        .isEqualTo(1));
    publish("2026_12_07_c", config(19003));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(calls.metrics()
        .value("lb_config_reloads_total", Map.of("outcome", "applied")).orElse(0))
        .isEqualTo(2));
  }

  @Test
  void aSignalReloadReadsTheSwappedConfigMapThroughItsSymlinks() throws Exception {
    publish("2026_12_07_a", config(19001));
    Path file = Files.createSymbolicLink(dir.resolve("ballast.yaml"),
        Path.of("..data/ballast.yaml"));
    ballast = Ballast.start(ConfigLoader.load(file).orElseThrow(), 1, file);

    publish("2026_12_07_b", config(19002));
    ReloadResult result =
        ballast.reload(ReloadResult.Trigger.SIGNAL).get(30, TimeUnit.SECONDS);
    assertThat(result.outcome()).as(result.message()).isEqualTo("applied");
    assertThat(result.message()).contains("pool app: backends");
  }
}
