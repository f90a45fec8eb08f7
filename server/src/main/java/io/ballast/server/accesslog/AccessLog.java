package io.ballast.server.accesslog;

import io.ballast.proxy.ProxyObserver;
import io.ballast.proxy.RequestLog;
import io.ballast.proxy.tcp.TcpConnectionLog;
import java.io.BufferedWriter;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JSON access log: one object per line per request, with the fields time, client_ip, method,
 * url, host, listener, pool, backend, backend_address, status, duration_ms, bytes_in, bytes_out,
 * request_id, attempts and, only when set: route (the route that took the request), group (its
 * split group), client_zone (the client's "region/zone" when a zone-aware pool took the request
 * and the zone is known), backends_tried (every backend tried, in order, when
 * there was more than one attempt), retry (the last retry decision, such as retry_status or
 * no_retry_budget_exhausted) and error. See {@link JsonLine} for the escaping. Each connection
 * of a TCP listener is one line too, with {@code "protocol":"tcp"} and how it ended
 * ({@link JsonLine#format(TcpConnectionLog)}).
 *
 * <p>Threading: {@link #onRequestComplete} is thread-safe and non-blocking: it only offers the
 * (immutable) record to a bounded queue; when the queue is full the line is dropped and counted
 * ({@link #droppedLines()}), so a slow disk or a blocked stdout never stalls an event loop. One
 * writer thread formats and writes the lines through a buffer and flushes whenever the queue runs
 * empty. {@link #close()} stops accepting lines, lets the writer drain what is queued, flushes
 * and waits for it; call it after the data plane has stopped.
 */
public final class AccessLog implements ProxyObserver, AutoCloseable {
  /** A queue this long absorbs a burst of about a second at 8k requests per second. */
  public static final int DEFAULT_QUEUE_CAPACITY = 8192;

  private static final Logger LOG = LoggerFactory.getLogger(AccessLog.class);
  /** Tells the writer to stop; compared by identity. */
  private static final RequestLog STOP = new RequestLog(
      0, "", "", "", null, "", null, null, 0, 0, 0, 0, null, 0, null);

  /** {@link RequestLog}s and {@link TcpConnectionLog}s, in the order they ended. */
  private final BlockingQueue<Object> queue;
  private final Writer writer;
  private final OutputStream stream;
  private final boolean closeStream;
  private final Thread thread;
  private final LongAdder dropped = new LongAdder();
  private final LongAdder written = new LongAdder();
  private final LongAdder writeErrors = new LongAdder();
  private final JsonLine line = new JsonLine();
  private char[] chars = new char[1024];
  /** Writer thread only: lines were written since the last flush. */
  private boolean unflushed;
  private volatile boolean closed;

  /**
   * Writes to the stream from a thread of its own.
   *
   * @param out where the lines go
   * @param closeStream whether {@link #close()} closes {@code out}
   * @param queueCapacity lines that may wait for the writer before new ones are dropped
   */
  public AccessLog(OutputStream out, boolean closeStream, int queueCapacity) {
    this.stream = Objects.requireNonNull(out, "out");
    if (queueCapacity < 1) {
      throw new IllegalArgumentException("queueCapacity: " + queueCapacity + " (expected: >= 1)");
    }
    this.closeStream = closeStream;
    this.queue = new ArrayBlockingQueue<>(queueCapacity);
    this.writer = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 65536);
    this.thread = new Thread(this::run, "ballast-access-log");
    thread.setDaemon(true);
    thread.start();
  }

  /** An access log on the process's standard output (left open by {@link #close()}). */
  public static AccessLog toStdout(int queueCapacity) {
    // The raw descriptor, not System.out: PrintStream takes a lock per call and hides errors.
    return new AccessLog(new FileOutputStream(FileDescriptor.out), false, queueCapacity);
  }

  /** An access log appended to the file, created if missing. */
  public static AccessLog toFile(Path file, int queueCapacity) throws IOException {
    OutputStream out = Files.newOutputStream(
        file, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    return new AccessLog(out, true, queueCapacity);
  }

  @Override
  public void onRequestComplete(RequestLog log) {
    if (closed || !queue.offer(log)) {
      dropped.increment();
    }
  }

  /** A TCP listener's connection: one line as a request's, in the same queue and file. */
  @Override
  public void onTcpConnectionClosed(TcpConnectionLog log) {
    if (closed || !queue.offer(log)) {
      dropped.increment();
    }
  }

  /** Lines dropped because the queue was full (or the log was closed). Thread-safe. */
  public long droppedLines() {
    return dropped.sum();
  }

  /**
   * Lines written into the output buffer; a later failed flush shows in {@link #writeErrors()}.
   * Thread-safe.
   */
  public long writtenLines() {
    return written.sum();
  }

  /** Failed writes or flushes of the output stream (each may lose lines). Thread-safe. */
  public long writeErrors() {
    return writeErrors.sum();
  }

  /** Drains the queued lines, flushes, stops the writer and waits for it. Idempotent. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      boolean interrupted = false;
      while (true) {
        try {
          // Blocks only while the queue is full; the writer keeps draining it.
          queue.put(STOP);
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    joinWriter();
  }

  private void joinWriter() {
    boolean interrupted = false;
    while (thread.isAlive()) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** The writer thread. */
  private void run() {
    try {
      while (true) {
        Object log = queue.poll();
        if (log == null) {
          // The queue ran empty: push out what is buffered, then wait.
          if (unflushed) {
            flush();
          }
          log = queue.take();
        }
        if (log == STOP) {
          break;
        }
        write(log);
      }
      for (Object log; (log = queue.poll()) != null; ) {
        if (log != STOP) {
          write(log);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      flush();
      if (closeStream) {
        try {
          writer.close();
        } catch (IOException e) {
          LOG.warn("access log: close failed", e);
        }
      }
    }
  }

  private void write(Object log) {
    if (log instanceof TcpConnectionLog tcp) {
      line.format(tcp);
    } else {
      line.format((RequestLog) log);
    }
    int n = line.length();
    if (chars.length < n + 1) {
      chars = new char[Math.max(n + 1, chars.length * 2)];
    }
    line.getChars(chars);
    chars[n] = '\n';
    try {
      writer.write(chars, 0, n + 1);
      unflushed = true;
      written.increment();
    } catch (IOException e) {
      failed(e);
    }
  }

  private void flush() {
    unflushed = false;
    try {
      writer.flush();
    } catch (IOException e) {
      failed(e);
    }
  }

  private void failed(IOException e) {
    writeErrors.increment();
    long n = writeErrors.sum();
    // Log the first failure and then one in a thousand, so a full disk does not flood the logs.
    if (n == 1 || n % 1000 == 0) {
      LOG.warn("access log: write failed ({} failures so far) on {}", n, stream, e);
    }
  }

  @Override
  public String toString() {
    return "AccessLog(queued=" + queue.size() + ", written=" + writtenLines()
        + ", dropped=" + droppedLines() + ")";
  }
}
