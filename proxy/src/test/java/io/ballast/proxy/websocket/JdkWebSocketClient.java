package io.ballast.proxy.websocket;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A WebSocket client for tests on the JDK's own implementation ({@link java.net.http.WebSocket}),
 * which reads at a pace the test sets: it asks for the next message part only when the bytes so
 * far fit the rate, so that a fast server meets a slow reader and ballast must hold it back. It
 * keeps the text messages, counts and hashes (SHA-256) the binary bytes, and records how the
 * connection ended: a close frame's code and reason, or an error (a connection that just went).
 *
 * <p>Thread-safe for the test's reads; the listener methods are called one at a time.
 */
public final class JdkWebSocketClient implements WebSocket.Listener, AutoCloseable {
  /** How the connection ended: {@code code} -1 when no close frame came (then {@code error}). */
  public record End(int code, String reason, Throwable error) {}

  private static final ScheduledExecutorService PACER =
      Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ws-client-pacer");
        t.setDaemon(true);
        return t;
      });

  public final CompletableFuture<End> ended = new CompletableFuture<>();
  public final LinkedBlockingQueue<String> texts = new LinkedBlockingQueue<>();
  private final AtomicLong binaryBytes = new AtomicLong();
  private final MessageDigest sha256;
  private final long bytesPerSecond;
  private final StringBuilder text = new StringBuilder();
  private long startNanos;
  private volatile WebSocket ws;

  private JdkWebSocketClient(long bytesPerSecond) {
    this.bytesPerSecond = bytesPerSecond;
    try {
      this.sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Opens a WebSocket to {@code uri}, reading at most {@code bytesPerSecond} (0: as fast as it
   * can), with extra handshake {@code headers} (name, value, ...).
   */
  public static JdkWebSocketClient open(URI uri, long bytesPerSecond, String... headers) {
    JdkWebSocketClient c = new JdkWebSocketClient(bytesPerSecond);
    WebSocket.Builder b = HttpClient.newHttpClient().newWebSocketBuilder()
        .connectTimeout(Duration.ofSeconds(5));
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    c.ws = b.buildAsync(uri, c).orTimeout(10, TimeUnit.SECONDS).join();
    return c;
  }

  public WebSocket socket() {
    return ws;
  }

  /** Binary bytes received so far. */
  public long binaryBytes() {
    return binaryBytes.get();
  }

  /** SHA-256 of the binary bytes received so far, in lower-case hex. */
  public synchronized String binarySha256() {
    try {
      return HexFormat.of().formatHex(((MessageDigest) sha256.clone()).digest());
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void onOpen(WebSocket webSocket) {
    startNanos = System.nanoTime();
    webSocket.request(1);
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    text.append(data);
    if (last) {
      texts.add(text.toString());
      text.setLength(0);
    }
    webSocket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
    int n = data.remaining();
    synchronized (this) {
      sha256.update(data);
    }
    long total = binaryBytes.addAndGet(n);
    long delayNanos = 0;
    if (bytesPerSecond > 0) {
      long dueNanos = startNanos + total * 1_000_000_000L / bytesPerSecond;
      delayNanos = dueNanos - System.nanoTime();
    }
    if (delayNanos <= 0) {
      webSocket.request(1);
    } else {
      PACER.schedule(() -> webSocket.request(1), delayNanos, TimeUnit.NANOSECONDS);
    }
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
    ended.complete(new End(statusCode, reason, null));
    return null;
  }

  @Override
  public void onError(WebSocket webSocket, Throwable error) {
    ended.complete(new End(-1, null, error));
  }

  /** Aborts the connection unless it has ended. */
  @Override
  public void close() {
    WebSocket w = ws;
    if (w != null && !ended.isDone()) {
      w.abort();
    }
  }
}
