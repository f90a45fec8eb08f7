package io.ballast.server.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * NGINX from Debian (installed by {@code .ci/run}) run by a test: one {@code server} block on a
 * free loopback port, in its own directory, in the foreground; stopped by its own PID. Without
 * NGINX the test is skipped, or fails under CI=true.
 */
public final class NginxProcess implements AutoCloseable {
  private final Process process;
  private final int port;

  /**
   * @param server the server block's body; {@code %PORT%} stands for the port picked
   */
  public NginxProcess(Path dir, String server) throws Exception {
    Path nginx = Path.of("/usr/sbin/nginx");
    boolean present = Files.isExecutable(nginx);
    if (!present && "true".equals(System.getenv("CI"))) {
      throw new IllegalStateException("nginx is missing (.ci/run installs it)");
    }
    assumeTrue(present, "nginx is not installed; the tests against a real backend need it");
    Files.createDirectories(dir);
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Files.writeString(dir.resolve("nginx.conf"), """
        daemon off;
        master_process off;
        worker_processes 1;
        pid %1$s/nginx.pid;
        error_log %1$s/error.log warn;
        events { worker_connections 256; }
        http {
          access_log off;
          client_body_temp_path %1$s/body;
          proxy_temp_path %1$s/proxy;
          fastcgi_temp_path %1$s/fastcgi;
          uwsgi_temp_path %1$s/uwsgi;
          scgi_temp_path %1$s/scgi;
          server {
        %2$s
          }
        }
        """.formatted(dir, server.replace("%PORT%", String.valueOf(port)).indent(4)));
    process = new ProcessBuilder(nginx.toString(), "-p", dir.toString(), "-e",
        dir.resolve("error.log").toString(), "-c", dir.resolve("nginx.conf").toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile()).start();
    ChildProcesses.awaitPort(process, port, "nginx", dir.resolve("error.log"));
  }

  public int port() {
    return port;
  }

  @Override
  public void close() throws Exception {
    ChildProcesses.stop(process);
  }
}
