package io.ballast.server.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A real agent-check endpoint on 127.0.0.1 and an ephemeral port: answers every connection with
 * the current {@link #reply(String) reply} line and closes it.
 */
public final class TestAgent implements AutoCloseable {
  private final ServerSocket server;
  private volatile String reply = "up\n";

  public TestAgent() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(this::serve, "test-agent");
    t.setDaemon(true);
    t.start();
  }

  public int port() {
    return server.getLocalPort();
  }

  /** From now on each connection is answered with {@code line}. */
  public void reply(String line) {
    reply = line;
  }

  private void serve() {
    while (!server.isClosed()) {
      try (Socket s = server.accept(); OutputStream out = s.getOutputStream()) {
        out.write(reply.getBytes(StandardCharsets.US_ASCII));
        out.flush();
      } catch (IOException e) {
        // Closed, or the checker hung up first: nothing to answer.
      }
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
