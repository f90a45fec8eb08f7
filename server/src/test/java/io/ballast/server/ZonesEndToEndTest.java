package io.ballast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.server.config.ConfigLoader;
import io.ballast.server.testing.TestBackend;
import io.ballast.server.testing.TestBackends;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Zone-aware balancing from YAML through the real proxy: two zones of eu-west and one of
 * us-east, clients placed by a trusted header and by a network table; spill-over below the
 * minimum healthy share, region failover and failback, measured on real backends.
 */
class ZonesEndToEndTest {
  private static final String TOKEN = "zones-test-token-0123456789";
  private static final String ZONE_HEADER = "X-Client-Zone";
  @AutoClose
  final TestBackends backends = new TestBackends();
  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private Ballast ballast;
  @TempDir
  Path dir;

  @AfterEach
  void stop() {
    if (ballast != null) {
      ballast.stop();
    }
  }

  private TestBackend backend(String name) throws Exception {
    return backends.start(name);
  }

  /** Answers by backend name of {@code n} requests sent with the zone header (null: none). */
  private Map<String, Integer> send(int n, String zone) throws Exception {
    Map<String, Integer> counts = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
          + ballast.proxyAddresses().get(0).getPort() + "/x")).timeout(Duration.ofSeconds(10));
      if (zone != null) {
        b.header(ZONE_HEADER, zone);
      }
      HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as("answer %s", r.body()).isEqualTo(200);
      counts.merge(r.body(), 1, Integer::sum);
    }
    return counts;
  }

  private static int sum(Map<String, Integer> counts, String prefix) {
    return counts.entrySet().stream().filter(e -> e.getKey().startsWith(prefix))
        .mapToInt(Map.Entry::getValue).sum();
  }

  private String admin(String method, String path) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
            + ballast.adminAddress().getPort() + path)).timeout(Duration.ofSeconds(10))
        .method(method, HttpRequest.BodyPublishers.noBody())
        .header("Authorization", "Bearer " + TOKEN);
    HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("%s %s: %s", method, path, r.body()).isEqualTo(200);
    return r.body();
  }

  private String config(List<TestBackend> a, List<TestBackend> b, List<TestBackend> u,
      String trusted, Path table, Path accessLog) {
    StringBuilder backends = new StringBuilder();
    for (var e : List.of(Map.entry("eu-west/eu-west-1a", a), Map.entry("eu-west/eu-west-1b", b),
        Map.entry("us-east/us-east-1a", u))) {
      for (TestBackend t : e.getValue()) {
        backends.append("      - {name: ").append(t.name()).append(", address: \"")
            .append(t.address()).append("\", zone: ").append(e.getKey()).append("}\n");
      }
    }
    return """
        listeners:
          - {name: web, bind: "127.0.0.1:0", pool: api}
        pools:
          - name: api
            algorithm: round-robin
            panic_threshold: 0
            health_check: {path: /health, interval: 50ms, timeout: 40ms, rise: 1, fall: 1}
            backends:
        %s
            zones:
              min_healthy_percent: 70
              region_priority: [eu-west, us-east]
              latency:
                eu-west/eu-west-1a: {eu-west/eu-west-1b: 2ms}
                eu-west-1c: {eu-west-1b: 1ms, eu-west-1a: 3ms}
        forwarding:
          trusted_proxies: [%s]
        locality:
          header: %s
          cidr_file: "%s"
        admin:
          bind: "127.0.0.1:0"
          token: "%s"
        access_log:
          enabled: %s
          path: "%s"
        """.formatted(backends.toString().stripTrailing(), trusted, ZONE_HEADER, table, TOKEN,
            accessLog != null, accessLog == null ? "stdout" : accessLog);
  }

  @Test
  void trafficStaysLocalSpillsByThePlanFailsOverTheRegionAndComesBack() throws Exception {
    List<TestBackend> a = List.of(backend("a1"), backend("a2"), backend("a3"));
    List<TestBackend> b = List.of(backend("b1"), backend("b2"));
    List<TestBackend> u = List.of(backend("u1"), backend("u2"));
    Path table = Files.writeString(dir.resolve("clients.txt"), """
        # clients of this test connect from loopback
        127.0.0.0/8   eu-west/eu-west-1b
        10.0.0.0/8    eu-west/eu-west-1c   # a zone with clients only
        fd00::/8      us-east/us-east-1a
        """);
    Path accessLog = dir.resolve("access.log");
    ballast = Ballast.start(ConfigLoader.parse(config(a, b, u, "127.0.0.1", table, accessLog),
        "zones.yaml").orElseThrow(), 1);
    await().atMost(Duration.ofSeconds(10)).until(() -> ballast.pools().get("api").backends()
        .stream().allMatch(ballast.pools().get("api")::available));

    // Healthy: clients of each zone stay there, exactly.
    int n = 300;
    Map<String, Integer> local = send(n, "eu-west/eu-west-1a");
    assertThat(sum(local, "a")).as("%s", local).isEqualTo(n);
    assertThat(local.keySet()).containsExactlyInAnyOrder("a1", "a2", "a3");
    // No header: the table places loopback clients in eu-west-1b.
    Map<String, Integer> byTable = send(100, null);
    assertThat(sum(byTable, "b")).as("%s", byTable).isEqualTo(100);
    // Clients of a zone without backends go to the nearest zone by the latency matrix.
    Map<String, Integer> clientsOnly = send(100, "eu-west/eu-west-1c");
    assertThat(sum(clientsOnly, "b")).as("%s", clientsOnly).isEqualTo(100);
    // A zone the pool does not know: balanced over the whole pool.
    Map<String, Integer> unknown = send(140, "ap-south/ap-south-1a");
    assertThat(unknown.keySet()).hasSize(7);

    // Two of eu-west-1a's three backends fail their health checks: 1/3 of its weight is up,
    // under 70%: it keeps (1/3) / 0.7 = 47.6% and spills 52.4% to eu-west-1b, none further.
    a.get(0).healthStatus(503);
    a.get(1).healthStatus(503);
    await().atMost(Duration.ofSeconds(10)).until(() -> admin("GET", "/admin/zones")
        .contains("{\"zone\":\"eu-west/eu-west-1a\",\"up\":1,\"total\":3}"));
    String zones = admin("GET", "/admin/zones");
    assertThat(zones).contains("{\"client_zone\":\"eu-west/eu-west-1a\",\"backends_here\":true,"
        + "\"shares\":[{\"zone\":\"eu-west/eu-west-1a\",\"share\":0.4762,\"latency_ms\":0.0},"
        + "{\"zone\":\"eu-west/eu-west-1b\",\"share\":0.5238,\"latency_ms\":2.0}]}");
    int spillN = 600;
    Map<String, Integer> spill = send(spillN, "eu-west/eu-west-1a");
    double share = sum(spill, "b") / (double) spillN;
    // Binomial standard deviation at 600 draws of 52.4% is 2.0 points; 5 of them is 10.
    assertThat(share).as("%s", spill).isBetween(0.524 - 0.10, 0.524 + 0.10);
    assertThat(sum(spill, "u")).as("%s", spill).isZero();
    assertThat(spill.keySet()).doesNotContain("a1", "a2");
    assertThat(sum(spill, "a3")).isEqualTo(spillN - sum(spill, "b"));
    assertThat(admin("GET", "/metrics")).contains("lb_zone_plan_share{client_zone="
        + "\"eu-west/eu-west-1a\",pool=\"api\",target_zone=\"eu-west/eu-west-1b\"} 0.5238");
    assertThat(admin("GET", "/admin/decisions?pool=api")).contains("\"kind\":\"zone\"")
        .contains("clients in eu-west/eu-west-1a: 47.6% stay (1 of 3 backends up");

    // The whole region is out (the rest of eu-west-1a fails its check, eu-west-1b goes into
    // maintenance): everything fails over to us-east.
    a.get(2).healthStatus(503);
    admin("POST", "/admin/pools/api/backends/b1/maintenance");
    admin("POST", "/admin/pools/api/backends/b2/maintenance");
    await().atMost(Duration.ofSeconds(10)).until(() -> admin("GET", "/admin/zones")
        .contains("{\"client_zone\":\"eu-west/eu-west-1a\",\"backends_here\":true,"
            + "\"shares\":[{\"zone\":\"us-east/us-east-1a\",\"share\":1.0"));
    Map<String, Integer> failover = send(100, "eu-west/eu-west-1a");
    assertThat(sum(failover, "u")).as("%s", failover).isEqualTo(100);

    // Back: every client of eu-west-1a is served in its zone again.
    a.forEach(t -> t.healthStatus(200));
    admin("POST", "/admin/pools/api/backends/b1/activate");
    admin("POST", "/admin/pools/api/backends/b2/activate");
    await().atMost(Duration.ofSeconds(10)).until(() -> admin("GET", "/admin/zones")
        .contains("{\"client_zone\":\"eu-west/eu-west-1a\",\"backends_here\":true,"
            + "\"shares\":[{\"zone\":\"eu-west/eu-west-1a\",\"share\":1.0,"));
    Map<String, Integer> failback = send(n, "eu-west/eu-west-1a");
    assertThat(sum(failback, "a")).as("%s", failback).isEqualTo(n);

    await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(accessLog)
        && Files.readString(accessLog).contains("\"client_zone\":\"eu-west/eu-west-1c\""));
    assertThat(Files.readString(accessLog)).contains("\"client_zone\":\"eu-west/eu-west-1b\"");
  }

  @Test
  void aHeaderFromAPeerThatIsNoTrustedProxyIsIgnoredAndTheTableDecides() throws Exception {
    List<TestBackend> a = List.of(backend("a1"));
    List<TestBackend> b = List.of(backend("b1"));
    List<TestBackend> u = List.of(backend("u1"));
    Path table = Files.writeString(dir.resolve("clients.txt"), """
        127.0.0.1/32 us-east/us-east-1a
        127.0.0.0/8 eu-west/eu-west-1b
        10.0.0.0/8 eu-west/eu-west-1c
        """);
    ballast = Ballast.start(ConfigLoader.parse(config(a, b, u, "10.9.9.9", table, null),
        "zones.yaml").orElseThrow(), 1);
    await().atMost(Duration.ofSeconds(10)).until(() -> ballast.pools().get("api").backends()
        .stream().allMatch(ballast.pools().get("api")::available));

    // The longest prefix (127.0.0.1/32) wins over 127.0.0.0/8; the header is not trusted.
    Map<String, Integer> counts = send(50, "eu-west/eu-west-1a");
    assertThat(counts).containsExactly(Map.entry("u1", 50));
    assertThat(admin("GET", "/admin/zones")).contains("\"pool\":\"api\"")
        .contains("{\"zone\":\"us-east/us-east-1a\",\"up\":1,\"total\":1}");
  }
}
