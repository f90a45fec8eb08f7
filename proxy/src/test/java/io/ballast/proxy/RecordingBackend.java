package io.ballast.proxy;

import io.ballast.proxy.fuzz.StrictParser;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A backend that records every byte ballast sends it as parsed by {@link StrictParser}, and
 * answers each complete request with an empty 200. What it could not parse is recorded as
 * malformed and the connection closed: for a fuzz test, each is a failure of ballast's framing.
 * Plain sockets, one thread per connection.
 */
final class RecordingBackend implements AutoCloseable {
  private static final byte[] OK =
      "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

  /** One request as received, or what made the bytes malformed ({@code request} null). */
  record Entry(StrictParser.Request request, String malformed) {}

  final List<Entry> received = new CopyOnWriteArrayList<>();
  private final ServerSocket server;
  private final Set<Conn> conns = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  RecordingBackend() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(this::accept, "recording-backend-accept");
    accept.setDaemon(true);
    accept.start();
  }

  int port() {
    return server.getLocalPort();
  }

  /** True when no connection is inside a request: everything sent so far is recorded. */
  boolean settled() {
    for (Conn c : conns) {
      if (c.partial) {
        return false;
      }
    }
    return true;
  }

  private void accept() {
    while (!closed) {
      try {
        Socket s = server.accept();
        Conn c = new Conn(s);
        conns.add(c);
        Thread t = new Thread(() -> serve(c), "recording-backend-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Conn c) {
    try (Socket s = c.socket) {
      InputStream in = new BufferedInputStream(c.in);
      OutputStream out = s.getOutputStream();
      while (true) {
        StrictParser.Request r;
        try {
          r = StrictParser.read(in);
        } catch (StrictParser.Malformed e) {
          received.add(new Entry(null, e.getMessage()));
          return;
        }
        if (r == null) {
          return;
        }
        received.add(new Entry(r, null));
        if (!r.complete()) {
          return;
        }
        c.partial = false;
        out.write(OK);
        out.flush();
      }
    } catch (IOException e) {
      // Reset by ballast: what was read is recorded.
    } finally {
      c.partial = false;
      conns.remove(c);
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
    for (Conn c : conns) {
      c.socket.close();
    }
  }

  /** One accepted connection; {@code partial} while bytes of an unrecorded request were read. */
  private static final class Conn {
    final Socket socket;
    final InputStream in;
    volatile boolean partial;

    Conn(Socket socket) throws IOException {
      this.socket = socket;
      this.in = new FilterInputStream(socket.getInputStream()) {
        @Override
        public int read() throws IOException {
          int b = super.read();
          if (b >= 0) {
            partial = true;
          }
          return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
          int n = super.read(buf, off, len);
          if (n > 0) {
            partial = true;
          }
          return n;
        }
      };
    }
  }
}
