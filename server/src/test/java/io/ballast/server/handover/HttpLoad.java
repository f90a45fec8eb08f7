package io.ballast.server.handover;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * HTTP/1.1 load on 127.0.0.1 for a bounded time, on raw sockets so that every connection and
 * every failure is seen as it is: some threads open a new connection for each request
 * ({@code Connection: close}), others keep connections alive for many requests.
 *
 * <p>What counts: a request fails when it gets no complete 200; a connection is refused when
 * connect() fails, and a new connection is reset when it breaks before its answer. A reused
 * keep-alive connection that the server closed while idle (the request crossed the close) is
 * retried once on a new connection, as RFC 9112 section 9.3.1 lets any client; those retries are
 * counted on their own, and the retry itself must succeed.
 *
 * <p>Threading: its own threads; the results are thread-safe.
 */
final class HttpLoad {
  /** One answered request: when it began and the server's X-Ballast header. */
  record Served(long startNanos, String by) {}

  private static final int REQUESTS_PER_KEEP_ALIVE = 50;
  /**
   * Between two requests of a thread: the machine has two cores, and two ballast processes, two
   * backends and a JVM starting must have their share, or the switch happens after the load.
   */
  private static final long PAUSE_MILLIS = 8;

  private final InetSocketAddress target;
  private final String path;
  private final Queue<Served> served = new ConcurrentLinkedQueue<>();
  private final Queue<String> failures = new ConcurrentLinkedQueue<>();
  private final AtomicInteger refused = new AtomicInteger();
  private final AtomicInteger resetFresh = new AtomicInteger();
  private final AtomicInteger staleRetries = new AtomicInteger();
  private final AtomicInteger connections = new AtomicInteger();
  private final List<Thread> threads = new ArrayList<>();
  /** When the threads stop (System.nanoTime()). */
  private volatile long end;

  HttpLoad(InetSocketAddress target, String path) {
    this.target = target;
    this.path = path;
  }

  /** Starts the threads; they stop after {@code atMost}, or sooner ({@link #stopAfter}). */
  HttpLoad start(int freshThreads, int keepAliveThreads, Duration atMost) {
    end = System.nanoTime() + atMost.toNanos();
    for (int i = 0; i < freshThreads + keepAliveThreads; i++) {
      boolean keepAlive = i >= freshThreads;
      Thread t = new Thread(() -> run(keepAlive), "load-" + (keepAlive ? "ka-" : "new-") + i);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
    return this;
  }

  /** The threads stop {@code d} from now (or at their deadline, if sooner). */
  void stopAfter(Duration d) {
    end = Math.min(end, System.nanoTime() + d.toNanos());
  }

  boolean running() {
    return threads.stream().anyMatch(Thread::isAlive);
  }

  void await() throws InterruptedException {
    for (Thread t : threads) {
      t.join();
    }
  }

  List<Served> served() {
    return List.copyOf(served);
  }

  List<String> failures() {
    return List.copyOf(failures);
  }

  int refused() {
    return refused.get();
  }

  int resetNewConnections() {
    return resetFresh.get();
  }

  int staleKeepAliveRetries() {
    return staleRetries.get();
  }

  int connections() {
    return connections.get();
  }

  private void run(boolean keepAlive) {
    Socket kept = null;
    int used = 0;
    while (System.nanoTime() - end < 0) {
      pause();
      long start = System.nanoTime();
      if (!keepAlive) {
        oneOnNewConnection(start, true);
        continue;
      }
      try {
        if (kept == null) {
          kept = connect();
          used = 0;
        }
        boolean reused = used > 0;
        boolean last = ++used >= REQUESTS_PER_KEEP_ALIVE;
        Answer a;
        try {
          a = exchange(kept, last);
        } catch (Stale stale) {
          if (!reused) {
            resetFresh.incrementAndGet();
            failures.add("first request on a new keep-alive connection broke: " + stale);
            close(kept);
            kept = null;
            continue;
          }
          // Closed by the server while idle, before any answer: retry once, anew.
          staleRetries.incrementAndGet();
          close(kept);
          kept = null;
          oneOnNewConnection(start, false);
          continue;
        }
        record(start, a);
        if (last || a.close()) {
          close(kept);
          kept = null;
        }
      } catch (ConnectException e) {
        refused.incrementAndGet();
        failures.add("keep-alive connect refused: " + e.getMessage());
        kept = null;
      } catch (IOException e) {
        failures.add("keep-alive request broke after its answer began: " + e);
        close(kept);
        kept = null;
      }
    }
    close(kept);
  }

  private static void pause() {
    try {
      Thread.sleep(PAUSE_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void oneOnNewConnection(long start, boolean counted) {
    Socket s = null;
    try {
      s = connect();
      record(start, exchange(s, true));
    } catch (ConnectException e) {
      refused.incrementAndGet();
      failures.add("connect refused: " + e.getMessage());
    } catch (Stale | IOException e) {
      resetFresh.incrementAndGet();
      failures.add((counted ? "" : "retried ") + "request on a new connection broke: " + e);
    } finally {
      close(s);
    }
  }

  private Socket connect() throws IOException {
    Socket s = new Socket();
    s.connect(target, 2_000);
    s.setSoTimeout(10_000);
    s.setTcpNoDelay(true);
    connections.incrementAndGet();
    return s;
  }

  private void record(long start, Answer a) {
    if (a.status() != 200) {
      failures.add("status " + a.status() + " (" + a.by() + ")");
    } else {
      served.add(new Served(start, a.by()));
    }
  }

  private record Answer(int status, String by, boolean close) {}

  /** No byte of an answer came: the connection had been closed under the request. */
  private static final class Stale extends Exception {
    private static final long serialVersionUID = 1L;

    Stale(Throwable cause) {
      super(cause.toString(), cause);
    }
  }

  private Answer exchange(Socket s, boolean close) throws IOException, Stale {
    InputStream in = s.getInputStream();
    int first;
    try {
      OutputStream out = s.getOutputStream();
      out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          + (close ? "Connection: close\r\n" : "") + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      first = in.read();
    } catch (IOException e) {
      throw new Stale(e);
    }
    if (first < 0) {
      throw new Stale(new EOFException("closed before any answer"));
    }
    String head = (char) first + readHead(in);
    String[] lines = head.split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    String by = "?";
    long length = -1;
    boolean chunked = false;
    boolean closing = false;
    for (String l : lines) {
      String lower = l.toLowerCase(Locale.ROOT);
      if (lower.startsWith("x-ballast:")) {
        by = l.substring(10).trim();
      } else if (lower.startsWith("content-length:")) {
        length = Long.parseLong(l.substring(15).trim());
      } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
        chunked = true;
      } else if (lower.startsWith("connection:") && lower.contains("close")) {
        closing = true;
      }
    }
    if (chunked) {
      readChunked(in);
    } else if (length >= 0) {
      if (in.readNBytes((int) length).length != length) {
        throw new EOFException("body cut short");
      }
    } else {
      in.readAllBytes();
      closing = true;
    }
    return new Answer(status, by, closing);
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    int[] end = {'\r', '\n', '\r', '\n'};
    while (matched < 4) {
      int c = in.read();
      if (c < 0) {
        throw new EOFException("head cut short");
      }
      head.write(c);
      matched = c == end[matched] ? matched + 1 : (c == '\r' ? 1 : 0);
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  private static void readChunked(InputStream in) throws IOException {
    while (true) {
      String size = line(in);
      int n = Integer.parseInt(size.split(";")[0].trim(), 16);
      if (n == 0) {
        while (!line(in).isEmpty()) {
          // trailers
        }
        return;
      }
      if (in.readNBytes(n).length != n) {
        throw new EOFException("chunk cut short");
      }
      line(in);
    }
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder b = new StringBuilder();
    for (int c; (c = in.read()) != '\n'; ) {
      if (c < 0) {
        throw new EOFException("line cut short");
      }
      if (c != '\r') {
        b.append((char) c);
      }
    }
    return b.toString();
  }

  private static void close(Socket s) {
    if (s != null) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing
      }
    }
  }
}
