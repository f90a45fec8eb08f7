package io.ballast.server.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.slf4j.LoggerFactory;

/**
 * A real Redis for tests: Debian's {@code redis-server} as a child process on a free port of
 * 127.0.0.1, with no persistence ({@code --save '' --appendonly no}) and its files in the test's
 * directory; stopped (or killed, to play a crash) by its own process handle, never by name.
 * {@code redis-benchmark} from the same package drives load at it.
 *
 * <p>Not thread-safe: one test drives it.
 */
public final class RedisServer implements AutoCloseable {
  private static final Path SERVER = Path.of("/usr/bin/redis-server");
  private static final Path BENCHMARK = Path.of("/usr/bin/redis-benchmark");

  private final Process process;
  private final int port;

  private RedisServer(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /**
   * Skips the calling test when redis-server or redis-benchmark is missing, saying so; under CI
   * (CI=true) fails instead, since .ci/run installs them and a skip there would hide the test.
   */
  public static void assumeInstalled() {
    if (Files.isExecutable(SERVER) && Files.isExecutable(BENCHMARK)) {
      return;
    }
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      fail("redis-server or redis-benchmark is not installed, and under CI the Redis tests must"
          + " run (.ci/run installs them: apt-get install redis-server)");
    }
    String why = "redis-server or redis-benchmark is not installed: Redis tests skipped"
        + " (apt-get install redis-server to run them)";
    LoggerFactory.getLogger(RedisServer.class).warn(why);
    Assumptions.abort(why);
  }

  /** Starts a Redis on a free loopback port, its files in {@code dir}; waits until it answers. */
  public static RedisServer start(Path dir) throws Exception {
    Files.createDirectories(dir);
    IOException last = null;
    for (int i = 0; i < 5; i++) {
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      Process p = new ProcessBuilder(SERVER.toString(), "--port", Integer.toString(port),
          "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString(),
          "--logfile", dir.resolve("redis-" + port + ".log").toString())
          .redirectErrorStream(true)
          .redirectOutput(dir.resolve("redis-" + port + ".out").toFile())
          .start();
      RedisServer r = new RedisServer(p, port);
      try {
        r.awaitPong(Duration.ofSeconds(10));
        return r;
      } catch (IOException e) {
        // Another process took the port between the probe and the start: try another.
        last = e;
        r.kill();
      }
    }
    throw last;
  }

  public int port() {
    return port;
  }

  public long pid() {
    return process.pid();
  }

  public boolean alive() {
    return process.isAlive();
  }

  /** Waits until the server answers PING with +PONG. */
  private void awaitPong(Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (!process.isAlive()) {
        throw new IOException("redis-server on port " + port + " exited with "
            + process.exitValue());
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 500);
        s.setSoTimeout(1000);
        s.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
        byte[] answer = s.getInputStream().readNBytes(7);
        if (new String(answer, StandardCharsets.US_ASCII).equals("+PONG\r\n")) {
          return;
        }
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IOException("redis-server on port " + port + " did not answer PING");
      }
      Thread.sleep(50);
    }
  }

  /** Kills the server at once (SIGKILL): a crash, connections reset by the kernel. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /**
   * Runs {@code redis-benchmark} against {@code port} (ballast's listener), bounded by
   * {@code -n} requests and by {@code timeout}; returns its exit code and output.
   */
  public static Benchmark benchmark(int port, List<String> args, Path out, Duration timeout)
      throws IOException, InterruptedException {
    List<String> cmd = new java.util.ArrayList<>(List.of(BENCHMARK.toString(), "-h",
        "127.0.0.1", "-p", Integer.toString(port)));
    cmd.addAll(args);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile())
        .start();
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
      return new Benchmark(-1, Files.readString(out));
    }
    return new Benchmark(p.exitValue(), Files.readString(out));
  }

  /** What a benchmark run left: its exit code (-1: it was stopped at the timeout) and output. */
  public record Benchmark(int exitCode, String output) {}

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      kill();
    }
  }

}
