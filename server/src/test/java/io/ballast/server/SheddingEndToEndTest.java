package io.ballast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.ballast.server.config.ConfigLoader;
import io.ballast.server.metrics.PromText;
import io.ballast.server.reload.ReloadResult;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Adaptive load shedding through the real proxy on loopback, in front of three backends that slow
 * down under concurrency (each serves 4 requests at a time, 20 ms each; more wait their turn):
 * a light load is never refused; an overload of sheddable requests with a few critical ones
 * sheds the sheddable ones (503, Retry-After), says so in the metrics, the decision log and the
 * access log; a reload turns shedding off live.
 */
class SheddingEndToEndTest {
  static {
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  @TempDir
  Path dir;

  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final List<HttpServer> servers = new ArrayList<>();
  private final List<ExecutorService> executors = new ArrayList<>();
  private final ExecutorService load = Executors.newFixedThreadPool(48);
  private Ballast ballast;

  @AfterEach
  void stop() throws Exception {
    load.shutdownNow();
    load.awaitTermination(10, TimeUnit.SECONDS);
    if (ballast != null) {
      ballast.stop();
    }
    servers.forEach(s -> s.stop(0));
    executors.forEach(ExecutorService::shutdownNow);
  }

  /** A backend with 4 workers that each take 20 ms a request: past 4 at once, requests queue. */
  private String backend() throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
    ExecutorService workers = Executors.newFixedThreadPool(4);
    server.setExecutor(workers);
    server.createContext("/", ex -> {
      try (ex) {
        ex.getRequestBody().transferTo(OutputStream.nullOutputStream());
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
      }
    });
    server.start();
    servers.add(server);
    executors.add(workers);
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  private String config(String a, String b, String c, boolean shedding) {
    return config(a, b, c, shedding, ", max_limit: 200");
  }

  private String config(String a, String b, String c, boolean shedding, String more) {
    return """
        listeners:
          - name: web
            bind: "127.0.0.1:0"
            pool: app
        pools:
          - name: app
            algorithm: least-request
            backends:
              - {name: a, address: "%s"}
              - {name: b, address: "%s"}
              - {name: c, address: "%s"}
            retries: {max_attempts: 1}
            shedding: {enabled: %s, interval: 200ms, min_samples: 10,
                       priority_header: X-Priority%s}
        admin:
          bind: "127.0.0.1:0"
        access_log:
          path: "%s"
        """.formatted(a, b, c, shedding, more, dir.resolve("access.log"));
  }

  /** Counts of one class's answers. */
  private record Tally(AtomicLong ok, AtomicLong shed, AtomicLong other) {
    Tally() {
      this(new AtomicLong(), new AtomicLong(), new AtomicLong());
    }
  }

  /** {@code clients} closed-loop clients of class {@code priority} (null: no header). */
  private void clients(int port, int clients, String priority, long untilNanos, Tally tally) {
    for (int i = 0; i < clients; i++) {
      load.submit(() -> {
        while (System.nanoTime() < untilNanos && !Thread.currentThread().isInterrupted()) {
          HttpRequest.Builder b = HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + port + "/work")).timeout(Duration.ofSeconds(10));
          if (priority != null) {
            b.header("X-Priority", priority);
          }
          HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
          if (r.statusCode() == 200) {
            tally.ok().incrementAndGet();
          } else if (r.statusCode() == 503
              && r.headers().firstValue("Retry-After").orElse("").equals("1")) {
            tally.shed().incrementAndGet();
            Thread.sleep(5); // a client that honours a refusal does not spin
          } else {
            tally.other().incrementAndGet();
          }
        }
        return null;
      });
    }
  }

  private String get(int port, String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  @Test
  void aLightLoadIsNeverRefusedAndAnOverloadShedsTheSheddableClassFirst() throws Exception {
    String a = backend();
    String b = backend();
    String c = backend();
    Path file = dir.resolve("ballast.yaml");
    Files.writeString(file, config(a, b, c, true));
    ballast = Ballast.start(ConfigLoader.load(file).orElseThrow(), 1, file);
    int port = ballast.proxyAddresses().get(0).getPort();
    int admin = ballast.adminAddress().getPort();

    // Light: 3 clients against 12 workers, for 3 s. Nothing may be refused.
    Tally light = new Tally();
    clients(port, 3, null, System.nanoTime() + Duration.ofSeconds(3).toNanos(), light);
    await().atMost(Duration.ofSeconds(10)).until(() -> light.ok().get() > 0
        && System.nanoTime() > 0 && lightDone(light));
    assertThat(light.shed().get()).as("refused while not overloaded").isZero();
    assertThat(light.other().get()).isZero();
    assertThat(light.ok().get()).isGreaterThan(100);

    // Overload: 40 sheddable clients and 4 critical ones against 12 workers, for 5 s.
    Tally sheddable = new Tally();
    Tally critical = new Tally();
    long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    clients(port, 40, "sheddable", until, sheddable);
    clients(port, 4, "critical", until, critical);
    await().atMost(Duration.ofSeconds(20)).until(() -> System.nanoTime() > until + 1_000_000_000L);

    assertThat(sheddable.shed().get()).as("sheddable refused").isGreaterThan(50);
    assertThat(sheddable.ok().get()).as("sheddable served").isGreaterThan(50);
    assertThat(critical.ok().get()).isGreaterThan(50);
    double criticalRefused = (double) critical.shed().get()
        / (critical.shed().get() + critical.ok().get());
    double sheddableRefused = (double) sheddable.shed().get()
        / (sheddable.shed().get() + sheddable.ok().get());
    assertThat(criticalRefused).as("critical refused share").isLessThan(sheddableRefused / 10);
    assertThat(sheddable.other().get() + critical.other().get()).isZero();

    PromText metrics = new PromText(get(admin, "/metrics"));
    assertThat(metrics.get("lb_shed_total", Map.of("pool", "app", "priority", "sheddable")))
        .isEqualTo((double) sheddable.shed().get());
    assertThat(metrics.get("lb_concurrency_limit", Map.of("pool", "app")))
        .isBetween(10.0, 200.0);
    JsonNode decisions = JsonMapper.builder().build()
        .readTree(get(admin, "/admin/decisions?pool=app&limit=1000"));
    List<String> messages = new ArrayList<>();
    decisions.get("decisions").forEach(d -> messages.add(d.get("message").asString()));
    assertThat(messages).anySatisfy(m -> assertThat(m).matches(
        "pool app concurrency_limit \\d+ → \\d+: p50 .* at the limit \\(\\d+ refused.*"));
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(Files.readString(dir.resolve("access.log")))
            .contains("shed: pool app at its concurrency limit (sheddable below "));

    // A reload turns it off live: the series go, nothing is refused.
    Files.writeString(file, config(a, b, c, false));
    ReloadResult result = ballast.reload(ReloadResult.Trigger.API).get(10, TimeUnit.SECONDS);
    assertThat(result.outcome()).isEqualTo("applied");
    assertThat(get(admin, "/metrics")).doesNotContain("lb_concurrency_limit{");
    Tally after = new Tally();
    clients(port, 40, "sheddable", System.nanoTime() + Duration.ofSeconds(1).toNanos(), after);
    await().atMost(Duration.ofSeconds(20)).until(() -> lightDone(after));
    assertThat(after.shed().get()).isZero();
  }

  @Test
  void withAWaitingLineRequestsThatMeetTheLimitWaitForAPlaceInsteadOfBeingRefused()
      throws Exception {
    String a = backend();
    String b = backend();
    String c = backend();
    Path file = dir.resolve("ballast.yaml");
    Files.writeString(file,
        config(a, b, c, true, ", max_limit: 200, queue_timeout: 2s, queue_size: 500"));
    ballast = Ballast.start(ConfigLoader.load(file).orElseThrow(), 1, file);
    int port = ballast.proxyAddresses().get(0).getPort();
    int admin = ballast.adminAddress().getPort();

    // A light load first: the limit comes down from its maximum to keep a headroom over it.
    Tally light = new Tally();
    clients(port, 3, null, System.nanoTime() + Duration.ofSeconds(3).toNanos(), light);
    await().atMost(Duration.ofSeconds(10)).until(() -> light.ok().get() > 0 && lightDone(light));
    assertThat(light.shed().get()).isZero();

    // 40 default-class clients against 12 workers for 4 s: the limit comes down to where the
    // backends keep their latency, and the requests above it wait for a place. A 2 s wait is
    // longer than any place takes to free (40 waiting behind 12 workers at 20 ms: under 100 ms),
    // so nothing is refused and every request is served.
    Tally overload = new Tally();
    long until = System.nanoTime() + Duration.ofSeconds(4).toNanos();
    clients(port, 40, null, until, overload);
    await().atMost(Duration.ofSeconds(20)).until(() -> System.nanoTime() > until
        && lightDone(overload));
    assertThat(overload.ok().get()).isGreaterThan(500);
    assertThat(overload.shed().get()).as("refused with a waiting line").isZero();
    assertThat(overload.other().get()).isZero();
    PromText metrics = new PromText(get(admin, "/metrics"));
    assertThat(metrics.get("lb_shed_waited_total", Map.of("pool", "app")))
        .as("requests that waited").isPositive();
    assertThat(metrics.get("lb_concurrency_in_flight", Map.of("pool", "app"))).isZero();
    // The admin view says the same, with the line's settings and each class's threshold.
    JsonNode view = JsonMapper.builder().build().readTree(get(admin, "/admin/shedding")).get(0);
    assertThat(view.get("pool").asString()).isEqualTo("app");
    assertThat(view.get("in_flight").asInt()).isZero();
    assertThat(view.get("baseline_p50_ms").asDouble()).isBetween(15.0, 200.0);
    int limit = view.get("concurrency_limit").asInt();
    assertThat(view.get("classes").get("critical").get("admitted_below").asInt()).isEqualTo(limit);
    assertThat(view.get("classes").get("default").get("admitted_below").asInt())
        .isEqualTo(Math.max(1, (int) (limit * 0.75)));
    assertThat(view.get("classes").get("default").get("refused").asLong()).isZero();
    assertThat(view.get("waiting_line").get("timeout_ms").asLong()).isEqualTo(2000);
    assertThat(view.get("waiting_line").get("size").asInt()).isEqualTo(500);
    assertThat(view.get("waiting_line").get("waiting").asInt()).isZero();
    assertThat(view.get("waiting_line").get("waited").asDouble())
        .isEqualTo(metrics.get("lb_shed_waited_total", Map.of("pool", "app")));

    // A reload to a 1 ms wait, and a limit of at most 30 (sheddable requests below 15 in flight,
    // whatever the limit learned above): the overload is refused again, after a wait that says
    // so.
    Files.writeString(file, config(a, b, c, true, ", max_limit: 30, queue_timeout: 1ms"));
    assertThat(ballast.reload(ReloadResult.Trigger.API).get(10, TimeUnit.SECONDS).outcome())
        .isEqualTo("applied");
    Tally shortWait = new Tally();
    long until2 = System.nanoTime() + Duration.ofSeconds(3).toNanos();
    clients(port, 40, "sheddable", until2, shortWait);
    await().atMost(Duration.ofSeconds(20)).until(() -> System.nanoTime() > until2
        && lightDone(shortWait));
    assertThat(shortWait.shed().get()).isPositive();
    assertThat(shortWait.other().get()).isZero();
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(Files.readString(dir.resolve("access.log")))
            .contains("; no place within 1 ms in its waiting line)"));
    assertThat(new PromText(get(admin, "/metrics"))
        .get("lb_concurrency_in_flight", Map.of("pool", "app"))).isZero();
  }

  /** True once no answer arrived for 300 ms (the clients have stopped). */
  private static boolean lightDone(Tally t) throws InterruptedException {
    long before = t.ok().get() + t.shed().get() + t.other().get();
    Thread.sleep(300);
    return t.ok().get() + t.shed().get() + t.other().get() == before;
  }
}
