package io.ballast.server.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * HAProxy from Debian (installed by {@code .ci/run}) run by a test in the foreground, with the
 * frontends and backends the test writes, each frontend on a free loopback port; stopped by its
 * own PID. Without HAProxy the test is skipped, or fails under CI=true.
 */
public final class HaproxyProcess implements AutoCloseable {
  private final Process process;
  private final List<Integer> ports = new ArrayList<>();

  /**
   * @param sections the configuration after {@code global} and {@code defaults}; {@code %PORT0%},
   *     {@code %PORT1%}... stand for free ports, one per frontend
   * @param frontends how many {@code %PORTn%} to pick
   */
  public HaproxyProcess(Path dir, String sections, int frontends) throws Exception {
    Path haproxy = Path.of("/usr/sbin/haproxy");
    boolean present = Files.isExecutable(haproxy);
    if (!present && "true".equals(System.getenv("CI"))) {
      throw new IllegalStateException("haproxy is missing (.ci/run installs it)");
    }
    assumeTrue(present, "haproxy is not installed; the tests behind a real front balancer need it");
    Files.createDirectories(dir);
    String body = sections;
    for (int i = 0; i < frontends; i++) {
      try (ServerSocket s = new ServerSocket(0)) {
        ports.add(s.getLocalPort());
        body = body.replace("%PORT" + i + "%", String.valueOf(s.getLocalPort()));
      }
    }
    Path conf = dir.resolve("haproxy.cfg");
    Files.writeString(conf, """
        global
          maxconn 256
        defaults
          mode http
          timeout connect 2s
          timeout client 10s
          timeout server 10s
        """ + body);
    process = new ProcessBuilder(haproxy.toString(), "-db", "-f", conf.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("haproxy.out").toFile()).start();
    for (int port : ports) {
      ChildProcesses.awaitPort(process, port, "haproxy", dir.resolve("haproxy.out"));
    }
  }

  /** The port of frontend {@code i} ({@code %PORTi%}). */
  public int port(int i) {
    return ports.get(i);
  }

  @Override
  public void close() throws Exception {
    ChildProcesses.stop(process);
  }
}
