package io.ballast.server.testing;

import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The packaged jar run as a real {@code ballast} process, with what it printed so far. Stopped
 * by {@link #close} (SIGKILL, by its own pid) if it is still running.
 */
public final class BallastProcess implements AutoCloseable {
  private static final Path JAR = Path.of(System.getProperty("ballast.jar", "target/ballast.jar"));

  private final String name;
  private final Process process;
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final List<Thread> pumps;

  private BallastProcess(String name, Process process) {
    this.name = name;
    this.process = process;
    this.pumps = List.of(pump(process.getInputStream()), pump(process.getErrorStream()));
  }

  /** Starts {@code java -jar ballast.jar args...}; {@code name} tells processes apart. */
  public static BallastProcess start(String name, String... args) throws IOException {
    return start(name, java.util.Map.of(), args);
  }

  /** As {@link #start(String, String...)}, with {@code env} added to the environment. */
  public static BallastProcess start(String name, java.util.Map<String, String> env,
      String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-jar", JAR.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().putAll(env);
    return new BallastProcess(name, pb.start());
  }

  public long pid() {
    return process.pid();
  }

  public boolean alive() {
    return process.isAlive();
  }

  public Process process() {
    return process;
  }

  /** Everything printed so far, stdout and stderr interleaved as read. */
  public List<String> lines() {
    return List.copyOf(lines);
  }

  /** The first line matching {@code pattern}, waiting up to a minute (or until the exit). */
  public String awaitLine(Pattern pattern) {
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
        .until(() -> matching(pattern) != null || !process.isAlive());
    String line = matching(pattern);
    if (line == null) {
      joinPumps();
      line = matching(pattern);
    }
    if (line == null) {
      throw new AssertionError(name + ": no line matching " + pattern + " in " + lines
          + (process.isAlive() ? "" : " (exit code " + process.exitValue() + ")"));
    }
    return line;
  }

  public boolean printed(Pattern pattern) {
    return matching(pattern) != null;
  }

  private String matching(Pattern pattern) {
    for (String l : lines) {
      if (pattern.matcher(l).find()) {
        return l;
      }
    }
    return null;
  }

  /** Waits for the process to end and returns its exit code. */
  public int exitCode(Duration within) throws InterruptedException {
    if (!process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(name + " still running after " + within + ": " + lines);
    }
    joinPumps();
    return process.exitValue();
  }

  private void joinPumps() {
    for (Thread t : pumps) {
      try {
        t.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** SIGTERM: a graceful stop. */
  public void terminate() {
    process.toHandle().destroy();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }

  @Override
  public String toString() {
    return name + " (pid " + process.pid() + ")";
  }

  private Thread pump(InputStream in) {
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          lines.add(line);
        }
      } catch (IOException ignored) {
        // the process ended
      }
    }, name + "-output");
    t.setDaemon(true);
    t.start();
    return t;
  }
}
