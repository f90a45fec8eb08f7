package io.ballast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.core.Backend;
import io.ballast.core.HealthState;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.server.config.ConfigLoader;
import io.ballast.server.testing.TestBackend;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Health checks in levels through the whole balancer: real backends on loopback whose health
 * endpoints the test switches, traffic measured through the real proxy.
 */
class HealthLevelsEndToEndTest {
  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private TestBackend a;
  private TestBackend b;
  private Ballast ballast;
  private LoadBalancer pool;
  private Backend backendB;

  @BeforeEach
  void start() throws Exception {
    a = new TestBackend("a");
    b = new TestBackend("b");
    for (TestBackend t : new TestBackend[] {a, b}) {
      t.check("/deep", 200, "db ok");
    }
    // l4 1 + app 1 + deep 2: deep failing leaves 2 of 4 up, 50 %, not below unhealthy_below.
    String yaml = """
        listeners:
          - name: web
            bind: "127.0.0.1:0"
            pool: app
        pools:
          - name: app
            algorithm: weighted-round-robin
            backends:
              - {name: a, address: "%s"}
              - {name: b, address: "%s"}
            health_checks:
              degraded_below: 100%%
              unhealthy_below: 50%%
              levels:
                - {name: l4, type: tcp, interval: 100ms, timeout: 100ms, critical: true}
                - {name: app, path: /health, method: HEAD, interval: 100ms, timeout: 100ms,
                   critical: true, rise: 3, fall: 2}
                - {name: deep, path: /deep, body_contains: ok, interval: 100ms, timeout: 100ms,
                   weight: 2, rise: 1, fall: 2}
        admin:
          bind: "127.0.0.1:0"
        access_log:
          enabled: false
        """.formatted(a.address(), b.address());
    ballast = Ballast.start(ConfigLoader.parse(yaml, "test.yaml").orElseThrow(), 1);
    pool = ballast.pools().get("app");
    backendB = pool.backends().get(1);
    // Every level of b has reported and passed at least once.
    await().atMost(Duration.ofSeconds(5)).until(() -> pool.levels(backendB).stream()
        .allMatch(l -> l.last() != null && l.last().passed()));
  }

  @AfterEach
  void stop() {
    if (ballast != null) {
      ballast.stop();
    }
    a.close();
    b.close();
  }

  private HttpResponse<String> get(String url) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  private String proxy(String path) {
    return "http://127.0.0.1:" + ballast.proxyAddresses().get(0).getPort() + path;
  }

  private String admin(String path) {
    return "http://127.0.0.1:" + ballast.adminAddress().getPort() + path;
  }

  private Map<String, Integer> traffic(int requests) throws Exception {
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < requests; i++) {
      HttpResponse<String> r = get(proxy("/item/" + i));
      assertThat(r.statusCode()).isEqualTo(200);
      seen.merge(r.body(), 1, Integer::sum);
    }
    return seen;
  }

  @Test
  void aFailingDeepLevelDegradesTheBackendWhichKeepsServingAtReducedWeight() throws Exception {
    assertThat(b.methodsSeen("/health")).containsExactly("HEAD");
    assertThat(b.methodsSeen("/deep")).containsExactly("GET");
    Map<String, Integer> even = traffic(60);
    assertThat(even.get("b")).isBetween(27, 33);

    b.check("/deep", 200, "db unreachable");
    await().atMost(Duration.ofSeconds(5)).until(() -> pool.health(backendB) == HealthState.DEGRADED);
    assertThat(pool.passingPercent(backendB)).isEqualTo(50);
    // Weights a 10, b 10 * 50 % = 5: b gets a third of the traffic instead of half.
    Map<String, Integer> degraded = traffic(150);
    assertThat(degraded.get("b")).as("%s", degraded).isBetween(45, 55);
    assertThat(degraded.get("a")).as("%s", degraded).isBetween(95, 105);

    String backends = get(admin("/admin/backends")).body();
    assertThat(backends)
        .contains("\"health\":\"degraded\"")
        .contains("\"passing_percent\":50")
        .contains("\"name\":\"deep\",\"weight\":2,\"critical\":false,\"up\":false,\"state\":\"down\"")
        .contains("\"detail\":\"body did not contain 'ok'\"")
        .contains("\"detail\":\"deep: body did not contain 'ok'\"");
    assertThat(get(admin("/metrics")).body())
        .contains("lb_health_transitions_total{backend=\"b\",from=\"healthy\",pool=\"app\","
            + "to=\"degraded\"} 1.0")
        .contains("lb_health_check_level_up{backend=\"b\",level=\"deep\",pool=\"app\"} 0.0")
        .contains("lb_health_check_passing_ratio{backend=\"b\",pool=\"app\"} 0.5")
        .contains("lb_backend_health{backend=\"b\",pool=\"app\"} 1.0");

    b.check("/deep", 200, "db ok");
    await().atMost(Duration.ofSeconds(5)).until(() -> pool.health(backendB) == HealthState.HEALTHY);
    assertThat(traffic(60).get("b")).isBetween(27, 33);
  }

  @Test
  void aCriticalLevelFailingTakesTheBackendOutAndItRecoversThroughRecovering() throws Exception {
    b.healthStatus(503);
    await().atMost(Duration.ofSeconds(5)).until(() -> pool.health(backendB) == HealthState.UNHEALTHY);
    assertThat(traffic(20)).containsOnly(Map.entry("a", 20));
    assertThat(get(admin("/admin/backends")).body())
        .contains("\"name\":\"app\",\"weight\":1,\"critical\":true,\"up\":false");

    b.healthStatus(200);
    await().atMost(Duration.ofSeconds(5)).until(() -> pool.health(backendB) == HealthState.HEALTHY);
    // rise 3 on the app level: two passing probes show RECOVERING before the third brings it back.
    assertThat(get(admin("/metrics")).body())
        .contains("lb_health_transitions_total{backend=\"b\",from=\"healthy\",pool=\"app\","
            + "to=\"unhealthy\"} 1.0")
        .contains("lb_health_transitions_total{backend=\"b\",from=\"unhealthy\",pool=\"app\","
            + "to=\"recovering\"} 1.0")
        .contains("lb_health_transitions_total{backend=\"b\",from=\"recovering\",pool=\"app\","
            + "to=\"healthy\"} 1.0");
    Map<String, Integer> back = traffic(40);
    assertThat(back.get("b")).isBetween(17, 23);
  }
}
