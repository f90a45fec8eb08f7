package io.ballast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.core.HealthState;
import io.ballast.server.config.ConfigLoader;
import io.ballast.server.metrics.PromText;
import io.ballast.server.testing.TestBackend;
import io.ballast.server.testing.TestBackends;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole balancer, wired from YAML, in front of real backends on loopback. */
class BallastEndToEndTest {
  @AutoClose
  final TestBackends backends = new TestBackends();
  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private Ballast ballast;

  @AfterEach
  void tearDown() throws Exception {
    if (ballast != null) {
      ballast.stop();
    }
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
    TestBackend a = backends.start("a");
    TestBackend b = backends.start("b");
    TestBackend c = backends.start("c");
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
        .contains("lb_requests_total{backend=\"a\",pool=\"app\",route=\"default\",status=\"200\"} 50.0")
        .contains("lb_requests_total{backend=\"b\",pool=\"app\",route=\"default\",status=\"200\"} 10.0")
        .contains("lb_response_time_seconds_count{backend=\"c\",pool=\"app\"} 10")
        .contains("lb_backend_health{backend=\"a\",pool=\"app\"} 1.0")
        .contains("lb_active_connections{backend=\"a\",pool=\"app\"}")
        .contains("lb_error_rate{backend=\"a\",pool=\"app\"}");
  }

  @Test
  void aDeadBackendIsSkippedAndMarkedDownThenUpByItsHealthCheck() throws Exception {
    TestBackend a = backends.start("a");
    TestBackend b = backends.start("b");
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
    assertThat(get(adminUrl("/admin/backends")).body())
        .contains("\"passed\":false,\"detail\":\"status 503\"");

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
    TestBackend a = backends.start("a");
    String address = a.address();
    a.close(); // nothing listens there any more: connections are refused
    start(config("round-robin", "      - address: \"" + address + "\"", ""));
    assertThat(get(adminUrl("/readyz")).statusCode()).isEqualTo(200);
    HttpResponse<String> r = get(proxyUrl("/"));
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.headers().firstValue("Retry-After")).isPresent();
    assertThat(get(adminUrl("/healthz")).statusCode()).isEqualTo(200);
  }

  @Test
  void hashPoolsKeepEachKeyOnOneBackendAndMoveOnlyTheKeysOfADeadOne() throws Exception {
    for (String algorithm : List.of("ring-hash", "maglev", "bounded-load-hash")) {
      TestBackend a = backends.start(algorithm + "-a");
      TestBackend b = backends.start(algorithm + "-b");
      TestBackend c = backends.start(algorithm + "-c");
      start(config(algorithm, String.join("\n", backendLine(a, 1), backendLine(b, 1),
          backendLine(c, 1)), """
                hash_key:
                  source: header
                  name: X-User
            """));
      Map<String, String> home = new HashMap<>();
      for (int round = 0; round < 3; round++) {
        for (int user = 0; user < 60; user++) {
          HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(proxyUrl("/")))
              .header("X-User", "user-" + user).build(), HttpResponse.BodyHandlers.ofString());
          assertThat(r.statusCode()).isEqualTo(200);
          String previous = home.putIfAbsent("user-" + user, r.body());
          assertThat(previous == null || previous.equals(r.body()))
              .as("%s: user-%d stays on %s (got %s)", algorithm, user, previous, r.body()).isTrue();
        }
      }
      assertThat(new java.util.HashSet<>(home.values())).as(algorithm).hasSize(3);

      // Take b out: only b's users move; everyone else keeps their backend.
      var pool = ballast.pools().get("app");
      pool.setAdminState(pool.backends().get(1), io.ballast.core.AdminState.MAINTENANCE, "test");
      await().atMost(Duration.ofSeconds(5)).until(() -> !pool.available(pool.backends().get(1)));
      for (int user = 0; user < 60; user++) {
        String body = client.send(HttpRequest.newBuilder(URI.create(proxyUrl("/")))
            .header("X-User", "user-" + user).build(), HttpResponse.BodyHandlers.ofString()).body();
        String before = home.get("user-" + user);
        if (before.equals(b.name())) {
          assertThat(body).as("%s: a user of the drained backend moves", algorithm).isNotEqualTo(b.name());
        } else {
          assertThat(body).as("%s: user-%d keeps its backend", algorithm, user).isEqualTo(before);
        }
      }
      ballast.stop();
      ballast = null;
    }
  }

  @Test
  void outlierDetectionEjectsABackendThatAnswers503AndLetsItBack() throws Exception {
    TestBackend a = backends.start("a");
    TestBackend b = backends.start("b");
    TestBackend c = backends.start("c");
    start(config("round-robin", String.join("\n", backendLine(a, 1), backendLine(b, 1),
        backendLine(c, 1)), """
            outlier_detection:
              interval: 200ms
              base_ejection_time: 1s
              consecutive_5xx: 3
              max_ejection_percent: 34
        """));
    var pool = ballast.pools().get("app");
    b.status(503);
    int failed = 0;
    for (int i = 0; i < 60; i++) {
      HttpResponse<String> r = get(proxyUrl("/"));
      if (r.statusCode() != 200) {
        failed++;
        assertThat(r.body()).isEqualTo("b");
      }
    }
    // Every 503 of b is retried on another backend (GET is idempotent): the client sees none.
    // Three 503s in a row eject b; after that it gets nothing. The data plane only reports and
    // the control loop decides, so a request or two may reach b while the ejection is on its way
    // (without ejection b would answer 20 of the 60).
    assertThat(failed).isZero();
    assertThat(pool.ejected(pool.backends().get(1))).isTrue();
    String metrics = get(adminUrl("/metrics")).body();
    assertThat(metrics)
        .contains("lb_outlier_ejections_total{backend=\"b\",pool=\"app\"} 1.0");
    // Each 503 that reached b was retried: three eject it, and a few more may reach it while the
    // ejection travels to the control loop and into a new picker (without ejection: 20).
    assertThat(new PromText(metrics).get("lb_retries_total",
        Map.of("pool", "app", "reason", "retry_status"))).isBetween(3.0, 10.0);

    b.status(200);
    await().atMost(Duration.ofSeconds(5)).until(() -> !pool.ejected(pool.backends().get(1)));
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < 30; i++) {
      seen.merge(get(proxyUrl("/")).body(), 1, Integer::sum);
    }
    assertThat(seen).containsOnly(Map.entry("a", 10), Map.entry("b", 10), Map.entry("c", 10));
  }

  @Test
  void retriesHideA503BackendAndItsCircuitOpensVisiblyInMetricsAdminAndAccessLog(
      @TempDir Path dir) throws Exception {
    TestBackend a = backends.start("a");
    TestBackend b = backends.start("b");
    TestBackend c = backends.start("c");
    Path accessLog = dir.resolve("access.log");
    start("""
        listeners:
          - name: web
            bind: "127.0.0.1:0"
            pool: app
        pools:
          - name: app
            algorithm: round-robin
            backends:
        %s
            retries:
              max_attempts: 2
            circuit_breaker:
              window_size: 10
              minimum_calls: 4
              wait_in_open: 30s
        admin:
          bind: "127.0.0.1:0"
        access_log:
          path: "%s"
        """.formatted(String.join("\n", backendLine(a, 1), backendLine(b, 1), backendLine(c, 1)),
        accessLog));
    b.status(503);
    for (int i = 0; i < 30; i++) {
      HttpResponse<String> r = get(proxyUrl("/"));
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isIn("a", "c");
    }
    var pool = ballast.pools().get("app");
    await().atMost(Duration.ofSeconds(2)).until(() -> pool.circuitOpen(pool.backends().get(1)));

    PromText metrics = new PromText(get(adminUrl("/metrics")).body());
    assertThat(metrics.get("lb_circuit_state", Map.of("pool", "app", "backend", "b",
        "state", "open"))).isEqualTo(1.0);
    assertThat(metrics.get("lb_circuit_state", Map.of("pool", "app", "backend", "a",
        "state", "closed"))).isEqualTo(1.0);
    assertThat(metrics.get("lb_circuit_transitions_total", Map.of("pool", "app",
        "backend", "b"))).isEqualTo(1.0);
    double retried = metrics.get("lb_retries_total", Map.of("pool", "app",
        "reason", "retry_status"));
    assertThat(retried).isBetween(4.0, 6.0);
    // Every attempt is a request's first or a counted retry. Under a loaded machine a pooled
    // connection may also fail before the request reached b or c (retry_not_sent,
    // retry_reset): those are retries too, of another reason.
    double allRetries = 0;
    for (io.ballast.core.retry.RetryDecision d : io.ballast.core.retry.RetryDecision.values()) {
      if (d.retry()) {
        allRetries += metrics.get("lb_retries_total", Map.of("pool", "app",
            "reason", d.label()));
      }
    }
    assertThat(allRetries - retried).isBetween(0.0, 2.0);
    assertThat(metrics.get("lb_attempts_total", Map.of("pool", "app")))
        .isEqualTo(30 + allRetries);
    assertThat(metrics.value("lb_retry_budget_available", Map.of("pool", "app"))).isPresent();

    String backends = get(adminUrl("/admin/backends")).body();
    assertThat(backends).contains("\"name\":\"b\"")
        .containsPattern("\"name\":\"b\".*?\"circuit\":\\{\"state\":\"open\",\"calls\":[4-6],"
            + "\"failure_rate\":100\\.0");

    ballast.stop();
    List<String> lines = Files.readAllLines(accessLog);
    assertThat(lines).hasSize(30);
    assertThat(lines.stream().filter(l -> l.contains("\"backends_tried\":[\"b\",")))
        .hasSize((int) retried)
        .allSatisfy(l -> assertThat(l).contains("\"attempts\":2", "\"retry\":\"retry_status\"",
            "\"status\":200"));
  }

  @Test
  void maintenanceFromConfigAndDrainFromTheAdminApiTakeBackendsOutWithoutCuttingRequests()
      throws Exception {
    TestBackend a = backends.start("a");
    TestBackend b = backends.start("b");
    String token = "e2e-admin-token-0123456789";
    start("""
        listeners:
          - name: web
            bind: "127.0.0.1:0"
            pool: app
        pools:
          - name: app
            algorithm: round-robin
            backends:
              - name: a
                address: "%s"
              - name: b
                address: "%s"
                state: maintenance
        admin:
          bind: "127.0.0.1:0"
          token: "%s"
        access_log:
          enabled: false
        """.formatted(a.address(), b.address(), token));
    for (int i = 0; i < 10; i++) {
      assertThat(get(proxyUrl("/")).body()).isEqualTo("a");
    }
    HttpResponse<String> activate = client.send(HttpRequest.newBuilder(
            URI.create(adminUrl("/admin/pools/app/backends/b/activate")))
        .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody())
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(activate.statusCode()).isEqualTo(200);
    var pool = ballast.pools().get("app");
    await().atMost(Duration.ofSeconds(5)).until(() -> pool.available(pool.backends().get(1)));

    // A slow request on a, then a is drained: it finishes, and new requests all go to b.
    java.util.concurrent.CompletableFuture<HttpResponse<String>> slow = null;
    for (int i = 0; i < 2 && slow == null; i++) {
      final int aBefore = a.requests();
      final int total = a.requests() + b.requests();
      var f = client.sendAsync(HttpRequest.newBuilder(URI.create(proxyUrl("/slow?ms=1500")))
          .build(), HttpResponse.BodyHandlers.ofString());
      await().atMost(Duration.ofSeconds(5)).until(() -> a.requests() + b.requests() > total);
      if (a.requests() > aBefore) {
        slow = f;
      }
    }
    assertThat(slow).as("one of two round-robin requests lands on a").isNotNull();
    HttpResponse<String> drain = client.send(HttpRequest.newBuilder(
            URI.create(adminUrl("/admin/pools/app/backends/a/drain")))
        .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody())
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(drain.statusCode()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(5)).until(() -> !pool.available(pool.backends().get(0)));
    for (int i = 0; i < 10; i++) {
      assertThat(get(proxyUrl("/")).body()).isEqualTo("b");
    }
    HttpResponse<String> finished = slow.get(10, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(finished.statusCode()).isEqualTo(200);
    assertThat(finished.body()).isEqualTo("a");
  }
}
