package io.ballast.server.testing;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Waiting for and stopping the real servers tests start as child processes. */
final class ChildProcesses {
  private ChildProcesses() {}

  /**
   * Waits up to 10 s until {@code port} on 127.0.0.1 takes connections; stops {@code process} and
   * throws with {@code log}'s text when it exits or the time is up first.
   */
  static void awaitPort(Process process, int port, String what, Path log) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      try (Socket ignored = new Socket("127.0.0.1", port)) {
        return;
      } catch (IOException e) {
        if (!process.isAlive() || System.nanoTime() > deadline) {
          stop(process);
          throw new IllegalStateException(what + " did not start: "
              + (Files.exists(log) ? Files.readString(log) : "(no log)"));
        }
        Thread.sleep(50);
      }
    }
  }

  /** Stops {@code process} (SIGTERM, then SIGKILL after 5 s). */
  static void stop(Process process) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
  }
}
