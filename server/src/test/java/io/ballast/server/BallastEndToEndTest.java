package io.ballast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.core.HealthState;
import io.ballast.server.config.ConfigLoader;
import io.ballast.server.testing.TestBackend;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The whole balancer, wired from YAML, in front of real backends on loopback. */
class BallastEndToEndTest {
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private Ballast ballast;

  @AfterEach
  void tearDown() throws Exception {
    if (ballast != null) {
      ballast.stop();
    }
    for (AutoCloseable c : closeables) {
      c.close();
    }
  }

  private TestBackend backend(String name) throws Exception {
    TestBackend b = new TestBackend(name);
    closeables.add(b);
    return b;
  }

  private Ballast start(String yaml) throws Exception {
    ballast = Ballast.start(ConfigLoader.parse(yaml, "test.yaml").orElseThrow(), 1);
    return ballast;
  }

  private String proxyUrl(String path) {
    return "http://127.0.0.1:" + ballast.proxyAddresses().get(0).getPort() + path;
  }

  private String adminUrl(String path) {
    return "http://127.0.0.1:" + ballast.adminAddress().getPort() + path;
  }

  private HttpResponse<String> get(String url) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String config(String algorithm, String backendsYaml, String extra) {
    return """
        listeners:
          - name: web
            bind: "127.0.0.1:0"
            pool: app
        pools:
          - name: app
            algorithm: %s
            backends:
        %s
        %s
        admin:
          bind: "127.0.0.1:0"
        access_log:
          enabled: false
        """.formatted(algorithm, backendsYaml, extra);
  }

  private static String backendLine(TestBackend b, int weight) {
    return "      - name: " + b.name() + "\n        address: \"" + b.address() + "\"\n"
        + "        weight: " + weight;
  }

  @Test
  void weightedRoundRobinIsExactAndMetricsFollowTheTraffic() throws Exception {
    TestBackend a = backend("a");
    TestBackend b = backend("b");
    TestBackend c = backend("c");
    start(config("weighted-round-robin",
        String.join("\n", backendLine(a, 5), backendLine(b, 1), backendLine(c, 1)), ""));

    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < 70; i++) {
      HttpResponse<String> r = get(proxyUrl("/item/" + i));
      assertThat(r.statusCode()).isEqualTo(200);
      seen.merge(r.body(), 1, Integer::sum);
    }
    assertThat(seen).containsOnly(Map.entry("a", 50), Map.entry("b", 10), Map.entry("c", 10));

    String metrics = get(adminUrl("/metrics")).body();
    assertThat(metrics)
        .contains("lb_requests_total{backend=\"a\",pool=\"app\",status=\"200\"} 50.0")
        .contains("lb_requests_total{backend=\"b\",pool=\"app\",status=\"200\"} 10.0")
        .contains("lb_response_time_seconds_count{backend=\"c\",pool=\"app\"} 10")
        .contains("lb_backend_health{backend=\"a\",pool=\"app\"} 1.0")
        .contains("lb_active_connections{backend=\"a\",pool=\"app\"}")
        .contains("lb_error_rate{backend=\"a\",pool=\"app\"}");
  }

  @Test
  void aDeadBackendIsSkippedAndMarkedDownThenUpByItsHealthCheck() throws Exception {
    TestBackend a = backend("a");
    TestBackend b = backend("b");
    start(config("round-robin", String.join("\n", backendLine(a, 1), backendLine(b, 1)), """
            health_check:
              path: /health
              interval: 100ms
              timeout: 80ms
              rise: 2
              fall: 2
        """));
    var pool = ballast.pools().get("app");
    var backendA = pool.backends().get(0);

    a.healthStatus(503);
    await().atMost(Duration.ofSeconds(5))
        .until(() -> pool.health(backendA) == HealthState.UNHEALTHY);
    for (int i = 0; i < 10; i++) {
      HttpResponse<String> r = get(proxyUrl("/"));
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("b");
    }
    assertThat(get(adminUrl("/metrics")).body())
        .contains("lb_backend_health{backend=\"a\",pool=\"app\"} 0.0");

    a.healthStatus(200);
    await().atMost(Duration.ofSeconds(5)).until(() -> pool.health(backendA) == HealthState.HEALTHY);
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < 10; i++) {
      seen.merge(get(proxyUrl("/")).body(), 1, Integer::sum);
    }
    assertThat(seen).containsOnly(Map.entry("a", 5), Map.entry("b", 5));
  }

  @Test
  void allBackendsDownGives503AndReadinessFollowsTheLifecycle() throws Exception {
    TestBackend a = backend("a");
    String address = a.address();
    a.close(); // nothing listens there any more: connections are refused
    start(config("round-robin", "      - address: \"" + address + "\"", ""));
    assertThat(get(adminUrl("/readyz")).statusCode()).isEqualTo(200);
    HttpResponse<String> r = get(proxyUrl("/"));
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.headers().firstValue("Retry-After")).isPresent();
    assertThat(get(adminUrl("/healthz")).statusCode()).isEqualTo(200);
  }
}
