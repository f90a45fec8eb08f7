package io.ballast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.server.config.ConfigLoader;
import io.ballast.server.metrics.PromText;
import io.ballast.server.testing.TestBackend;
import io.ballast.server.testing.TestBackends;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/** Routes, a canary split and a blue-green switch through the admin listener, wired from YAML. */
class RoutingEndToEndTest {
  private static final String TOKEN = "routing-test-token-0123456789";
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

  private HttpResponse<String> get(String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
            + ballast.proxyAddresses().get(0).getPort() + path)).timeout(Duration.ofSeconds(10))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> admin(String method, String path, String body, String token)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
            + ballast.adminAddress().getPort() + path)).timeout(Duration.ofSeconds(10))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void blueGreenSwitchesThroughTheAdminListenerUnderLoadWithNoFailedRequest() throws Exception {
    TestBackend blue = backends.start("blue");
    TestBackend green = backends.start("green");
    TestBackend stable = backends.start("stable");
    TestBackend canary = backends.start("canary");
    TestBackend shadow = backends.start("shadow");
    String yaml = """
        listeners:
          - name: web
            bind: "127.0.0.1:0"
            routes:
              - name: app
                match: {path: {prefix: /app}}
                blue_green: {blue: blue, green: green, active: blue}
                mirror: {pool: shadow, percent: 100}
              - name: api
                match: {path: {prefix: /api}}
                split:
                  groups:
                    - {name: stable, pool: stable, weight: 100}
                    - {name: canary, pool: canary, weight: 0}
                  force_header: X-Canary
        pools:
          - {name: blue, backends: [{address: "%s"}]}
          - {name: green, backends: [{address: "%s"}]}
          - {name: stable, backends: [{address: "%s"}]}
          - {name: canary, backends: [{address: "%s"}]}
          - {name: shadow, backends: [{address: "%s"}]}
        admin:
          bind: "127.0.0.1:0"
          token: "%s"
        access_log:
          enabled: false
        """.formatted(blue.address(), green.address(), stable.address(), canary.address(),
            shadow.address(), TOKEN);
    ballast = Ballast.start(ConfigLoader.parse(yaml, "test.yaml").orElseThrow(), 1);

    assertThat(get("/app/x").body()).isEqualTo("blue");
    assertThat(get("/api/x").body()).isEqualTo("stable");
    assertThat(get("/api/x").headers().firstValue("X-Canary")).isEmpty();
    assertThat(client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
            + ballast.proxyAddresses().get(0).getPort() + "/api/x")).header("X-Canary", "canary")
        .build(), HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("canary");
    HttpResponse<String> none = get("/elsewhere");
    assertThat(none.statusCode()).isEqualTo(404);
    assertThat(none.body()).isEqualTo("no route\n");

    AtomicBoolean stop = new AtomicBoolean();
    ConcurrentLinkedQueue<String> answers = new ConcurrentLinkedQueue<>();
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < 3; t++) {
      Thread w = new Thread(() -> {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!stop.get() && System.nanoTime() < deadline) {
          try {
            HttpResponse<String> r = get("/app/page");
            answers.add(r.statusCode() == 200 ? r.body() : "status " + r.statusCode());
          } catch (Exception e) {
            answers.add("error " + e);
          }
        }
      });
      w.start();
      workers.add(w);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> answers.size() > 200);
    HttpResponse<String> switched = admin("POST", "/admin/splits/web/app", "{\"active\":\"green\"}",
        TOKEN);
    assertThat(switched.statusCode()).isEqualTo(200);
    assertThat(switched.body()).contains("\"active\":\"green\"")
        .contains("\"previous\":{\"blue\":100.0,\"green\":0.0}");
    int at = answers.size();
    await().atMost(Duration.ofSeconds(10)).until(() -> answers.size() > at + 200);
    int beforeBack = answers.size();
    assertThat(admin("POST", "/admin/splits/web/app", "{\"active\":\"blue\"}", TOKEN)
        .statusCode()).isEqualTo(200);
    int back = answers.size();
    await().atMost(Duration.ofSeconds(10)).until(() -> answers.size() > back + 200);
    stop.set(true);
    for (Thread w : workers) {
      w.join(30_000);
    }
    List<String> all = new ArrayList<>(answers);
    assertThat(all).containsOnly("blue", "green");
    assertThat(all.subList(at + 6, beforeBack)).containsOnly("green");
    assertThat(all.subList(back + 6, all.size())).containsOnly("blue");

    // Canary steps through the same endpoint; bad changes are refused and change nothing.
    assertThat(admin("POST", "/admin/splits/web/api",
        "{\"weights\":{\"stable\":50,\"canary\":50}}", TOKEN).statusCode()).isEqualTo(200);
    HttpResponse<String> bad = admin("POST", "/admin/splits/web/api",
        "{\"weights\":{\"stable\":50,\"canary\":40}}", TOKEN);
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).isEqualTo("weights of split api add up to 90 (expected: 100)\n");
    assertThat(admin("POST", "/admin/splits/web/api", "{\"active\":\"canary\"}", null)
        .statusCode()).isEqualTo(401);
    assertThat(admin("POST", "/admin/splits/web/nope", "{\"active\":\"canary\"}", TOKEN)
        .statusCode()).isEqualTo(404);
    assertThat(admin("POST", "/admin/splits/web/api", "not json", TOKEN).statusCode())
        .isEqualTo(400);
    String splits = admin("GET", "/admin/splits", null, null).body();
    assertThat(splits).contains("{\"listener\":\"web\",\"route\":\"api\",\"kind\":\"split\","
        + "\"groups\":[{\"name\":\"stable\",\"pool\":\"stable\",\"weight\":50.0},"
        + "{\"name\":\"canary\",\"pool\":\"canary\",\"weight\":50.0}]}");
    int canaryHits = 0;
    for (int i = 0; i < 400; i++) {
      canaryHits += get("/api/y").body().equals("canary") ? 1 : 0;
    }
    // 50 % of 400, sd 10.
    assertThat(canaryHits).isBetween(150, 250);

    PromText metrics = new PromText(admin("GET", "/metrics", null, null).body());
    assertThat(metrics.get("lb_requests_total", Map.of("pool", "green", "backend",
        "127.0.0.1:" + green.port(), "status", "200", "route", "app"))).isGreaterThan(100);
    assertThat(metrics.get("lb_requests_total", Map.of("pool", "none", "backend", "none",
        "status", "404", "route", "none"))).isEqualTo(1);
    assertThat(metrics.get("lb_split_requests_total", Map.of("listener", "web", "route", "app",
        "group", "green"))).isGreaterThan(100);
    // Every /app request was copied to the shadow pool too.
    await().atMost(Duration.ofSeconds(10)).until(() -> shadow.requests() == all.size() + 1);
    PromText after = new PromText(admin("GET", "/metrics", null, null).body());
    assertThat(after.get("lb_mirror_requests_total", Map.of("listener", "web", "route", "app",
        "outcome", "2xx"))).isEqualTo(all.size() + 1);
  }
}
