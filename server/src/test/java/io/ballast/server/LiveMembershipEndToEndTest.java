package io.ballast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.core.Backend;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.server.config.ConfigLoader;
import io.ballast.server.testing.Calls;
import io.ballast.server.testing.TestBackend;
import io.ballast.server.testing.TestBackends;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pools, listeners and settings that change while they serve, through the real reload path
 * (POST /admin/reload on a real ballast) with real backends on loopback and real clients
 * sending requests the whole time.
 */
class LiveMembershipEndToEndTest {
  private static final String TOKEN = "membership-test-token-0123456789";
  /** Every algorithm a reload switches between; the hash ones take a key. */
  private static final List<String> ALGORITHMS = List.of("round-robin", "weighted-round-robin",
      "least-request", "peak-ewma", "auto", "least-connections", "random", "maglev",
      "ring-hash");

  @AutoClose
  final TestBackends backends = new TestBackends();
  private final Calls calls = new Calls(TOKEN);
  private final HttpClient client = calls.client();
  @TempDir Path dir;
  private Path file;
  private Ballast ballast;
  private final List<TestBackend> b = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    for (int i = 0; i < 6; i++) {
      b.add(backends.start("b" + i));
    }
    file = dir.resolve("ballast.yaml");
  }

  @AfterEach
  void stop() {
    if (ballast != null) {
      ballast.stop();
    }
  }

  /** A config of pool {@code app} over the backends {@code members} with these weights. */
  private String config(String algorithm, List<Integer> members, List<Integer> weights,
      String extra) {
    StringBuilder list = new StringBuilder();
    for (int k = 0; k < members.size(); k++) {
      int i = members.get(k);
      list.append("      - {name: b").append(i).append(", address: \"").append(b.get(i).address())
          .append("\", weight: ").append(weights.get(k)).append("}\n");
    }
    boolean hash = algorithm.equals("maglev") || algorithm.equals("ring-hash");
    return """
        listeners:
          - name: web
            bind: "127.0.0.1:0"
            pool: app
        pools:
          - name: app
            algorithm: %s
        %s    backends:
        %s
        admin:
          bind: "127.0.0.1:0"
          token: "%s"
        access_log:
          enabled: false
        %s""".formatted(algorithm, hash ? "    hash_key: {source: header, name: X-User}\n" : "",
        list.toString().stripTrailing(), TOKEN, extra);
  }

  private void boot(String yaml) throws Exception {
    Files.writeString(file, yaml);
    ballast = Ballast.start(ConfigLoader.load(file).orElseThrow(), 1, file);
    calls.to(ballast);
  }

  private HttpResponse<String> reload(String yaml) throws Exception {
    Files.writeString(file, yaml);
    return calls.reload();
  }

  private String url(int listener, String path) {
    return calls.url(listener, path);
  }

  private HttpResponse<String> get(String url) throws Exception {
    return calls.getUrl(url, "X-User", "u" + new Random().nextInt(1000));
  }

  /** Clients that send requests until stopped, counting every answer that is not a 200. */
  private final class Load implements AutoCloseable {
    final AtomicBoolean running = new AtomicBoolean(true);
    final AtomicInteger ok = new AtomicInteger();
    final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    final List<Thread> threads = new ArrayList<>();

    Load(int clients) {
      for (int t = 0; t < clients; t++) {
        Thread th = new Thread(() -> {
          while (running.get()) {
            try {
              HttpResponse<String> r = get(url(0, "/"));
              if (r.statusCode() == 200) {
                ok.incrementAndGet();
              } else {
                failures.add(r.statusCode() + " " + r.body());
              }
            } catch (Exception e) {
              failures.add(e.toString());
            }
          }
        }, "load-" + t);
        th.start();
        threads.add(th);
      }
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      for (Thread t : threads) {
        t.join(10_000);
      }
    }
  }

  @Test
  void aHundredReloadsAddRemoveReweightAndSwitchAlgorithmsUnderLoadWithNoFailedRequest()
      throws Exception {
    boot(config("round-robin", List.of(0, 1), List.of(1, 1), ""));
    Random random = new Random(42);
    List<Integer> last = List.of(0, 1);
    int applied = 0;
    Load load = new Load(4);
    try {
      for (int n = 0; n < 100; n++) {
        List<Integer> members = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
          if (random.nextInt(3) > 0) {
            members.add(i);
          }
        }
        if (members.isEmpty()) {
          members.add(random.nextInt(6));
        }
        List<Integer> weights = new ArrayList<>();
        members.forEach(i -> weights.add(1 + random.nextInt(5)));
        String algorithm = ALGORITHMS.get(n % ALGORITHMS.size());
        HttpResponse<String> r = reload(config(algorithm, members, weights, ""));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        applied += r.body().contains("\"outcome\":\"applied\"") ? 1 : 0;
        last = members;
      }
      Thread.sleep(300);
    } finally {
      load.close();
    }
    assertThat(load.failures).isEmpty();
    assertThat(load.ok.get()).isGreaterThan(200);
    assertThat(applied).isGreaterThanOrEqualTo(95);
    LoadBalancer pool = ballast.pools().get("app");
    List<String> expected = last.stream().map(i -> "b" + i).toList();
    assertThat(pool.backends().stream().map(Backend::name).toList())
        .containsExactlyInAnyOrderElementsOf(expected);
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 60; i++) {
      seen.add(get(url(0, "/")).body());
    }
    assertThat(expected).containsAll(seen);
  }

  @Test
  void aRemovedBackendFinishesItsRequestsInFlightAndTakesNoNewOne() throws Exception {
    boot(config("round-robin", List.of(0, 1), List.of(1, 1), ""));
    LoadBalancer pool = ballast.pools().get("app");
    Backend b0 = pool.backend("b0");
    // Requests held on b0 (and b1) for 1.5 s while b0 leaves the pool.
    List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> slow = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      slow.add(client.sendAsync(HttpRequest.newBuilder(URI.create(url(0, "/slow?ms=1500")))
          .build(), HttpResponse.BodyHandlers.ofString()));
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> b0.load().inFlight() > 0);
    HttpResponse<String> r = reload(config("round-robin", List.of(1), List.of(1), ""));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(pool.backend("b0")).isNull();
    assertThat(pool.removing(b0)).isTrue();
    int before = b.get(0).requests();
    for (int i = 0; i < 20; i++) {
      assertThat(get(url(0, "/")).body()).isEqualTo("b1");
    }
    assertThat(b.get(0).requests()).isEqualTo(before);
    for (var f : slow) {
      HttpResponse<String> done = f.get(10, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(done.statusCode()).isEqualTo(200);
      assertThat(done.body()).isIn("b0", "b1");
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> !pool.knows(b0));
    assertThat(b0.load().connections()).isZero();
  }

  @Test
  void listenersOpenCloseAndMoveByReloadAndTheOthersKeepServing() throws Exception {
    String second = """
        listeners:
          - name: web
            bind: "127.0.0.1:0"
            pool: app
          - name: api
            bind: "127.0.0.1:0"
            pool: app
        """;
    boot(config("round-robin", List.of(0), List.of(1), ""));
    int web = ballast.proxyAddresses().get(0).getPort();
    HttpResponse<String> r = reload(config("round-robin", List.of(0), List.of(1), "")
        .replace("""
            listeners:
              - name: web
                bind: "127.0.0.1:0"
                pool: app
            """, second));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.body()).contains("listener api added on 127.0.0.1:");
    assertThat(ballast.proxyAddresses()).hasSize(2);
    assertThat(ballast.proxyAddresses().get(0).getPort()).isEqualTo(web);
    int api = ballast.proxyAddresses().get(1).getPort();
    assertThat(get(url(1, "/")).body()).isEqualTo("b0");

    // The first listener goes; the second keeps its socket and serves on.
    HttpResponse<String> r2 = reload(config("round-robin", List.of(0), List.of(1), "")
        .replace("name: web", "name: api"));
    assertThat(r2.statusCode()).as(r2.body()).isEqualTo(200);
    assertThat(r2.body()).contains("listener web removed");
    assertThat(ballast.proxyAddresses()).singleElement()
        .extracting(java.net.InetSocketAddress::getPort).isEqualTo(api);
    assertThat(get(url(0, "/")).body()).isEqualTo("b0");
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> client.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + web + "/")).build(),
            HttpResponse.BodyHandlers.ofString())).isInstanceOf(ConnectException.class));

    // A listener whose address is taken is refused before anything changes.
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1,
        java.net.InetAddress.getLoopbackAddress())) {
      HttpResponse<String> r3 = reload(config("round-robin", List.of(1), List.of(1), "")
          .replace("name: web", "name: api").replace("bind: \"127.0.0.1:0\"\n    pool: app",
              "bind: \"127.0.0.1:" + taken.getLocalPort() + "\"\n    pool: app"));
      assertThat(r3.statusCode()).as(r3.body()).isEqualTo(409);
      assertThat(r3.body()).contains("listeners.api.bind: cannot bind");
    }
    assertThat(get(url(0, "/")).body()).isEqualTo("b0");
  }

  @Test
  void timeoutsAndTheAccessLogChangeLive() throws Exception {
    Path first = dir.resolve("first.log");
    Path second = dir.resolve("second.log");
    String log = "access_log:\n  path: \"%s\"\n";
    boot(config("round-robin", List.of(0), List.of(1), "")
        .replace("access_log:\n  enabled: false\n", log.formatted(first)));
    assertThat(get(url(0, "/slow?ms=300")).statusCode()).isEqualTo(200);
    HttpResponse<String> r = reload(config("round-robin", List.of(0), List.of(1),
        "timeouts: {response: 100ms}\n")
        .replace("access_log:\n  enabled: false\n", log.formatted(second)));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.body()).contains("timeouts.response", "access_log.path");
    HttpResponse<String> slow = get(url(0, "/slow?ms=1000"));
    assertThat(slow.statusCode()).isEqualTo(504);
    assertThat(get(url(0, "/")).statusCode()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(second)
        && Files.readAllLines(second).size() >= 2);
    assertThat(Files.readString(second)).contains("\"status\":504");
    assertThat(Files.readString(first)).contains("/slow?ms=300").doesNotContain("\"status\":504");
  }

  @Test
  void aBadReloadNamesItsLineAndTheRunningPoolKeepsServing() throws Exception {
    boot(config("round-robin", List.of(0, 1), List.of(1, 1), ""));
    String dup = config("round-robin", List.of(0, 1), List.of(1, 1), "")
        .replace("- {name: b1,", "- {name: b0,");
    HttpResponse<String> r = reload(dup);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("\"outcome\":\"invalid\"", "pools[0].backends[1].name",
        "\"line\":10");
    String unknown = config("round-robin", List.of(0), List.of(1), "").replace("pool: app",
        "pool: nowhere");
    HttpResponse<String> r2 = reload(unknown);
    assertThat(r2.statusCode()).isEqualTo(400);
    assertThat(r2.body()).contains("nowhere");
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 10; i++) {
      seen.add(get(url(0, "/")).body());
    }
    assertThat(seen).containsExactlyInAnyOrder("b0", "b1");
  }
}
