package io.ballast.server.testing;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real TLS server: {@code openssl s_server} (Debian's openssl, which the TLS tests need anyway)
 * on a free port of 127.0.0.1 with the certificate it is given, in {@code -www} mode: it answers
 * {@code GET /} with a status page of the TLS connection. A client tells which of several it
 * reached by the certificate it got. Stopped by its own process handle, never by name.
 */
public final class OpensslServer implements AutoCloseable {
  private final Process process;
  private final int port;

  /** Starts one on a free port, logging to {@code dir/<name>.out}; waits until it accepts. */
  public OpensslServer(Path dir, String name, Path cert, Path key) throws Exception {
    Files.createDirectories(dir);
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path log = dir.resolve(name + ".out");
    process = new ProcessBuilder("openssl", "s_server", "-accept", "127.0.0.1:" + port,
        "-cert", cert.toString(), "-key", key.toString(), "-www")
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    ChildProcesses.awaitPort(process, port, "openssl s_server " + name, log);
  }

  public int port() {
    return port;
  }

  @Override
  public void close() throws Exception {
    ChildProcesses.stop(process);
  }
}
