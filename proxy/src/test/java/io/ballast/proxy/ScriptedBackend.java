package io.ballast.proxy;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A backend that misbehaves on purpose: a plain {@link ServerSocket} on 127.0.0.1 and an
 * ephemeral port, one thread per accepted connection, which reads each request (head and
 * Content-Length body) and hands it to the test's {@link Reply}. The reply writes raw bytes, so
 * it can send what no HTTP library would: two responses for one request, a body on a 204, half a
 * body and then nothing.
 *
 * <p>Each accepted connection is a {@link Conn} that records the request lines it carried and
 * whether the peer (ballast) closed it, so a test can tell a fresh connection from a reused one
 * and see a poisoned one closed.
 */
final class ScriptedBackend implements AutoCloseable {
  /** What the backend does with one request; runs on the connection's thread. */
  @FunctionalInterface
  interface Reply {
    void answer(Request request, Conn conn) throws IOException;
  }

  /** One request as read from the wire; header names lower case. */
  record Request(String method, String target, Map<String, String> headers, byte[] body) {
    String line() {
      return method + " " + target;
    }
  }

  /** One accepted connection. */
  static final class Conn {
    private final Socket socket;
    private final OutputStream out;
    /** "METHOD target" of every request read on this connection, in order. */
    final List<String> requests = new CopyOnWriteArrayList<>();
    /** True once the peer closed (EOF or reset) while the backend waited for a request. */
    volatile boolean closedByPeer;

    private Conn(Socket socket) throws IOException {
      this.socket = socket;
      this.out = socket.getOutputStream();
    }

    /** Writes {@code raw} (ISO-8859-1) in one write, so that it arrives in one segment. */
    void send(String raw) throws IOException {
      send(raw.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Writes {@code raw} in one write (blocking while the peer does not read). */
    void send(byte[] raw) throws IOException {
      out.write(raw);
      out.flush();
    }

    /** Closes the connection from the backend's side. */
    void close() throws IOException {
      socket.close();
    }

    @Override
    public String toString() {
      return "conn " + requests + (closedByPeer ? " closed by peer" : "");
    }
  }

  private final Reply reply;
  private final ServerSocket server;
  private final List<Conn> conns = new CopyOnWriteArrayList<>();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();

  ScriptedBackend(Reply reply) throws IOException {
    this.reply = reply;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(this::accept, "scripted-backend-" + port());
    t.setDaemon(true);
    t.start();
  }

  int port() {
    return server.getLocalPort();
  }

  /** The connections accepted so far, in order. */
  List<Conn> conns() {
    return List.copyOf(conns);
  }

  /** Every request read so far, on any connection. */
  int requests() {
    int n = 0;
    for (Conn c : conns) {
      n += c.requests.size();
    }
    return n;
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        sockets.add(s);
        Conn c = new Conn(s);
        conns.add(c);
        Thread t = new Thread(() -> serve(c), "scripted-conn-" + s.getPort());
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Conn c) {
    try (Socket s = c.socket) {
      InputStream in = new BufferedInputStream(s.getInputStream());
      for (;;) {
        Request r = read(in);
        if (r == null) {
          c.closedByPeer = true;
          return;
        }
        c.requests.add(r.line());
        reply.answer(r, c);
      }
    } catch (IOException e) {
      // Reset by the peer, or closed by the reply or by close().
      c.closedByPeer |= !server.isClosed() && !c.socket.isClosed();
    }
  }

  /** One request, or null at EOF before its first byte. */
  private static Request read(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        if (head.size() == 0) {
          return null;
        }
        throw new IOException("EOF inside a request head: " + head);
      }
      head.write(b);
      matched = (b == '\r' && matched % 2 == 0) || (b == '\n' && matched % 2 == 1) ? matched + 1
          : b == '\r' ? 1 : 0;
    }
    String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
    String[] start = lines[0].split(" ");
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
          lines[i].substring(colon + 1).trim());
    }
    if (headers.containsKey("transfer-encoding")) {
      throw new IOException("chunked request bodies are not scripted: " + lines[0]);
    }
    int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
    byte[] body = in.readNBytes(length);
    return new Request(start[0], start[1], headers, body);
  }

  @Override
  public void close() throws IOException {
    server.close();
    List<IOException> failures = new ArrayList<>();
    for (Socket s : sockets) {
      try {
        s.close();
      } catch (IOException e) {
        failures.add(e);
      }
    }
    if (!failures.isEmpty()) {
      throw failures.get(0);
    }
  }
}
