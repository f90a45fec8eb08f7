package io.ballast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.ballast.core.Backend;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.server.config.ConfigLoader;
import io.ballast.server.metrics.PromText;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The weight controller on real traffic: a pool under the latency objective with one backend
 * slower than the others lowers that backend's weight, says so in /admin/decisions and /metrics,
 * and the traffic share follows.
 */
class WeightControlEndToEndTest {
  static {
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final List<HttpServer> servers = new ArrayList<>();
  private final List<ExecutorService> executors = new ArrayList<>();
  private final ExecutorService load = Executors.newFixedThreadPool(4);
  private volatile boolean loading = true;
  private final Map<String, AtomicInteger> served = new ConcurrentHashMap<>();
  private Ballast ballast;

  @AfterEach
  void stop() throws Exception {
    loading = false;
    load.shutdown();
    load.awaitTermination(10, TimeUnit.SECONDS);
    if (ballast != null) {
      ballast.stop();
    }
    servers.forEach(s -> s.stop(0));
    executors.forEach(ExecutorService::shutdownNow);
  }

  /** A backend that answers its name after {@code delayMs}. */
  private String backend(String name, long delayMs) throws Exception {
    return backend(name, delayMs, null);
  }

  /**
   * A backend that answers its name after {@code delayMs}, with {@code loadReport} (when not
   * null) in an X-Load-Report header.
   */
  private String backend(String name, long delayMs, String loadReport) throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    ExecutorService executor = Executors.newCachedThreadPool();
    server.setExecutor(executor);
    server.createContext("/", ex -> {
      try (ex) {
        ex.getRequestBody().transferTo(OutputStream.nullOutputStream());
        if (delayMs > 0) {
          try {
            Thread.sleep(delayMs);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        byte[] body = name.getBytes(StandardCharsets.UTF_8);
        if (loadReport != null) {
          ex.getResponseHeaders().add("X-Load-Report", loadReport);
        }
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
      }
    });
    server.start();
    servers.add(server);
    executors.add(executor);
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  private String get(int port, String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  @Test
  void aSlowerBackendLosesWeightAndTraffic() throws Exception {
    String yaml = """
        listeners:
          - name: web
            bind: "127.0.0.1:0"
            pool: app
        pools:
          - name: app
            algorithm: weighted-round-robin
            backends:
              - {name: b0, address: "%s"}
              - {name: b1, address: "%s"}
              - {name: slow, address: "%s"}
            weight_control:
              interval: 200ms
              objective: latency
              min_requests: 5
        admin:
          bind: "127.0.0.1:0"
        access_log:
          enabled: false
        """.formatted(backend("b0", 0), backend("b1", 0), backend("slow", 40));
    ballast = Ballast.start(ConfigLoader.parse(yaml, "test.yaml").orElseThrow(), 1);
    LoadBalancer pool = ballast.pools().get("app");
    Backend slow = pool.backends().get(2);
    int port = ballast.proxyAddresses().get(0).getPort();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    for (int t = 0; t < 4; t++) {
      load.submit(() -> {
        while (loading && System.nanoTime() < deadline) {
          String who = get(port, "/work");
          served.computeIfAbsent(who, k -> new AtomicInteger()).incrementAndGet();
        }
        return null;
      });
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> pool.weightPercent(slow) <= 30);
    // The traffic share follows: over a fresh window the slow backend serves far less than a
    // third (the equal share it had under fixed equal weights).
    served.clear();
    await().atMost(Duration.ofSeconds(5)).until(() -> served.values().stream()
        .mapToInt(AtomicInteger::get).sum() >= 300);
    int total = served.values().stream().mapToInt(AtomicInteger::get).sum();
    int slowShare = served.getOrDefault("slow", new AtomicInteger()).get();
    assertThat((double) slowShare / total).isLessThan(0.15);

    int admin = ballast.adminAddress().getPort();
    JsonNode decisions = JsonMapper.builder().build()
        .readTree(get(admin, "/admin/decisions?pool=app&limit=1000"));
    assertThat(decisions.get("total").asLong()).isPositive();
    List<String> messages = new ArrayList<>();
    decisions.get("decisions").forEach(d -> messages.add(d.get("message").asString()));
    assertThat(messages).anySatisfy(m -> assertThat(m)
        .matches("slow weight 100 → \\d+: p99 \\d+ ms vs pool \\d+(\\.\\d)? ms.*"));
    assertThat(decisions.get("decisions").get(0).get("kind").asString()).isNotEmpty();
    assertThat(get(admin, "/admin/decisions?limit=x")).startsWith("limit: 'x' (expected: 0..");

    PromText metrics = new PromText(get(admin, "/metrics"));
    double slowWeight = metrics.get("lb_backend_effective_weight",
        Map.of("pool", "app", "backend", "slow"));
    double fastWeight = metrics.get("lb_backend_effective_weight",
        Map.of("pool", "app", "backend", "b0"));
    assertThat(slowWeight).isPositive().isLessThan(fastWeight / 3);
    assertThat(metrics.get("lb_backend_weight_percent", Map.of("pool", "app", "backend", "slow")))
        .isLessThanOrEqualTo(30);
  }

  @Test
  void aBackendReportingHighCpuInItsLoadHeaderLosesWeight() throws Exception {
    String yaml = """
        listeners:
          - name: web
            bind: "127.0.0.1:0"
            pool: app
        pools:
          - name: app
            algorithm: weighted-round-robin
            signals:
              load_header: true
            backends:
              - {name: cool, address: "%s"}
              - {name: warm, address: "%s"}
              - {name: hot, address: "%s"}
            weight_control:
              interval: 200ms
              min_requests: 5
        admin:
          bind: "127.0.0.1:0"
        access_log:
          enabled: false
        """.formatted(backend("cool", 0, "cpu=0.30, qps=10"), backend("warm", 0, "cpu=0.40"),
        backend("hot", 0, "cpu=0.95"));
    ballast = Ballast.start(ConfigLoader.parse(yaml, "test.yaml").orElseThrow(), 1);
    LoadBalancer pool = ballast.pools().get("app");
    Backend hot = pool.backends().get(2);
    int port = ballast.proxyAddresses().get(0).getPort();
    // The header reaches the balancer, not the client.
    HttpResponse<String> first = client.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + port + "/")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(first.headers().firstValue("X-Load-Report")).isEmpty();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    for (int t = 0; t < 2; t++) {
      load.submit(() -> {
        while (loading && System.nanoTime() < deadline) {
          get(port, "/work");
        }
        return null;
      });
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> pool.weightPercent(hot) <= 50);
    assertThat(hot.signals().latest(io.ballast.core.signal.SignalSource.HEADER).figures())
        .containsEntry("cpu", 0.95);
    assertThat(pool.weightPercent(pool.backends().get(0)))
        .isGreaterThan(pool.weightPercent(hot));
    int admin = ballast.adminAddress().getPort();
    JsonNode decisions = JsonMapper.builder().build()
        .readTree(get(admin, "/admin/decisions?pool=app&limit=1000"));
    List<String> messages = new ArrayList<>();
    decisions.get("decisions").forEach(d -> messages.add(d.get("message").asString()));
    assertThat(messages).anySatisfy(m -> assertThat(m).startsWith("hot weight 100 → ")
        .contains("cpu 0.95"));
  }
}
