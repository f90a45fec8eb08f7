package io.ballast.server.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP backend on 127.0.0.1 for end-to-end tests: answers {@code name} on every path,
 * {@code /slow?ms=N} after N ms, {@code /health} with a switchable status, and any path set by
 * {@link #check} with a fixed status and body; counts requests (not those health endpoints) and
 * records the methods each health endpoint was asked with.
 */
public final class TestBackend implements AutoCloseable {
  static {
    // The JDK server writes a response's head and body separately; with Nagle on, the body
    // waits for the client's delayed ACK (~40 ms a response) and the tests crawl.
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  private final String name;
  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final AtomicInteger requests = new AtomicInteger();
  private volatile int healthStatus = 200;
  private volatile int status = 200;
  private final java.util.Map<String, Answer> checks = new java.util.concurrent.ConcurrentHashMap<>();
  private final java.util.Map<String, java.util.Set<String>> methods =
      new java.util.concurrent.ConcurrentHashMap<>();

  private record Answer(int status, String body) {}

  /** Added to every answer but those of /health and the {@link #check} paths. */
  private final java.util.Map<String, String> responseHeaders =
      new java.util.concurrent.ConcurrentHashMap<>();

  public TestBackend(String name) throws IOException {
    this(name, "127.0.0.1", 0);
  }

  /** A backend on {@code host:port} (any loopback address; port 0 for a free one). */
  public TestBackend(String name, String host, int port) throws IOException {
    this.name = name;
    this.server = HttpServer.create(new InetSocketAddress(host, port), 64);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  public String name() {
    return name;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public String address() {
    return server.getAddress().getAddress().getHostAddress() + ":" + port();
  }

  public int requests() {
    return requests.get();
  }

  public void healthStatus(int status) {
    healthStatus = status;
  }

  /** From now on {@code path} answers {@code status} with {@code body}, as a health endpoint. */
  public void check(String path, int status, String body) {
    checks.put(path, new Answer(status, body));
  }

  /** The methods {@code /health} or a {@link #check} path was asked with. */
  public java.util.Set<String> methodsSeen(String path) {
    return methods.getOrDefault(path, java.util.Set.of());
  }

  /** From now on every answer but a check's carries this header (a load report, say). */
  public void responseHeader(String header, String value) {
    responseHeaders.put(header, value);
  }

  /** The status of every answer but /health's. */
  public void status(int status) {
    this.status = status;
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex; InputStream in = ex.getRequestBody()) {
      in.transferTo(OutputStream.nullOutputStream());
      String path = ex.getRequestURI().getPath();
      Answer check = checks.get(path);
      if (check != null || path.equals("/health")) {
        methods.computeIfAbsent(path, k -> java.util.concurrent.ConcurrentHashMap.newKeySet())
            .add(ex.getRequestMethod());
        if (check == null) {
          check = new Answer(healthStatus, "health " + healthStatus + "\n");
        }
        if (ex.getRequestMethod().equals("HEAD")) {
          ex.sendResponseHeaders(check.status(), -1); // a HEAD answer has no body
        } else {
          send(ex, check.status(), check.body());
        }
        return;
      }
      requests.incrementAndGet();
      if (path.equals("/headers")) {
        // The request's headers as the backend got them, one "name: value" a line.
        StringBuilder b = new StringBuilder();
        ex.getRequestHeaders().forEach((k, vs) -> vs.forEach(
            v -> b.append(k.toLowerCase(java.util.Locale.ROOT)).append(": ").append(v)
                .append('\n')));
        send(ex, status, b.toString());
        return;
      }
      if (path.equals("/slow")) {
        String q = ex.getRequestURI().getQuery();
        long ms = q != null && q.startsWith("ms=") ? Long.parseLong(q.substring(3)) : 1000;
        try {
          Thread.sleep(ms);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      responseHeaders.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
      send(ex, status, name);
    }
  }

  private static void send(HttpExchange ex, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/plain");
    ex.sendResponseHeaders(status, bytes.length);
    ex.getResponseBody().write(bytes);
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
