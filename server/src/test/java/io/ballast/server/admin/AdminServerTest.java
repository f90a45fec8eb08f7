package io.ballast.server.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.core.AdminState;
import io.ballast.core.Backend;
import io.ballast.core.ControlLoop;
import io.ballast.core.Rng;
import io.ballast.core.pick.Algorithm;
import io.ballast.core.pool.HealthSettings;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.proxy.RequestLog;
import io.ballast.server.metrics.PromText;
import io.ballast.server.metrics.ProxyMetrics;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class AdminServerTest {
  static final String TOKEN = "test-token-0123456789";

  private final ControlLoop loop = new ControlLoop("test-control", Throwable::printStackTrace);
  private final Backend b1 = new Backend("b1", "127.0.0.1", 8081, 1);
  private final Backend b2 = new Backend("b2", "127.0.0.1", 8082, 3);
  private final Readiness readiness = new Readiness();
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private ProxyMetrics metrics;
  private LoadBalancer pool;
  private AdminServer server;
  private InetSocketAddress address;

  @BeforeEach
  void start() throws Exception {
    metrics = new ProxyMetrics(List.of(), loop);
    pool = new LoadBalancer("web", List.of(b1, b2), Algorithm.WEIGHTED_ROUND_ROBIN,
        HealthSettings.PASSIVE_ONLY, loop, Rng.seeded(7), metrics);
    metrics.setPools(List.of(pool));
    server = new AdminServer(new InetSocketAddress("127.0.0.1", 0), metrics, metrics::pools,
        readiness, TOKEN);
    address = server.start();
  }

  @AfterEach
  void stop() {
    server.close();
    metrics.close();
    loop.close();
  }

  private HttpResponse<String> send(String method, String path) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + address.getPort() + path))
        .timeout(Duration.ofSeconds(5))
        .method(method, HttpRequest.BodyPublishers.noBody())
        .build();
    return client.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return send("GET", path);
  }

  @Test
  void servesMetricsFedByRequestsAndStateChanges() throws Exception {
    metrics.onRequestComplete(new RequestLog(System.currentTimeMillis(), "127.0.0.1", "GET", "/",
        null, "http", "web", b1, 200, 3_000_000, 0, 5, "r1", 1, null));
    metrics.onRequestComplete(new RequestLog(System.currentTimeMillis(), "127.0.0.1", "GET", "/",
        null, "http", "web", null, 503, 100_000, 0, 0, "r2", 0, "no backend"));
    b2.load().connectionOpened();
    pool.reportConnectFailure(b2, "connection refused");

    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      HttpResponse<String> res = get("/metrics");
      assertThat(res.statusCode()).isEqualTo(200);
      assertThat(res.headers().firstValue("content-type"))
          .hasValue("text/plain; version=0.0.4; charset=utf-8");
      PromText text = new PromText(res.body());
      assertThat(text.get("lb_requests_total",
          Map.of("pool", "web", "backend", "b1", "status", "200", "route", "none"))).isEqualTo(1);
      assertThat(text.get("lb_requests_total",
          Map.of("pool", "web", "backend", "none", "status", "503", "route", "none"))).isEqualTo(1);
      assertThat(text.get("lb_response_time_seconds_count", Map.of("pool", "web", "backend", "b1")))
          .isEqualTo(1);
      assertThat(text.get("lb_active_connections", Map.of("pool", "web", "backend", "b2")))
          .isEqualTo(1);
      assertThat(text.get("lb_backend_health", Map.of("pool", "web", "backend", "b1")))
          .isEqualTo(1);
      assertThat(text.get("lb_backend_health", Map.of("pool", "web", "backend", "b2")))
          .isEqualTo(0);
      assertThat(text.get("lb_health_transitions_total", Map.of(
          "pool", "web", "backend", "b2", "from", "healthy", "to", "unhealthy"))).isEqualTo(1);
      assertThat(text.get("lb_error_rate", Map.of("pool", "web", "backend", "b1"))).isEqualTo(0);
    });
    assertThat(get("/metrics").body()).contains("# TYPE lb_response_time_seconds histogram");
  }

  @Test
  void healthzAlwaysOkAndReadyzFollowsReadiness() throws Exception {
    HttpResponse<String> health = get("/healthz");
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body()).isEqualTo("ok\n");

    assertThat(get("/readyz").statusCode()).isEqualTo(503);
    readiness.listenersBound();
    HttpResponse<String> ready = get("/readyz");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.body()).isEqualTo("ready\n");
    readiness.draining();
    assertThat(get("/readyz").statusCode()).isEqualTo(503);
    assertThat(get("/healthz").statusCode()).isEqualTo(200);
  }

  @Test
  void listsPoolsAndBackendsWithTheirStates() throws Exception {
    b1.load().start();
    b1.load().complete(false, 1_000);
    b1.load().start();
    pool.setAdminState(b1, AdminState.MAINTENANCE, "operator");
    pool.reportConnectFailure(b2, "refused");

    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      HttpResponse<String> res = get("/admin/backends");
      assertThat(res.statusCode()).isEqualTo(200);
      assertThat(res.headers().firstValue("content-type")).hasValue("application/json");
      JsonNode root = JsonMapper.builder().build().readTree(res.body());
      JsonNode pools = root.get("pools");
      assertThat(pools.size()).isEqualTo(1);
      JsonNode web = pools.get(0);
      assertThat(web.get("name").asString()).isEqualTo("web");
      assertThat(web.get("algorithm").asString()).isEqualTo("weighted-round-robin");
      JsonNode first = web.get("backends").get(0);
      assertThat(first.get("name").asString()).isEqualTo("b1");
      assertThat(first.get("address").asString()).isEqualTo("127.0.0.1:8081");
      assertThat(first.get("weight").asInt()).isEqualTo(1);
      assertThat(first.get("health").asString()).isEqualTo("healthy");
      assertThat(first.get("admin").asString()).isEqualTo("maintenance");
      assertThat(first.get("available").asBoolean()).isFalse();
      assertThat(first.get("in_flight").asInt()).isEqualTo(1);
      assertThat(first.get("connections").asInt()).isEqualTo(0);
      assertThat(first.get("requests").asLong()).isEqualTo(1);
      assertThat(first.get("failures").asLong()).isEqualTo(1);
      JsonNode second = web.get("backends").get(1);
      assertThat(second.get("name").asString()).isEqualTo("b2");
      assertThat(second.get("weight").asInt()).isEqualTo(3);
      assertThat(second.get("health").asString()).isEqualTo("unhealthy");
      assertThat(second.get("admin").asString()).isEqualTo("active");
      assertThat(second.get("available").asBoolean()).isFalse();
    });
  }

  @Test
  void unknownPathIs404AndWrongMethodIs405() throws Exception {
    HttpResponse<String> missing = get("/nope");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(get("/metrics/extra").statusCode()).isEqualTo(404);

    HttpResponse<String> post = send("POST", "/metrics");
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("allow")).hasValue("GET, HEAD");
    assertThat(send("DELETE", "/admin/backends").statusCode()).isEqualTo(405);

    HttpResponse<String> head = send("HEAD", "/healthz");
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    assertThat(head.headers().firstValue("content-length")).hasValue("3");
  }

  @Test
  void answersSeveralRequestsOnOneKeptAliveConnectionAndRejectsGarbage() throws IOException {
    try (Socket socket = new Socket("127.0.0.1", address.getPort())) {
      socket.setSoTimeout(5000);
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      out.write(("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
          + "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String both = readUntil(in, "not found: /nope\n");
      assertThat(both).startsWith("HTTP/1.1 200 OK").contains("HTTP/1.1 404 Not Found");

      out.write("\u0001\u0002 garbage\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      String bad = readUntil(in, "bad request\n");
      assertThat(bad).startsWith("HTTP/1.1 400");
      // The server closes the connection after a malformed request.
      assertThat(in.read()).isEqualTo(-1);
    }
  }

  @Test
  void closeStopsListening() throws Exception {
    assertThat(get("/healthz").statusCode()).isEqualTo(200);
    server.close();
    try (Socket socket = new Socket()) {
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> socket.connect(address, 2000))
          .isInstanceOf(IOException.class);
    }
  }

  private static String readUntil(InputStream in, String end) throws IOException {
    StringBuilder sb = new StringBuilder();
    while (!sb.toString().endsWith(end)) {
      int c = in.read();
      if (c < 0) {
        break;
      }
      sb.append((char) c);
    }
    return sb.toString();
  }

  private HttpResponse<String> post(String path, String bearer) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + address.getPort() + path))
        .timeout(Duration.ofSeconds(5))
        .POST(HttpRequest.BodyPublishers.noBody());
    if (bearer != null) {
      b.header("Authorization", "Bearer " + bearer);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void actionsNeedTheTokenAndChangeTheBackendsAdminState() throws Exception {
    String drain = "/admin/pools/web/backends/b2/drain";
    assertThat(post(drain, null).statusCode()).isEqualTo(401);
    assertThat(post(drain, "wrong-token-0123456789").statusCode()).isEqualTo(401);
    assertThat(send("GET", drain).statusCode()).isEqualTo(405);
    assertThat(post("/admin/pools/web/backends/nope/drain", TOKEN).statusCode()).isEqualTo(404);
    assertThat(post("/admin/pools/nope/backends/b2/drain", TOKEN).statusCode()).isEqualTo(404);
    assertThat(post("/admin/pools/web/backends/b2/explode", TOKEN).statusCode()).isEqualTo(404);
    assertThat(pool.adminState(b2)).isEqualTo(AdminState.ACTIVE);

    HttpResponse<String> ok = post(drain, TOKEN);
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.body()).isEqualTo("{\"pool\":\"web\",\"backend\":\"b2\",\"admin\":\"draining\"}");
    await().atMost(Duration.ofSeconds(5)).until(() -> pool.adminState(b2) == AdminState.DRAINING);
    assertThat(pool.available(b2)).isFalse();

    assertThat(post("/admin/pools/web/backends/b2/maintenance", TOKEN).statusCode()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(5)).until(() -> pool.adminState(b2) == AdminState.MAINTENANCE);
    assertThat(post("/admin/pools/web/backends/b2/activate", TOKEN).statusCode()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(5)).until(() -> pool.available(b2));
  }

  @Test
  void fiveWrongTokensLockTheAddressOutOfActionsNotOfReads() throws Exception {
    String drain = "/admin/pools/web/backends/b2/drain";
    for (int i = 0; i < TokenGuard.MAX_FAILURES; i++) {
      assertThat(post(drain, i % 2 == 0 ? "wrong-token-0123456789" : null).statusCode())
          .isEqualTo(401);
    }
    HttpResponse<String> locked = post(drain, TOKEN);
    assertThat(locked.statusCode()).isEqualTo(429);
    assertThat(locked.headers().firstValueAsLong("retry-after").orElseThrow()).isBetween(1L, 60L);
    assertThat(locked.body()).contains("too many failed tokens from 127.0.0.1");
    assertThat(post("/admin/reload", TOKEN).statusCode()).isEqualTo(429);
    assertThat(pool.adminState(b2)).isEqualTo(AdminState.ACTIVE);
    // Reads stay open, and say what happened.
    assertThat(get("/admin/backends").statusCode()).isEqualTo(200);
    PromText text = new PromText(get("/metrics").body());
    assertThat(text.get("lb_admin_token_failures_total", Map.of())).isEqualTo(5);
    assertThat(text.get("lb_admin_lockouts_total", Map.of())).isEqualTo(1);
  }

  @Test
  void withoutATokenActionsAreRefused() throws Exception {
    try (AdminServer readOnly = new AdminServer(new InetSocketAddress("127.0.0.1", 0), metrics,
        List.of(pool), readiness)) {
      int port = readOnly.start().getPort();
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + port + "/admin/pools/web/backends/b2/drain"))
          .header("Authorization", "Bearer anything-at-all-123")
          .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(403);
      assertThat(r.body()).contains("admin.token");
      assertThat(pool.adminState(b2)).isEqualTo(AdminState.ACTIVE);
    }
  }
}
