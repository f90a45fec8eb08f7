package io.ballast.server.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A real TLS backend: NGINX from Debian (installed by {@code .ci/run}), started on a free
 * loopback port with the certificate it is given, answering every request with what it saw of
 * the TLS connection: {@code sni=<name> dn=<client certificate subject> protocol=<version>}.
 * With a client CA it asks for, and requires, a client certificate. Stopped by its own PID.
 * Without NGINX the test is skipped, or fails under CI=true.
 */
public final class NginxTlsBackend implements AutoCloseable {
  private final Process process;
  private final int port;
  private final Path dir;

  /**
   * @param clientCa when not null, clients must present a certificate of this CA
   */
  public NginxTlsBackend(Path dir, Path cert, Path key, Path clientCa) throws Exception {
    Path nginx = Path.of("/usr/sbin/nginx");
    boolean present = Files.isExecutable(nginx);
    if (!present && "true".equals(System.getenv("CI"))) {
      throw new IllegalStateException("nginx is missing (.ci/run installs it)");
    }
    assumeTrue(present, "nginx is not installed; the backend TLS tests need it");
    this.dir = Files.createDirectories(dir);
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String clientAuth = clientCa == null ? "" : """
          ssl_verify_client on;
          ssl_client_certificate %s;
        """.formatted(clientCa);
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
            listen 127.0.0.1:%2$d ssl;
            ssl_certificate %3$s;
            ssl_certificate_key %4$s;
            ssl_protocols TLSv1.2 TLSv1.3;
        %5$s
            location / {
              default_type text/plain;
              return 200 "sni=$ssl_server_name dn=$ssl_client_s_dn protocol=$ssl_protocol\\n";
            }
          }
        }
        """.formatted(dir, port, cert, key, clientAuth));
    process = new ProcessBuilder(nginx.toString(), "-p", dir.toString(), "-e",
        dir.resolve("error.log").toString(), "-c", dir.resolve("nginx.conf").toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile()).start();
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      try (Socket ignored = new Socket("127.0.0.1", port)) {
        break;
      } catch (IOException e) {
        if (!process.isAlive() || System.nanoTime() > deadline) {
          close();
          throw new IllegalStateException("nginx did not start: "
              + Files.readString(dir.resolve("error.log")));
        }
        Thread.sleep(50);
      }
    }
  }

  public int port() {
    return port;
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
  }
}
