package io.ballast.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.core.Backend;
import io.ballast.core.ControlLoop;
import io.ballast.core.Rng;
import io.ballast.core.Ticker;
import io.ballast.core.affinity.AffinitySettings;
import io.ballast.core.affinity.SessionCookieCodec;
import io.ballast.core.decision.DecisionLog;
import io.ballast.core.pick.Algorithm;
import io.ballast.core.pool.HealthSettings;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.pool.PoolListener;
import io.ballast.core.retry.RetryPolicy;
import io.ballast.core.retry.RetrySettings;
import io.ballast.proxy.affinity.AffinitySpec;
import io.ballast.proxy.affinity.PoolAffinity;
import io.ballast.proxy.client.Cidr;
import io.ballast.proxy.routing.HeaderOps;
import io.ballast.proxy.routing.PoolRef;
import io.ballast.proxy.routing.RouteMatch;
import io.ballast.proxy.routing.RouteSpec;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Session affinity through the real proxy and three real backends: cookie, IP and header
 * strategies hold over 1000 requests, survive a backend kill by moving exactly that backend's
 * sessions, never trust a damaged or foreign cookie, and strict routes refuse rather than move.
 */
class AffinityTest {
  private static final String KEY = Base64.getEncoder().encodeToString(new byte[16]);
  private static final String OTHER_KEY =
      Base64.getEncoder().encodeToString("another key 16 b".getBytes());

  private final ControlLoop control = new ControlLoop("test-control", Throwable::printStackTrace);
  private final List<TestBackend> backends = new ArrayList<>();
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final java.util.Queue<RequestLog> logs = new java.util.concurrent.ConcurrentLinkedQueue<>();
  private final DecisionLog decisions = new DecisionLog();
  private LoadBalancer pool;
  private PoolAffinity affinity;
  private ProxyServer proxy;
  private InetSocketAddress address;

  @AfterEach
  void stop() {
    if (proxy != null) {
      proxy.close();
    }
    if (affinity != null) {
      affinity.close();
    }
    backends.forEach(TestBackend::close);
    control.close();
  }

  private static AffinitySpec.Cookie cookie(String... keys) {
    return new AffinitySpec.Cookie("srv", "/", null, false, true, "Lax", Duration.ofHours(1),
        List.of(keys));
  }

  private static AffinitySpec spec(AffinitySpec.Strategy strategy, AffinitySpec.Cookie cookie,
      String header, AffinitySpec.Strategy fallback, boolean strict) {
    return new AffinitySpec(strategy, cookie, AffinitySpec.DEFAULT_CLIENT_IP, header, fallback,
        AffinitySpec.DEFAULT_TABLE_SIZE, AffinitySpec.DEFAULT_TABLE_IDLE,
        new AffinitySettings(AffinitySettings.DEFAULT_BOUNDED_LOAD, strict,
            AffinitySettings.Rebalance.OFF));
  }

  /** Three backends, round robin, passive health, the given affinity; 127.0.0.0/8 trusted. */
  private void start(AffinitySpec spec, Boolean routeStrict) {
    List<Backend> members = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      TestBackend b = new TestBackend("b" + i);
      backends.add(b);
      members.add(new Backend("b" + i, "127.0.0.1", b.port(), 1));
    }
    pool = new LoadBalancer("app", members, Algorithm.ROUND_ROBIN,
        HealthSettings.PASSIVE_ONLY, control, Rng.seeded(7),
        PoolListener.NONE);
    affinity = PoolAffinity.start(pool, spec, control, decisions);
    PoolRef ref = new PoolRef(pool, new RetryPolicy(RetrySettings.DEFAULTS, Ticker.SYSTEM), null,
        null,
        null, affinity);
    RouteSpec route = new RouteSpec("app", RouteMatch.ANY, List.of(), ref, null, null, null,
        HeaderOps.NONE, HeaderOps.NONE, null, null, routeStrict);
    ProxySettings settings = ProxySettings.defaults().withForwarding(new ProxySettings.Forwarding(
        true, false, List.of(Cidr.parse("127.0.0.0/8")), "X-Request-Id"));
    proxy = new ProxyServer(settings, new ProxyObserver() {
      @Override
      public void onRequestComplete(RequestLog log) {
        logs.add(log);
      }
    }, 2);
    address = proxy.start(List.of(new ListenerSpec("main",
        new InetSocketAddress("127.0.0.1", 0), List.of(route)))).get(0);
  }

  private HttpResponse<String> get(String path, Map<String, String> headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + address.getPort() + path)).timeout(Duration.ofSeconds(10));
    headers.forEach(b::header);
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The value of the srv cookie a response sets, if any. */
  private static Optional<String> setCookie(HttpResponse<?> r) {
    return r.headers().allValues("set-cookie").stream().filter(v -> v.startsWith("srv="))
        .map(v -> v.substring(4, v.indexOf(';'))).findFirst();
  }

  private TestBackend backend(String name) {
    return backends.stream().filter(b -> b.name.equals(name)).findFirst().orElseThrow();
  }

  @Test
  void cookieSessionsHoldAndOnlyTheKilledBackendsSessionsMove() throws Exception {
    start(spec(AffinitySpec.Strategy.COOKIE, cookie(KEY), null, null, false), null);
    // 30 sessions: each first request gets a sealed cookie naming the backend that answered.
    Map<String, String> cookies = new LinkedHashMap<>();
    Map<String, String> homes = new HashMap<>();
    for (int s = 0; s < 30; s++) {
      HttpResponse<String> r = get("/", Map.of());
      assertThat(r.statusCode()).isEqualTo(200);
      String c = setCookie(r).orElseThrow();
      assertThat(r.headers().allValues("set-cookie").get(0))
          .endsWith("; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax");
      // Sealed: the backend's name is inside, readable only with the pool's key.
      assertThat(new SessionCookieCodec(List.of(new byte[16]), "app", "srv")
          .open(c, System.currentTimeMillis() / 1000))
          .isInstanceOfSatisfying(SessionCookieCodec.Opened.Valid.class,
              v -> assertThat(v.backend()).isEqualTo(r.body()));
      cookies.put("s" + s, c);
      homes.put("s" + s, r.body());
    }
    assertThat(homes.values()).contains("b1", "b2", "b3");
    // 1000 more requests, round robin underneath: every one stays on its session's backend and
    // no cookie is set again.
    for (int i = 0; i < 1000; i++) {
      String s = "s" + (i % 30);
      HttpResponse<String> r = get("/", Map.of("Cookie", "theme=dark; srv=" + cookies.get(s)));
      assertThat(r.body()).as("request %d of session %s", i, s).isEqualTo(homes.get(s));
      assertThat(setCookie(r)).isEmpty();
    }
    // The backend never sees ballast's cookie; the client's other cookies pass untouched.
    get("/echo", Map.of("Cookie", "theme=dark; srv=" + cookies.get("s0") + "; lang=en"));
    assertThat(backend(homes.get("s0")).lastHeaders.get("cookie")).isEqualTo("theme=dark; lang=en");

    // Kill one backend: exactly its sessions move (once, with a new cookie), the others stay.
    String victim = homes.get("s0");
    backend(victim).close();
    Map<String, String> moved = new HashMap<>();
    for (var e : cookies.entrySet()) {
      HttpResponse<String> r = get("/", Map.of("Cookie", "srv=" + e.getValue()));
      assertThat(r.statusCode()).isEqualTo(200);
      if (homes.get(e.getKey()).equals(victim)) {
        assertThat(r.body()).isNotEqualTo(victim);
        moved.put(e.getKey(), setCookie(r).orElseThrow());
        homes.put(e.getKey(), r.body());
      } else {
        assertThat(r.body()).isEqualTo(homes.get(e.getKey()));
        assertThat(setCookie(r)).isEmpty();
      }
    }
    assertThat(moved).isNotEmpty();
    cookies.putAll(moved);
    // The moved sessions stay on their new backend.
    for (int i = 0; i < 300; i++) {
      String s = "s" + (i % 30);
      HttpResponse<String> r = get("/", Map.of("Cookie", "srv=" + cookies.get(s)));
      assertThat(r.body()).isEqualTo(homes.get(s));
      assertThat(setCookie(r)).isEmpty();
    }
    assertThat(affinity.sessions().counters().moved()).isEqualTo(moved.size());
  }

  @Test
  void damagedForeignAndUnknownKeyCookiesAreIgnoredAndCounted() throws Exception {
    start(spec(AffinitySpec.Strategy.COOKIE, cookie(KEY), null, null, false), null);
    String good = setCookie(get("/", Map.of())).orElseThrow();
    // One character changed in the middle of the sealed value.
    char[] chars = good.toCharArray();
    int mid = chars.length / 2;
    chars[mid] = chars[mid] == 'A' ? 'B' : 'A';
    String tampered = new String(chars);
    // A cookie sealed for another pool with the same key, and one with a key nobody configured.
    String foreign = new SessionCookieCodec(List.of(new byte[16]), "other", "srv")
        .seal("b1", System.currentTimeMillis() / 1000, 3600);
    String unknownKey = new SessionCookieCodec(List.of(Base64.getDecoder().decode(OTHER_KEY)),
        "app", "srv").seal("b1", System.currentTimeMillis() / 1000, 3600);
    String expired = new SessionCookieCodec(List.of(new byte[16]), "app", "srv")
        .seal("b1", System.currentTimeMillis() / 1000 - 7200, 3600);
    for (String bad : List.of(tampered, foreign, unknownKey, expired, "not-a-token!")) {
      HttpResponse<String> r = get("/echo", Map.of("Cookie", "srv=" + bad));
      assertThat(r.statusCode()).isEqualTo(200);
      // A new session: a fresh cookie, and the bad one never reaches the backend.
      assertThat(setCookie(r)).isPresent().get().isNotEqualTo(bad);
      assertThat(r.body()).doesNotContain("cookie:");
    }
    assertThat(affinity.rejectedCookies(SessionCookieCodec.Reason.TAMPERED)).isEqualTo(1);
    assertThat(affinity.rejectedCookies(SessionCookieCodec.Reason.FOREIGN)).isEqualTo(1);
    assertThat(affinity.rejectedCookies(SessionCookieCodec.Reason.UNKNOWN_KEY)).isEqualTo(1);
    assertThat(affinity.rejectedCookies(SessionCookieCodec.Reason.EXPIRED)).isEqualTo(1);
    assertThat(affinity.rejectedCookies(SessionCookieCodec.Reason.MALFORMED)).isEqualTo(1);
  }

  @Test
  void rotatedKeysStillOpenOldCookiesAndNewCookiesUseTheFirstKey() throws Exception {
    // Sealed with the old key, opened by a pool whose list has a new key first.
    String old = new SessionCookieCodec(List.of(new byte[16]), "app", "srv")
        .seal("b2", System.currentTimeMillis() / 1000, 3600);
    start(spec(AffinitySpec.Strategy.COOKIE, cookie(OTHER_KEY, KEY), null, null, false), null);
    for (int i = 0; i < 20; i++) {
      HttpResponse<String> r = get("/", Map.of("Cookie", "srv=" + old));
      assertThat(r.body()).isEqualTo("b2");
    }
    String fresh = setCookie(get("/", Map.of())).orElseThrow();
    SessionCookieCodec newKeyOnly = new SessionCookieCodec(
        List.of(Base64.getDecoder().decode(OTHER_KEY)), "app", "srv");
    assertThat(newKeyOnly.open(fresh, System.currentTimeMillis() / 1000))
        .isInstanceOf(SessionCookieCodec.Opened.Valid.class);
  }

  @Test
  void clientIpSessionsHoldPerSubnetAndMoveOnlyWhenTheirBackendDies() throws Exception {
    start(spec(AffinitySpec.Strategy.IP, null, null, null, false), null);
    // 40 clients behind the trusted proxy 127.0.0.1, in 40 different /24s.
    Map<Integer, String> homes = new HashMap<>();
    for (int i = 0; i < 1000; i++) {
      int c = i % 40;
      String ip = "198.51." + c + "." + (1 + i % 7);
      HttpResponse<String> r = get("/", Map.of("X-Forwarded-For", ip));
      String prev = homes.putIfAbsent(c, r.body());
      if (prev != null) {
        // Another address of the same /24 is the same session.
        assertThat(r.body()).as("client %s", ip).isEqualTo(prev);
      }
    }
    assertThat(homes.values()).contains("b1", "b2", "b3");
    assertThat(affinity.table().size()).isEqualTo(40);
    String victim = homes.get(0);
    backend(victim).close();
    for (int c = 0; c < 40; c++) {
      String body = get("/", Map.of("X-Forwarded-For", "198.51." + c + ".9")).body();
      if (homes.get(c).equals(victim)) {
        assertThat(body).isNotEqualTo(victim);
        homes.put(c, body);
      } else {
        assertThat(body).isEqualTo(homes.get(c));
      }
    }
    for (int c = 0; c < 40; c++) {
      assertThat(get("/", Map.of("X-Forwarded-For", "198.51." + c + ".20")).body())
          .isEqualTo(homes.get(c));
    }
  }

  @Test
  void headerSessionsHoldAndMissingHeaderFallsBackToTheClientIp() throws Exception {
    start(spec(AffinitySpec.Strategy.HEADER, null, "X-Tenant", AffinitySpec.Strategy.IP, false),
        null);
    Map<String, String> homes = new HashMap<>();
    for (int i = 0; i < 1000; i++) {
      String tenant = "tenant-" + (i % 25);
      String body = get("/", Map.of("X-Tenant", tenant)).body();
      assertThat(homes.putIfAbsent(tenant, body)).isIn(null, body);
    }
    assertThat(homes.values()).contains("b1", "b2", "b3");
    // Without the header the client's address is the session: one backend for all of them.
    String first = get("/", Map.of()).body();
    for (int i = 0; i < 50; i++) {
      assertThat(get("/", Map.of()).body()).isEqualTo(first);
    }
  }

  @Test
  void strictRouteAnswers503InsteadOfMovingASessionWhoseBackendIsGone() throws Exception {
    start(spec(AffinitySpec.Strategy.COOKIE, cookie(KEY), null, null, false), true);
    Map<String, String> cookies = new HashMap<>();
    Map<String, String> homes = new HashMap<>();
    for (int s = 0; s < 9; s++) {
      HttpResponse<String> r = get("/", Map.of());
      cookies.put("s" + s, setCookie(r).orElseThrow());
      homes.put("s" + s, r.body());
    }
    String victim = homes.get("s0");
    backend(victim).close();
    // The pool learns the backend is gone from the first refused connection.
    for (var e : cookies.entrySet()) {
      HttpResponse<String> r = get("/", Map.of("Cookie", "srv=" + e.getValue()));
      if (homes.get(e.getKey()).equals(victim)) {
        assertThat(r.statusCode()).isBetween(502, 503);
        assertThat(setCookie(r)).isEmpty();
      } else {
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(homes.get(e.getKey()));
      }
    }
    Backend gone = pool.backends().stream().filter(b -> b.name().equals(victim)).findFirst()
        .orElseThrow();
    assertThat(pool.available(gone)).isFalse();
    HttpResponse<String> r = get("/", Map.of("Cookie", "srv=" + cookies.get("s0")));
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(logs).anySatisfy(l -> assertThat(l.error()).contains("strict affinity"));
    assertThat(affinity.sessions().counters().refused()).isPositive();
    // A new session on the strict route still gets a live backend.
    HttpResponse<String> fresh = get("/", Map.of());
    assertThat(fresh.statusCode()).isEqualTo(200);
    assertThat(fresh.body()).isNotEqualTo(victim);
  }

  @Test
  void anOverloadedBackendShedsABoundedShareOfItsSessionsAndLogsEachStep() throws Exception {
    AffinitySettings.Rebalance fast = new AffinitySettings.Rebalance(true, 1.5, Duration.ZERO,
        0.10, 0.50, Duration.ofMillis(200));
    start(new AffinitySpec(AffinitySpec.Strategy.COOKIE, cookie(KEY), AffinitySpec.DEFAULT_CLIENT_IP,
        null, null, AffinitySpec.DEFAULT_TABLE_SIZE, AffinitySpec.DEFAULT_TABLE_IDLE,
        new AffinitySettings(AffinitySettings.DEFAULT_BOUNDED_LOAD, false, fast)), null);
    Map<String, String> cookies = new java.util.concurrent.ConcurrentHashMap<>();
    Map<String, String> homes = new java.util.concurrent.ConcurrentHashMap<>();
    for (int s = 0; s < 60; s++) {
      HttpResponse<String> r = get("/", Map.of());
      cookies.put("s" + s, setCookie(r).orElseThrow());
      homes.put("s" + s, r.body());
    }
    List<String> slowSessions = homes.entrySet().stream().filter(e -> e.getValue().equals("b1"))
        .map(Map.Entry::getKey).toList();
    assertThat(slowSessions).hasSizeGreaterThan(5);
    // b1 turns slow: its sessions' requests pile up there while the others answer at once.
    backend("b1").delayMillis = 50;
    java.util.concurrent.atomic.AtomicInteger failed = new java.util.concurrent.atomic.AtomicInteger();
    List<Thread> workers = new ArrayList<>();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    for (int t = 0; t < 6; t++) {
      int offset = t;
      Thread w = new Thread(() -> {
        int i = offset;
        while (System.nanoTime() < deadline
            && (decisions.total() < 2 || affinity.sessions().counters().shed() < 3)) {
          String s = "s" + (i++ % 60);
          try {
            HttpResponse<String> r = get("/", Map.of("Cookie", "srv=" + cookies.get(s)));
            if (r.statusCode() != 200) {
              failed.incrementAndGet();
            }
            setCookie(r).ifPresent(c -> {
              cookies.put(s, c);
              homes.put(s, r.body());
            });
          } catch (Exception e) {
            failed.incrementAndGet();
          }
        }
      });
      w.start();
      workers.add(w);
    }
    for (Thread w : workers) {
      w.join();
    }
    assertThat(failed).hasValue(0);
    // Each raise of b1's share is a decision with its figures.
    assertThat(decisions.snapshot()).hasSizeGreaterThanOrEqualTo(2).allSatisfy(d -> {
      assertThat(d.kind()).isEqualTo(io.ballast.core.decision.Decision.Kind.AFFINITY);
      assertThat(d.backend()).isEqualTo("b1");
    });
    // Some of b1's sessions moved away, never more than the share allows (at most half), and
    // no session of another backend moved.
    long movedAway = slowSessions.stream().filter(s -> !homes.get(s).equals("b1")).count();
    assertThat(movedAway).isBetween(1L, (long) slowSessions.size() / 2 + 3);
    assertThat(affinity.sessions().counters().moved()).isZero();
    // Two requests of one session in flight at once may both be moved: at least one per session.
    assertThat(affinity.sessions().counters().shed()).isGreaterThanOrEqualTo(movedAway);
  }
}
