package io.ballast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.core.Backend;
import io.ballast.core.pool.LoadBalancer;
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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * Session affinity wired from YAML: cookie sessions on a soft route and a strict route of the same
 * pool, header sessions with an IP fallback, a backend killed under them, and the metrics.
 */
class AffinityEndToEndTest {
  private static final String KEY = "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=";
  @AutoClose
  final TestBackends started = new TestBackends();
  private final List<TestBackend> backends = new ArrayList<>();
  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private Ballast ballast;

  @AfterEach
  void tearDown() {
    if (ballast != null) {
      ballast.stop();
    }
  }

  private void start() throws Exception {
    for (String n : List.of("c1", "c2", "c3", "t1", "t2")) {
      backends.add(started.start(n));
    }
    String yaml = """
        listeners:
          - name: web
            bind: "127.0.0.1:0"
            routes:
              - {name: pay, match: {path: {prefix: /pay}}, pool: cart, affinity: strict}
              - {name: shop, match: {path: {prefix: /shop}}, pool: cart}
              - {name: tenants, pool: tenants}
        pools:
          - name: cart
            algorithm: round-robin
            backends:
              - {name: c1, address: "%s"}
              - {name: c2, address: "%s"}
              - {name: c3, address: "%s"}
            health_check: {path: /health, interval: 150ms, timeout: 150ms, rise: 1, fall: 1}
            affinity:
              by: cookie
              cookie: {name: CART, max_age: 30m, secure: false, keys: ["%s"]}
          - name: tenants
            backends:
              - {name: t1, address: "%s"}
              - {name: t2, address: "%s"}
            affinity: {by: header, header: X-Tenant, fallback: ip, table: {size: 1000, idle: 5m}}
        forwarding:
          trusted_proxies: ["127.0.0.0/8"]
        admin:
          bind: "127.0.0.1:0"
        access_log:
          enabled: false
        """.formatted(backends.get(0).address(), backends.get(1).address(),
            backends.get(2).address(), KEY, backends.get(3).address(), backends.get(4).address());
    ballast = Ballast.start(ConfigLoader.parse(yaml, "test.yaml").orElseThrow(), 1);
  }

  private HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + ballast.proxyAddresses().get(0).getPort() + path)).timeout(Duration.ofSeconds(10));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static Optional<String> cartCookie(HttpResponse<?> r) {
    return r.headers().allValues("set-cookie").stream().filter(v -> v.startsWith("CART="))
        .map(v -> v.substring(5, v.indexOf(';'))).findFirst();
  }

  private PromText metrics() throws Exception {
    return new PromText(client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
            + ballast.adminAddress().getPort() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body());
  }

  @Test
  void cookieSessionsSurviveABackendKillAndStrictRoutesRefuseInstead() throws Exception {
    start();
    Map<String, String> cookies = new LinkedHashMap<>();
    Map<String, String> homes = new HashMap<>();
    for (int s = 0; s < 24; s++) {
      HttpResponse<String> r = get("/shop/cart");
      assertThat(r.headers().allValues("set-cookie")).singleElement().asString()
          .endsWith("; Path=/; Max-Age=1800; HttpOnly; SameSite=Lax");
      cookies.put("s" + s, cartCookie(r).orElseThrow());
      homes.put("s" + s, r.body());
    }
    assertThat(homes.values()).contains("c1", "c2", "c3");
    // 1000 requests over both routes of the pool: each stays on its session's backend.
    for (int i = 0; i < 1000; i++) {
      String s = "s" + (i % 24);
      HttpResponse<String> r = get(i % 2 == 0 ? "/shop/x" : "/pay/x",
          "Cookie", "CART=" + cookies.get(s));
      assertThat(r.body()).isEqualTo(homes.get(s));
    }
    // A tampered cookie is a new session, counted.
    String bad = cookies.get("s0").substring(0, 20) + (cookies.get("s0").charAt(20) == 'x' ? 'y'
        : 'x') + cookies.get("s0").substring(21);
    assertThat(cartCookie(get("/shop/x", "Cookie", "CART=" + bad))).isPresent();

    String victim = homes.get("s0");
    backends.stream().filter(b -> b.name().equals(victim)).findFirst().orElseThrow().close();
    LoadBalancer cart = ballast.pools().get("cart");
    Backend gone = cart.backends().stream().filter(b -> b.name().equals(victim)).findFirst()
        .orElseThrow();
    await().atMost(Duration.ofSeconds(10)).until(() -> !cart.available(gone));

    int moved = 0;
    for (var e : cookies.entrySet()) {
      boolean lost = homes.get(e.getKey()).equals(victim);
      // Strict: the session's backend is gone, so 503 and the pin stays as it was.
      HttpResponse<String> pay = get("/pay/x", "Cookie", "CART=" + e.getValue());
      assertThat(pay.statusCode()).isEqualTo(lost ? 503 : 200);
      assertThat(cartCookie(pay)).isEmpty();
      // Soft: the same session moves, once, and says so in a new cookie.
      HttpResponse<String> shop = get("/shop/x", "Cookie", "CART=" + e.getValue());
      assertThat(shop.statusCode()).isEqualTo(200);
      if (lost) {
        moved++;
        assertThat(shop.body()).isNotEqualTo(victim);
        String next = cartCookie(shop).orElseThrow();
        assertThat(get("/pay/x", "Cookie", "CART=" + next).body()).isEqualTo(shop.body());
      } else {
        assertThat(shop.body()).isEqualTo(homes.get(e.getKey()));
        assertThat(cartCookie(shop)).isEmpty();
      }
    }
    PromText m = metrics();
    assertThat(m.get("lb_affinity_cookies_rejected_total",
        Map.of("pool", "cart", "reason", "tampered"))).isEqualTo(1.0);
    assertThat(m.get("lb_affinity_sessions_total", Map.of("pool", "cart", "outcome", "moved")))
        .isEqualTo(moved);
    assertThat(m.get("lb_affinity_sessions_total", Map.of("pool", "cart", "outcome", "refused")))
        .isEqualTo(moved);
    assertThat(m.get("lb_affinity_sessions_total", Map.of("pool", "cart", "outcome", "kept")))
        .isGreaterThanOrEqualTo(1000);
    // 24 new sessions, one after the tampered cookie, one per moved session.
    assertThat(m.get("lb_affinity_cookies_set_total", Map.of("pool", "cart")))
        .isEqualTo(24 + 1 + moved);
    // The admin view: strategy and counts, never a key.
    String view = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
            + ballast.adminAddress().getPort() + "/admin/affinity")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    assertThat(view).contains("\"pool\":\"cart\"", "\"by\":\"cookie\"", "\"cookie\":\"CART\"",
        "\"moved\":" + moved, "\"tampered\":1", "\"pool\":\"tenants\"", "\"fallback\":\"ip\"")
        .doesNotContain(KEY);
  }

  @Test
  void headerSessionsStickAndClientsWithoutItStickByAddress() throws Exception {
    start();
    Map<String, String> homes = new HashMap<>();
    for (int i = 0; i < 1000; i++) {
      String tenant = "acme-" + (i % 40);
      String body = get("/t", "X-Tenant", tenant).body();
      assertThat(homes.putIfAbsent(tenant, body)).isIn(null, body);
    }
    assertThat(homes.values()).contains("t1", "t2");
    // No header: the client address behind the trusted proxy is the session.
    Map<String, String> byIp = new HashMap<>();
    for (int i = 0; i < 200; i++) {
      String ip = "203.0." + (i % 20) + ".7";
      String body = get("/t", "X-Forwarded-For", ip).body();
      assertThat(byIp.putIfAbsent(ip, body)).isIn(null, body);
    }
    assertThat(metrics().get("lb_affinity_table_entries", Map.of("pool", "tenants")))
        .isEqualTo(60.0);
  }

  @Test
  void hashSessionsStayOnTheRingAndOnlyTheLostBackendsKeysMove() throws Exception {
    for (String n : List.of("h1", "h2", "h3", "h4")) {
      backends.add(started.start(n));
    }
    String yaml = """
        listeners:
          - {name: web, bind: "127.0.0.1:0", pool: users}
        pools:
          - name: users
            algorithm: maglev
            hash_key: {source: header, name: X-User}
            backends:
              - {name: h1, address: "%s"}
              - {name: h2, address: "%s"}
              - {name: h3, address: "%s"}
              - {name: h4, address: "%s"}
            health_check: {path: /health, interval: 150ms, timeout: 150ms, rise: 1, fall: 1}
            affinity: {by: hash}
        admin:
          bind: "127.0.0.1:0"
        access_log:
          enabled: false
        """.formatted(backends.get(0).address(), backends.get(1).address(),
            backends.get(2).address(), backends.get(3).address());
    ballast = Ballast.start(ConfigLoader.parse(yaml, "test.yaml").orElseThrow(), 1);
    Map<String, String> homes = new HashMap<>();
    for (int i = 0; i < 1000; i++) {
      String user = "user-" + (i % 50);
      String body = get("/", "X-User", user).body();
      assertThat(homes.putIfAbsent(user, body)).isIn(null, body);
    }
    assertThat(homes.values()).contains("h1", "h2", "h3", "h4");
    String victim = homes.get("user-0");
    backends.stream().filter(b -> b.name().equals(victim)).findFirst().orElseThrow().close();
    LoadBalancer users = ballast.pools().get("users");
    await().atMost(Duration.ofSeconds(10)).until(() -> users.backends().stream()
        .filter(b -> b.name().equals(victim)).noneMatch(users::available));
    for (int i = 0; i < 200; i++) {
      String user = "user-" + (i % 50);
      HttpResponse<String> r = get("/", "X-User", user);
      assertThat(r.statusCode()).isEqualTo(200);
      if (homes.get(user).equals(victim)) {
        assertThat(r.body()).isNotEqualTo(victim);
      } else {
        // Maglev moves only the lost backend's keys.
        assertThat(r.body()).as("user %s", user).isEqualTo(homes.get(user));
      }
    }
    // The ring is the memory: no table, no cookie, no session counters.
    assertThat(get("/", "X-User", "user-1").headers().allValues("set-cookie")).isEmpty();
    assertThat(metrics().value("lb_affinity_sessions_total", Map.of("pool", "users",
        "outcome", "kept"))).isEmpty();
  }
}
