package io.ballast.proxy.websocket;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.slf4j.LoggerFactory;

/**
 * A foreign WebSocket implementation for tests: Debian's python3-websockets, run by the system's
 * {@code /usr/bin/python3} (the package installs for that interpreter, not for another python
 * first on PATH) with the script {@code websocket/ws_peer.py} of the test resources, whose
 * docstring says what its server answers on which path and what its client modes print.
 * Servers are child processes on 127.0.0.1, stopped by their own process handles, never by name.
 *
 * <p>Thread-safe: each server and client is its own process.
 */
public final class PythonWebSockets {
  public static final String PYTHON = "/usr/bin/python3";
  private static Path script;
  private static Boolean installed;

  private PythonWebSockets() {}

  /**
   * Skips the calling test when python3-websockets is not installed, with a message saying so;
   * under CI (CI=true) fails instead, since .ci/run installs it and a skip there would hide the
   * tests.
   */
  public static synchronized void assumeInstalled() {
    if (installed == null) {
      installed = probe();
    }
    if (installed) {
      return;
    }
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      fail("python3-websockets is not installed, and under CI the WebSocket tests must run"
          + " (.ci/run installs it: apt-get install python3-websockets)");
    }
    String why = "python3-websockets is not installed for " + PYTHON
        + ": WebSocket tests skipped (apt-get install python3-websockets to run them)";
    // Surefire's summary shows only a count of skipped tests: say why where it is seen.
    LoggerFactory.getLogger(PythonWebSockets.class).warn(why);
    Assumptions.abort(why);
  }

  private static boolean probe() {
    if (!Files.isExecutable(Path.of(PYTHON))) {
      return false;
    }
    try {
      Process p = new ProcessBuilder(PYTHON, "-c", "import websockets")
          .redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The script, copied out of the test resources once per JVM. */
  private static synchronized Path script() throws IOException {
    if (script == null) {
      Path p = Files.createTempFile("ws_peer", ".py");
      p.toFile().deleteOnExit();
      try (InputStream in = PythonWebSockets.class.getResourceAsStream("/websocket/ws_peer.py")) {
        if (in == null) {
          throw new IOException("test resource /websocket/ws_peer.py not found");
        }
        Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
      }
      script = p;
    }
    return script;
  }

  /** Starts a server named {@code name} on a free port. */
  public static Server server(String name) throws IOException {
    return new Server(name, 0);
  }

  /** Starts a server named {@code name} on {@code port} (a restart on the port it had). */
  public static Server server(String name, int port) throws IOException {
    return new Server(name, port);
  }

  /**
   * Runs a client ({@code args}: "echo", URL, N or "whoami", URL[, cookie]) to its end, for at
   * most 60 s, and returns what it printed; fails the test when it exits with an error.
   */
  public static String client(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(PYTHON, "-u", script().toString(), "client"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try {
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        throw new AssertionError("client " + List.of(args) + " did not end within 60 s");
      }
      String text = new String(out, StandardCharsets.UTF_8).strip();
      if (p.exitValue() != 0) {
        throw new AssertionError("client " + List.of(args) + " exited " + p.exitValue()
            + ": " + text);
      }
      return text;
    } finally {
      p.destroyForcibly();
    }
  }

  /**
   * Starts a client that reads {@code url} until the connection ends (the script's "drain"
   * mode): {@link Drain#awaitMark} returns once {@code mark} bytes came, {@link Drain#awaitEnd}
   * with how the connection ended.
   */
  public static Drain drain(String url, long mark) throws IOException {
    return new Drain(new ProcessBuilder(PYTHON, "-u", script().toString(), "client", "drain",
        url, Long.toString(mark)).redirectErrorStream(true).start());
  }

  /** A draining client's process and the lines it prints. */
  public static final class Drain implements AutoCloseable {
    private final Process process;
    private final BufferedReader out;

    private Drain(Process process) {
      this.process = process;
      this.out = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /** Waits for the "mark" line; fails if the client printed something else or ended. */
    public void awaitMark() throws IOException {
      String line = out.readLine();
      if (!"mark".equals(line)) {
        throw new AssertionError("drain client: expected \"mark\", got " + line);
      }
    }

    /**
     * The client's last line, "end bytes=N code=C", within {@code timeout}; fails when it does
     * not end in time.
     */
    public String awaitEnd(Duration timeout) throws IOException, InterruptedException {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError("drain client did not end within " + timeout);
      }
      String last = null;
      String line;
      while ((line = out.readLine()) != null) {
        last = line;
      }
      return last;
    }

    @Override
    public void close() {
      process.destroyForcibly();
    }
  }

  /** One server process. */
  public static final class Server implements AutoCloseable {
    private final String name;
    private final Process process;
    private final int port;

    private Server(String name, int port) throws IOException {
      this.name = name;
      this.process = new ProcessBuilder(PYTHON, "-u", script().toString(), "server",
          "--name", name, "--port", Integer.toString(port))
          .redirectErrorStream(true).start();
      BufferedReader out = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      if (line == null || !line.startsWith("PORT ")) {
        process.destroyForcibly();
        throw new IOException("websocket server " + name + " did not start: " + line);
      }
      this.port = Integer.parseInt(line.substring(5).trim());
      // Keep draining what it prints (tracebacks), so that a full pipe never blocks it.
      Thread drain = new Thread(() -> {
        try {
          String l;
          while ((l = out.readLine()) != null) {
            LoggerFactory.getLogger(PythonWebSockets.class).info("{}: {}", name, l);
          }
        } catch (IOException ignored) {
          // The process ended.
        }
      }, "ws-server-" + name);
      drain.setDaemon(true);
      drain.start();
    }

    public String name() {
      return name;
    }

    public int port() {
      return port;
    }

    /** "127.0.0.1:port". */
    public String address() {
      return "127.0.0.1:" + port;
    }

    /** SIGKILL, as a crash: the kernel closes its connections; waits for the process. */
    public void kill() throws InterruptedException {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        kill();
      }
    }
  }
}
