package io.ballast.proxy;

import io.ballast.core.Backend;
import io.ballast.core.ControlLoop;
import io.ballast.core.Rng;
import io.ballast.core.Ticker;
import io.ballast.core.circuit.CircuitBreakerSettings;
import io.ballast.core.circuit.PoolCircuitBreakers;
import io.ballast.core.pick.Algorithm;
import io.ballast.core.pool.HealthSettings;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.pool.PoolListener;
import io.ballast.core.retry.RetryPolicy;
import io.ballast.core.retry.RetrySettings;
import io.ballast.proxy.tunnel.TunnelEnd;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/** A proxy in front of real test backends, with a JDK client and raw-socket helpers. */
final class ProxyFixture implements AutoCloseable {
  final List<TestBackend> backends = new ArrayList<>();
  final List<Backend> members = new ArrayList<>();
  final ConcurrentLinkedQueue<RequestLog> logs = new ConcurrentLinkedQueue<>();
  /** HTTP/2 errors ballast answered, as "connection:enhance_your_calm", "stream:protocol_error". */
  final ConcurrentLinkedQueue<String> http2Errors = new ConcurrentLinkedQueue<>();
  /** Refused request heads, as "status reason" (the observer's fixed reason). */
  final ConcurrentLinkedQueue<String> refusals = new ConcurrentLinkedQueue<>();
  /** Connections closed at accept, by reason; accepts held and resumed, as "held 3", "resumed". */
  final ConcurrentLinkedQueue<String> connectionEvents = new ConcurrentLinkedQueue<>();
  /** Why each tunnel ended, in the order they did. */
  final ConcurrentLinkedQueue<TunnelEnd> tunnelEnds = new ConcurrentLinkedQueue<>();
  final ControlLoop control = new ControlLoop("test-control", Throwable::printStackTrace);
  final LoadBalancer pool;
  final ProxyServer proxy;
  final InetSocketAddress address;
  final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  final RetryPolicy retry;
  final PoolCircuitBreakers circuits;

  ProxyFixture(ProxySettings settings, Algorithm algorithm, HealthSettings health,
      int... weights) {
    this(settings, algorithm, health, RetrySettings.DEFAULTS, null, weights);
  }

  /** A fixture with these retry settings and, unless null, a circuit breaker per backend. */
  ProxyFixture(ProxySettings settings, Algorithm algorithm, HealthSettings health,
      RetrySettings retries, CircuitBreakerSettings circuit, int... weights) {
    this(settings, algorithm, health, retries, circuit, null, weights);
  }

  /** A fixture whose pool reads the load-report header {@code loadReportHeader} (null: none). */
  ProxyFixture(ProxySettings settings, Algorithm algorithm, HealthSettings health,
      RetrySettings retries, CircuitBreakerSettings circuit, String loadReportHeader,
      int... weights) {
    this(settings, algorithm, health, retries, circuit, loadReportHeader, testBackends(weights),
        null, weights);
  }

  /**
   * A round-robin proxy in front of backends the test runs itself (on {@code ports}, named b0,
   * b1, ..., weight 1 each), with passive health only.
   */
  static ProxyFixture inFrontOf(ProxySettings settings, RetrySettings retries, int... ports) {
    int[] weights = new int[ports.length];
    java.util.Arrays.fill(weights, 1);
    return new ProxyFixture(settings, Algorithm.ROUND_ROBIN,
        HealthSettings.PASSIVE_ONLY, retries, null, null, List.of(), ports, weights);
  }

  private static List<TestBackend> testBackends(int[] weights) {
    List<TestBackend> started = new ArrayList<>();
    for (int i = 0; i < weights.length; i++) {
      started.add(new TestBackend("b" + i));
    }
    return started;
  }

  /** Members on {@code ports}, or on the ports of {@code tests} when {@code ports} is null. */
  private ProxyFixture(ProxySettings settings, Algorithm algorithm,
      HealthSettings health, RetrySettings retries, CircuitBreakerSettings circuit,
      String loadReportHeader, List<TestBackend> tests, int[] ports, int[] weights) {
    backends.addAll(tests);
    for (int i = 0; i < weights.length; i++) {
      int port = ports != null ? ports[i] : tests.get(i).port();
      members.add(new Backend("b" + i, "127.0.0.1", port, weights[i]));
    }
    pool = new LoadBalancer("web", members, algorithm, health, control, Rng.seeded(7),
        PoolListener.NONE);
    proxy = new ProxyServer(settings, new ProxyObserver() {
      @Override
      public void onRequestComplete(RequestLog log) {
        logs.add(log);
      }

      @Override
      public void onTunnelClosed(String pool, TunnelEnd end) {
        tunnelEnds.add(end);
      }

      @Override
      public void onRequestRefused(String listener, int status, String reason) {
        refusals.add(status + " " + reason);
      }

      @Override
      public void onClientConnectionRefused(String listener, String reason) {
        connectionEvents.add("refused " + reason);
      }

      @Override
      public void onAcceptsHeld(String listener, int open) {
        connectionEvents.add("held " + open);
      }

      @Override
      public void onAcceptsResumed(String listener, long heldNanos) {
        connectionEvents.add("resumed");
      }

      @Override
      public void onConnectionRequestLimit(String listener) {
        connectionEvents.add("request limit");
      }

      @Override
      public void onHttp2Error(String listener, boolean connection, String error) {
        http2Errors.add((connection ? "connection:" : "stream:") + error);
      }
    }, 2);
    retry = new RetryPolicy(retries, Ticker.SYSTEM);
    circuits = circuit == null ? null
        : new PoolCircuitBreakers(pool, circuit, control, PoolCircuitBreakers.Listener.NONE);
    address = proxy.start(List.of(new ListenerSpec("main",
        new InetSocketAddress("127.0.0.1", 0), pool, retry, null, loadReportHeader))).get(0);
  }

  ProxyFixture(int... weights) {
    this(ProxySettings.defaults(), Algorithm.ROUND_ROBIN, HealthSettings.PASSIVE_ONLY,
        weights);
  }

  /** A WebSocket URL of {@code path} through the proxy. */
  URI ws(String path) {
    return URI.create("ws://127.0.0.1:" + address.getPort() + path);
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + address.getPort() + path);
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  Socket socket() throws IOException {
    Socket s = new Socket("127.0.0.1", address.getPort());
    s.setSoTimeout(5000);
    return s;
  }

  /** Writes {@code text} (ISO-8859-1) to {@code s} at once. */
  static void send(Socket s, String text) throws IOException {
    OutputStream out = s.getOutputStream();
    out.write(text.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  /** Sends raw bytes and reads until the proxy closes (or 5 s pass). */
  String raw(String request) throws IOException {
    try (Socket s = socket()) {
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      return readToClose(s.getInputStream());
    }
  }

  /** Everything until EOF; fails the test if the peer does not close within the socket timeout. */
  static String readToClose(InputStream in) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    byte[] b = new byte[8192];
    try {
      int n;
      while ((n = in.read(b)) >= 0) {
        buf.write(b, 0, n);
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("connection not closed; got so far: "
          + buf.toString(StandardCharsets.ISO_8859_1), e);
    } catch (java.net.SocketException e) {
      // A reset after the response is still a close.
    }
    return buf.toString(StandardCharsets.ISO_8859_1);
  }

  /** Reads one response head and its Content-Length body from a kept-alive socket. */
  static String readResponse(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        throw new IOException("closed after: " + head);
      }
      head.append((char) c);
    }
    int len = 0;
    for (String line : head.toString().split("\r\n")) {
      if (line.toLowerCase().startsWith("content-length:")) {
        len = Integer.parseInt(line.substring(15).trim());
      }
    }
    byte[] body = in.readNBytes(len);
    return head + new String(body, StandardCharsets.ISO_8859_1);
  }

  int requestsReceived() {
    int n = 0;
    for (TestBackend b : backends) {
      n += b.requests.get();
    }
    return n;
  }

  @Override
  public void close() {
    proxy.close();
    for (TestBackend b : backends) {
      b.close();
    }
    control.close();
  }
}
