package io.ballast.proxy.tcp;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plain java.net TCP server on a free port of 127.0.0.1 for the TCP listener tests, serving
 * each connection on a thread of its own as its {@link Behavior} says: echo, say its name first,
 * stay silent, reset after some bytes, or stream a fixed amount. Closed by {@link #close()}.
 *
 * <p>Thread-safe.
 */
public final class TcpBackend implements AutoCloseable {
  /** What the backend does with one accepted connection. */
  @FunctionalInterface
  public interface Behavior {
    void serve(Socket s, TcpBackend self) throws IOException;
  }

  /** Echoes every byte until the client closes its side, then closes. */
  public static final Behavior ECHO = (s, self) -> echo(s);

  /** Writes its name and a newline, then echoes. */
  public static final Behavior NAME = (s, self) -> {
    s.getOutputStream().write((self.name + "\n").getBytes(StandardCharsets.US_ASCII));
    s.getOutputStream().flush();
    echo(s);
  };

  /** Reads and never answers (a backend that hangs). */
  public static final Behavior SILENT = (s, self) -> {
    InputStream in = s.getInputStream();
    byte[] buf = new byte[8192];
    while (in.read(buf) >= 0) {
      // Swallowed.
    }
  };

  /** Says its name, reads {@code n} bytes, then resets the connection (SO_LINGER 0). */
  public static Behavior resetAfter(int n) {
    return (s, self) -> {
      s.getOutputStream().write((self.name + "\n").getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      InputStream in = s.getInputStream();
      for (int i = 0; i < n; i++) {
        if (in.read() < 0) {
          return;
        }
      }
      s.setSoLinger(true, 0);
      s.close();
    };
  }

  /** Writes {@code total} bytes of {@link #pattern} and closes. */
  public static Behavior source(long total) {
    return source(total, true);
  }

  /**
   * Writes {@code total} bytes of {@link #pattern}, then shuts its output down if
   * {@code thenClose}, and waits for the client to close.
   */
  public static Behavior source(long total, boolean thenClose) {
    return (s, self) -> {
      OutputStream out = s.getOutputStream();
      byte[] chunk = new byte[64 * 1024];
      long sent = 0;
      while (sent < total) {
        int n = (int) Math.min(chunk.length, total - sent);
        for (int i = 0; i < n; i++) {
          chunk[i] = pattern(sent + i);
        }
        out.write(chunk, 0, n);
        sent += n;
      }
      out.flush();
      if (thenClose) {
        s.shutdownOutput();
      }
      InputStream in = s.getInputStream();
      while (in.read() >= 0) {
        // Until the client closes.
      }
    };
  }

  /** The byte at {@code offset} of a {@link #source} stream. */
  public static byte pattern(long offset) {
    return (byte) (offset * 31 + (offset >>> 13));
  }

  private static void echo(Socket s) throws IOException {
    InputStream in = s.getInputStream();
    OutputStream out = s.getOutputStream();
    byte[] buf = new byte[16 * 1024];
    int n;
    while ((n = in.read(buf)) >= 0) {
      out.write(buf, 0, n);
      out.flush();
    }
    s.shutdownOutput();
  }

  public final String name;
  public final AtomicInteger accepted = new AtomicInteger();
  private final Behavior behavior;
  private final ServerSocket server;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "tcp-backend");
    t.setDaemon(true);
    return t;
  });
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();

  public TcpBackend(String name, Behavior behavior) throws IOException {
    this.name = name;
    this.behavior = behavior;
    this.server = new ServerSocket();
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
    threads.execute(this::acceptLoop);
  }

  public int port() {
    return server.getLocalPort();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      Socket s;
      try {
        s = server.accept();
      } catch (IOException e) {
        return;
      }
      accepted.incrementAndGet();
      open.add(s);
      threads.execute(() -> {
        try (s) {
          behavior.serve(s, this);
        } catch (SocketException e) {
          // The peer went (or reset on purpose): nothing more to serve.
        } catch (IOException e) {
          e.printStackTrace();
        } finally {
          open.remove(s);
        }
      });
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : open) {
      s.close();
    }
    threads.shutdownNow();
  }
}
