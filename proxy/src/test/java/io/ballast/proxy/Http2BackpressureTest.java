package io.ballast.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.core.retry.RetrySettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Flow control is the backpressure of an HTTP/2 client's upload, through the real proxy with
 * raw frames: while the backend reads nothing of a request body, the client's stream window is
 * given back only for the bytes the backend's connection took, so the client is held to a few
 * MiB (the socket buffers between ballast and the backend and one window) of a 64 MiB body,
 * instead of ballast holding what the client sends; once the backend reads, the upload goes on
 * to its end and is answered.
 */
class Http2BackpressureTest {
  private static final int TOTAL = 64 << 20;
  private static final int FRAME = 16_384;

  @Test
  void anUploadTheBackendDoesNotReadWaitsInTheClientsWindowThenCompletes() throws Exception {
    try (StallingBackend backend = new StallingBackend();
        ProxyFixture f = ProxyFixture.inFrontOf(ProxySettings.defaults(),
            RetrySettings.DEFAULTS, backend.port());
        RawH2 raw = new RawH2(f.address)) {
      raw.preface();
      RawH2.Windows windows = new RawH2.Windows(1);
      raw.headers(1, RawH2.post("/up").add("content-length", String.valueOf(TOTAL)), false);
      assertThat(backend.head.await(10, TimeUnit.SECONDS)).isTrue();

      long held = send(raw, windows, TOTAL, TimeUnit.SECONDS.toNanos(3));
      assertThat(held).as("bytes the client could send while the backend read nothing")
          .isGreaterThan(0).isLessThan(16 << 20);
      assertThat(backend.bodyRead.get()).isZero();

      backend.release.countDown();
      long rest = send(raw, windows, TOTAL - held, TimeUnit.SECONDS.toNanos(60));
      assertThat(held + rest).isEqualTo(TOTAL);
      raw.timeout(10_000);
      RawH2.Frame answer = raw.answer(1);
      assertThat(answer).isNotNull();
      assertThat(answer.status()).isEqualTo("200");
      assertThat(backend.bodyRead.get()).isEqualTo(TOTAL);
    }
  }

  /**
   * Sends up to {@code max} body bytes on stream 1 as the windows allow, for at most {@code
   * nanos}; the frame that reaches {@code max} ends the stream. Returns the bytes sent.
   */
  private static long send(RawH2 raw, RawH2.Windows w, long max, long nanos) throws IOException {
    long deadline = System.nanoTime() + nanos;
    long sent = 0;
    byte[] chunk = new byte[FRAME];
    raw.timeout(50);
    while (sent < max && System.nanoTime() - deadline < 0) {
      long room = Math.min(w.room(), max - sent);
      if (room > 0) {
        int n = (int) Math.min(room, FRAME);
        byte[] b = n == FRAME ? chunk : new byte[n];
        raw.data(1, b, sent + n == max);
        sent += n;
        w.sent(n);
        continue;
      }
      try {
        RawH2.Frame f = raw.read();
        assertThat(f).as("the connection stays open").isNotNull();
        w.read(f);
      } catch (SocketTimeoutException e) {
        // No window yet: look again.
      }
    }
    return sent;
  }

  /**
   * An HTTP/1.1 backend that reads a request's head, then nothing until {@link #release}: its
   * receive buffer is small, so ballast's writes to it stop soon. Then it reads the body (its
   * Content-Length) and answers 200.
   */
  private static final class StallingBackend implements AutoCloseable {
    final CountDownLatch head = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final AtomicLong bodyRead = new AtomicLong();
    private final ServerSocket server;
    private volatile Socket conn;

    StallingBackend() throws IOException {
      server = new ServerSocket();
      server.setReceiveBufferSize(16_384);
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      Thread t = new Thread(this::serve, "stalling-backend");
      t.setDaemon(true);
      t.start();
    }

    int port() {
      return server.getLocalPort();
    }

    private void serve() {
      try (Socket s = server.accept()) {
        conn = s;
        InputStream in = s.getInputStream();
        long length = -1;
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
          if (c != '\n') {
            line.append((char) c);
            continue;
          }
          String l = line.toString().trim();
          line.setLength(0);
          if (l.isEmpty()) {
            break;
          }
          if (l.toLowerCase().startsWith("content-length:")) {
            length = Long.parseLong(l.substring(15).trim());
          }
        }
        head.countDown();
        release.await();
        byte[] buf = new byte[65_536];
        while (bodyRead.get() < length) {
          int n = in.read(buf, 0, (int) Math.min(buf.length, length - bodyRead.get()));
          if (n < 0) {
            return;
          }
          bodyRead.addAndGet(n);
        }
        OutputStream out = s.getOutputStream();
        out.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
            .getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        // Keep the connection until the test ends: ballast may pool it.
        in.read();
      } catch (IOException | InterruptedException e) {
        // Closed by the test.
      }
    }

    @Override
    public void close() throws IOException {
      release.countDown();
      Socket s = conn;
      if (s != null) {
        s.close();
      }
      server.close();
    }
  }
}
