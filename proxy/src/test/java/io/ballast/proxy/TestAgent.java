package io.ballast.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real agent-check endpoint for tests on 127.0.0.1 and an ephemeral port: answers each
 * connection with {@link #reply} and closes, or (when {@link #silent}) holds it open without a
 * word. When {@link #expect} is set, reads that many bytes first and keeps them in
 * {@link #received}.
 */
final class TestAgent implements AutoCloseable {
  final AtomicInteger connections = new AtomicInteger();
  volatile String reply = "up";
  volatile boolean silent;
  volatile int expect;
  volatile String received;
  private final ServerSocket server;
  private final Thread thread;

  TestAgent() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    thread = new Thread(this::serve, "test-agent");
    thread.setDaemon(true);
    thread.start();
  }

  int port() {
    return server.getLocalPort();
  }

  private void serve() {
    while (!server.isClosed()) {
      Socket s;
      try {
        s = server.accept();
      } catch (IOException e) {
        return;
      }
      connections.incrementAndGet();
      Thread t = new Thread(() -> handle(s), "test-agent-connection");
      t.setDaemon(true);
      t.start();
    }
  }

  private void handle(Socket s) {
    try (s) {
      s.setSoTimeout(5000);
      if (expect > 0) {
        InputStream in = s.getInputStream();
        received = new String(in.readNBytes(expect), StandardCharsets.US_ASCII);
      }
      if (silent) {
        // Hold the connection until the checker gives up and closes it.
        s.getInputStream().read();
        return;
      }
      OutputStream out = s.getOutputStream();
      out.write(reply.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
    } catch (IOException e) {
      // The checker closed first: nothing to do.
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
