package io.ballast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.core.decision.Decision;
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
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Config reload through the real admin listener, the file watch and a real proxy: routes,
 * splits and pools change live, with no failed request; bad files and a move of the admin
 * listener keep the running config.
 */
class ReloadEndToEndTest {
  private static final String TOKEN = "reload-test-token-0123456789";
  @AutoClose
  final TestBackends backends = new TestBackends();
  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  @TempDir Path dir;
  private Path file;
  private Ballast ballast;
  private TestBackend a;
  private TestBackend b;
  private TestBackend stable;
  private TestBackend canary;
  private TestBackend shadow;

  @BeforeEach
  void backends() throws Exception {
    a = backends.start("a");
    b = backends.start("b");
    stable = backends.start("stable");
    canary = backends.start("canary");
    shadow = backends.start("shadow");
    file = dir.resolve("ballast.yaml");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (ballast != null) {
      ballast.stop();
    }
  }

  /** A whole config whose listener has {@code routes} (a YAML list, not indented). */
  private String config(String routes) {
    return config(routes, "");
  }

  private String config(String routes, String moreBackendsOfA) {
    return """
        listeners:
          - name: web
            bind: "127.0.0.1:0"
            routes:
        %s
        pools:
          - {name: a, backends: [{address: "%s"}%s]}
          - {name: b, backends: [{address: "%s"}]}
          - {name: stable, backends: [{address: "%s"}]}
          - {name: canary, backends: [{address: "%s"}]}
          - {name: shadow, backends: [{address: "%s"}]}
        admin:
          bind: "127.0.0.1:0"
          token: "%s"
        access_log:
          enabled: false
        """.formatted(routes.indent(6).stripTrailing(), a.address(), moreBackendsOfA, b.address(),
        stable.address(), canary.address(), shadow.address(), TOKEN);
  }

  private static String split(int stableWeight, int canaryWeight) {
    return """
        - name: api
          match: {path: {prefix: /api}}
          split:
            groups:
              - {name: stable, pool: stable, weight: %d}
              - {name: canary, pool: canary, weight: %d}
        """.formatted(stableWeight, canaryWeight);
  }

  private static final String NEW_ROUTE = """
      - name: new
        match: {path: {prefix: /new}}
        pool: b
      """;

  private static final String DEFAULT_ROUTE = """
      - name: rest
        pool: a
      """;

  private void start(String yaml) throws Exception {
    Files.writeString(file, yaml);
    ballast = Ballast.start(ConfigLoader.load(file).orElseThrow(), 1, file);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
            + ballast.proxyAddresses().get(0).getPort() + path)).timeout(Duration.ofSeconds(10))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> admin(String method, String path, String body) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
            + ballast.adminAddress().getPort() + path)).timeout(Duration.ofSeconds(10))
        .header("Authorization", "Bearer " + TOKEN)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Writes {@code yaml} to the config file and asks for a reload. */
  private HttpResponse<String> reload(String yaml) throws Exception {
    Files.writeString(file, yaml);
    return admin("POST", "/admin/reload", null);
  }

  private double reloads(String outcome) throws Exception {
    return new PromText(admin("GET", "/metrics", null).body())
        .get("lb_config_reloads_total", Map.of("outcome", outcome));
  }

  @Test
  void routesAndSplitsChangeUnderLoadWithNoFailedRequest() throws Exception {
    start(config(split(100, 0) + DEFAULT_ROUTE));
    assertThat(get("/api/x").body()).isEqualTo("stable");
    assertThat(get("/new/x").body()).isEqualTo("a");

    AtomicBoolean stop = new AtomicBoolean();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<String> answers = new ConcurrentLinkedQueue<>();
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < 3; t++) {
      String path = t == 0 ? "/api/load" : t == 1 ? "/new/load" : "/other/load";
      Thread w = new Thread(() -> {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!stop.get() && System.nanoTime() < deadline) {
          try {
            HttpResponse<String> r = get(path);
            answers.add(r.body());
            if (r.statusCode() != 200) {
              failures.add(path + ": status " + r.statusCode());
            }
          } catch (Exception e) {
            failures.add(path + ": " + e);
          }
        }
      });
      w.start();
      workers.add(w);
    }
    try {
      await().atMost(Duration.ofSeconds(10)).until(() -> answers.size() > 100);

      // A route is added in front of the default route: the next request takes it.
      HttpResponse<String> added = reload(config(split(100, 0) + NEW_ROUTE + DEFAULT_ROUTE));
      assertThat(added.statusCode()).as(added.body()).isEqualTo(200);
      assertThat(added.body()).contains("\"outcome\":\"applied\"", "\"trigger\":\"api\"",
          "\"name\":\"web\"", "\"added\":[\"new\"]", "\"changed\":[]");
      assertThat(get("/new/x").body()).isEqualTo("b");
      assertThat(get("/api/x").body()).isEqualTo("stable");
      int at = answers.size();
      await().atMost(Duration.ofSeconds(10)).until(() -> answers.size() > at + 100);

      // The split moves from 100/0 to 0/100.
      HttpResponse<String> flipped = reload(config(split(0, 100) + NEW_ROUTE + DEFAULT_ROUTE));
      assertThat(flipped.statusCode()).as(flipped.body()).isEqualTo(200);
      assertThat(flipped.body()).contains("\"changed\":[\"api\"]");
      for (int i = 0; i < 20; i++) {
        assertThat(get("/api/x").body()).isEqualTo("canary");
      }
      int at2 = answers.size();
      await().atMost(Duration.ofSeconds(10)).until(() -> answers.size() > at2 + 100);

      // The route goes again: its requests fall through to the default route.
      HttpResponse<String> removed = reload(config(split(0, 100) + DEFAULT_ROUTE));
      assertThat(removed.statusCode()).as(removed.body()).isEqualTo(200);
      assertThat(removed.body()).contains("\"removed\":[\"new\"]");
      assertThat(get("/new/x").body()).isEqualTo("a");
      int at3 = answers.size();
      await().atMost(Duration.ofSeconds(10)).until(() -> answers.size() > at3 + 100);
    } finally {
      stop.set(true);
      for (Thread w : workers) {
        w.join(30_000);
      }
    }
    assertThat(failures).isEmpty();
    assertThat(answers).contains("b", "canary");
    assertThat(reloads("applied")).isEqualTo(3);
    assertThat(ballast.decisionLog().snapshot())
        .filteredOn(d -> d.kind() == Decision.Kind.CONFIG)
        .extracting(Decision::reason)
        .containsExactly("config reloaded (api): listener web: added [new]",
            "config reloaded (api): listener web: changed [api]",
            "config reloaded (api): listener web: removed [new]");
  }

  @Test
  void aBadFileIsRefusedWithItsLinesAndTheOldRoutesKeepServing() throws Exception {
    String good = config(split(100, 0) + DEFAULT_ROUTE);
    start(good);
    String bad = config("""
        - name: api
          match: {path: {regex: "/api/(["}}
          pool: b
        - name: split
          match: {path: {prefix: /s}}
          split:
            groups:
              - {name: stable, pool: stable, weight: 90}
              - {name: canary, pool: canary, weight: 5}
        """ + DEFAULT_ROUTE);
    HttpResponse<String> r = reload(bad);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("\"outcome\":\"invalid\"",
        "\"field\":\"listeners[0].routes[0].match.path.regex\"", "\"line\":6",
        "\"line\":12", "add up to 95");
    assertThat(get("/api/x").body()).isEqualTo("stable");
    assertThat(get("/s/x").body()).isEqualTo("a");
    assertThat(reloads("invalid")).isEqualTo(1);
    assertThat(reloads("applied")).isZero();

    // The same good file again is unchanged; a missing file is invalid too.
    assertThat(reload(good).body()).contains("\"outcome\":\"unchanged\"");
    Files.delete(file);
    HttpResponse<String> missing = admin("POST", "/admin/reload", null);
    assertThat(missing.statusCode()).isEqualTo(400);
    assertThat(missing.body()).contains("file not found");
    assertThat(get("/api/x").body()).isEqualTo("stable");
  }

  @Test
  void aChangedPoolAppliesLiveWithTheRoutesOfTheSameFile() throws Exception {
    start(config(split(100, 0) + DEFAULT_ROUTE));
    TestBackend a2 = backends.start("a2");
    HttpResponse<String> r = reload(config(split(0, 100) + NEW_ROUTE + DEFAULT_ROUTE,
        ", {address: \"" + a2.address() + "\"}"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.body()).contains("\"outcome\":\"applied\"", "pool a: backends");
    // The split, the new route and the pool's new member all apply.
    assertThat(get("/api/x").body()).isEqualTo("canary");
    assertThat(get("/new/x").body()).isEqualTo("b");
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (int i = 0; i < 20; i++) {
      seen.add(get("/other").body());
    }
    assertThat(seen).containsExactlyInAnyOrder("a", "a2");
    assertThat(reloads("applied")).isEqualTo(1);
    assertThat(ballast.decisionLog().snapshot().stream()
        .filter(d -> d.kind() == Decision.Kind.MEMBERSHIP).map(Decision::backend))
        .contains(a2.address());
  }

  @Test
  void movingTheAdminListenerIsRefusedWith409NamingItAndNothingIsApplied() throws Exception {
    start(config(split(100, 0) + DEFAULT_ROUTE));
    HttpResponse<String> r = reload(config(split(0, 100) + NEW_ROUTE + DEFAULT_ROUTE)
        .replace("bind: \"127.0.0.1:0\"\n  token", "bind: \"127.0.0.1:1\"\n  token"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
    assertThat(r.body()).contains("\"outcome\":\"refused\"", "\"restart\":[\"admin.bind.port\"]",
        "admin.bind.port changed: the admin listener moves only with a restart; nothing applied");
    // Neither the split nor the new route was applied.
    assertThat(get("/api/x").body()).isEqualTo("stable");
    assertThat(get("/new/x").body()).isEqualTo("a");
    assertThat(reloads("refused")).isEqualTo(1);

    // Without the token, nothing reloads.
    HttpResponse<String> anonymous = client.send(HttpRequest.newBuilder(URI.create(
            "http://127.0.0.1:" + ballast.adminAddress().getPort() + "/admin/reload"))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(anonymous.statusCode()).isEqualTo(401);
  }

  @Test
  void anUnchangedSplitKeepsItsAdminWeightsAndMirrorsFollowTheFile() throws Exception {
    start(config(split(100, 0) + DEFAULT_ROUTE));
    assertThat(admin("POST", "/admin/splits/web/api",
        "{\"weights\":{\"stable\":0,\"canary\":100}}").statusCode()).isEqualTo(200);
    assertThat(get("/api/x").body()).isEqualTo("canary");

    // Another route changes (it gains a mirror): the split keeps the weights set through the API.
    String mirrored = """
        - name: rest
          pool: a
          mirror: {pool: shadow, percent: 100}
        """;
    HttpResponse<String> r = reload(config(split(100, 0) + mirrored));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.body()).contains("\"changed\":[\"rest\"]");
    assertThat(get("/api/x").body()).isEqualTo("canary");
    assertThat(admin("GET", "/admin/splits", null).body())
        .contains("{\"name\":\"stable\",\"pool\":\"stable\",\"weight\":0.0}");
    assertThat(get("/other").body()).isEqualTo("a");
    await().atMost(Duration.ofSeconds(10)).until(() -> shadow.requests() == 1);
    assertThat(new PromText(admin("GET", "/metrics", null).body()).get("lb_mirror_requests_total",
        Map.of("listener", "web", "route", "rest", "outcome", "sent"))).isEqualTo(1);

    // The split's own config changes (a group header): it starts again from the file's weights.
    // The mirror goes: the shadow gets no more copies.
    HttpResponse<String> r2 = reload(config(split(100, 0) + "    group_header: X-Group\n"
        + DEFAULT_ROUTE));
    assertThat(r2.statusCode()).as(r2.body()).isEqualTo(200);
    assertThat(r2.body()).contains("\"changed\":[\"api\",\"rest\"]");
    assertThat(get("/api/x").body()).isEqualTo("stable");
    for (int i = 0; i < 5; i++) {
      assertThat(get("/other").body()).isEqualTo("a");
    }
    assertThat(shadow.requests()).isEqualTo(1);
    assertThat(new PromText(admin("GET", "/metrics", null).body()).value(
        "lb_mirror_requests_total", Map.of("listener", "web", "route", "rest", "outcome", "sent")))
        .isEmpty();
  }

  @Test
  void theFileWatchAppliesMovedAndRewrittenFilesAndATouchIsUnchanged() throws Exception {
    start(config(split(100, 0) + DEFAULT_ROUTE));
    ballast.watchConfigFile();

    // A deploy tool's way: write a temporary file, move it over the config.
    Path tmp = dir.resolve("ballast.yaml.tmp");
    Files.writeString(tmp, config(split(100, 0) + NEW_ROUTE + DEFAULT_ROUTE));
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    await().atMost(Duration.ofSeconds(10)).until(() -> get("/new/x").body().equals("b"));

    // An editor's way: write the file in place.
    Files.writeString(file, config(split(0, 100) + NEW_ROUTE + DEFAULT_ROUTE));
    await().atMost(Duration.ofSeconds(10)).until(() -> get("/api/x").body().equals("canary"));
    await().atMost(Duration.ofSeconds(10)).until(() -> reloads("applied") == 2);

    // A touch leaves the bytes as they are.
    double unchanged = reloads("unchanged");
    Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
    await().atMost(Duration.ofSeconds(10)).until(() -> reloads("unchanged") == unchanged + 1);
    assertThat(reloads("applied")).isEqualTo(2);
    assertThat(get("/new/x").body()).isEqualTo("b");
  }
}
