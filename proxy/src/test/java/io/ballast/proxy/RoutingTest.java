package io.ballast.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.core.Backend;
import io.ballast.core.ControlLoop;
import io.ballast.core.Rng;
import io.ballast.core.Ticker;
import io.ballast.core.pick.Algorithm;
import io.ballast.core.pool.HealthSettings;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.pool.PoolListener;
import io.ballast.core.retry.RetryPolicy;
import io.ballast.core.retry.RetrySettings;
import io.ballast.core.split.TrafficSplit;
import io.ballast.proxy.client.Cidr;
import io.ballast.proxy.client.HashKey;
import io.ballast.proxy.mirror.Mirror;
import io.ballast.proxy.mirror.MirrorSpec;
import io.ballast.proxy.routing.DenyRule;
import io.ballast.proxy.routing.HeaderOps;
import io.ballast.proxy.routing.PathMatch;
import io.ballast.proxy.routing.PathRewrite;
import io.ballast.proxy.routing.PoolRef;
import io.ballast.proxy.routing.RouteMatch;
import io.ballast.proxy.routing.RouteSpec;
import io.ballast.proxy.routing.SplitSpec;
import io.ballast.proxy.routing.TextMatch;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Routes, deny rules, rewrites and traffic splits through the real proxy and real backends. */
class RoutingTest {
  private final ControlLoop control = new ControlLoop("test-control", Throwable::printStackTrace);
  private final Map<String, TestBackend> backends = new LinkedHashMap<>();
  private final Map<String, PoolRef> pools = new LinkedHashMap<>();
  private final ConcurrentLinkedQueue<RequestLog> logs = new ConcurrentLinkedQueue<>();
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private ProxyServer proxy;
  private InetSocketAddress address;

  /** A pool of one real backend whose answer is its name. */
  private PoolRef pool(String name) {
    return pools.computeIfAbsent(name, n -> {
      TestBackend b = new TestBackend(n);
      backends.put(n, b);
      LoadBalancer lb = new LoadBalancer(n, List.of(new Backend(n + "-1", "127.0.0.1", b.port(), 1)),
          Algorithm.ROUND_ROBIN, HealthSettings.PASSIVE_ONLY, control, Rng.seeded(1),
          PoolListener.NONE);
      return new PoolRef(lb, new RetryPolicy(RetrySettings.DEFAULTS, Ticker.SYSTEM), null, null);
    });
  }

  private void start(RouteSpec... routes) {
    proxy = new ProxyServer(ProxySettings.defaults(), new ProxyObserver() {
      @Override
      public void onRequestComplete(RequestLog log) {
        logs.add(log);
      }
    }, 2);
    address = proxy.start(List.of(new ListenerSpec("main",
        new InetSocketAddress("127.0.0.1", 0), List.of(routes)))).get(0);
  }

  private static RouteSpec route(String name, RouteMatch match, PoolRef pool) {
    return new RouteSpec(name, match, List.of(), pool, null, null, null, HeaderOps.NONE,
        HeaderOps.NONE, null);
  }

  private static RouteMatch match(List<String> hosts, PathMatch path, Set<String> methods,
      List<RouteMatch.HeaderMatch> headers, List<RouteMatch.QueryMatch> query) {
    return new RouteMatch(hosts, path, methods, headers, query);
  }

  private HttpResponse<String> send(String method, String path, String... headers)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + address.getPort() + path))
        .timeout(Duration.ofSeconds(10))
        .method(method, HttpRequest.BodyPublishers.noBody());
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Raw request over a socket (the JDK client does not let tests set Host). */
  private String raw(String request) throws Exception {
    try (Socket s = new Socket("127.0.0.1", address.getPort())) {
      s.setSoTimeout(5000);
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      return ProxyFixture.readResponse(s.getInputStream());
    }
  }

  private String viaHost(String host, String path) throws Exception {
    String r = raw("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
    return r.substring(r.indexOf("\r\n\r\n") + 4);
  }

  @AfterEach
  void close() {
    if (proxy != null) {
      proxy.close();
    }
    backends.values().forEach(TestBackend::close);
    control.close();
  }

  @Test
  void anAbsoluteFormTargetRoutesByItsAuthorityAndTheBackendSeesThatHost() throws Exception {
    start(
        route("api", match(List.of("api.example.com"), null, Set.of(), List.of(), List.of()),
            pool("api")),
        route("other", match(List.of("other.example.com"), null, Set.of(), List.of(),
            List.of()), pool("other")));
    // RFC 9112 section 3.2.2: the authority wins over Host, for routing and for the backend.
    assertThat(raw("GET http://api.example.com/x?y=1 HTTP/1.1\r\nHost: other.example.com\r\n"
        + "\r\n")).endsWith("api");
    assertThat(backends.get("api").lastUri).isEqualTo("/x?y=1");
    assertThat(backends.get("api").lastHeaders.get("host")).isEqualTo("api.example.com");
    assertThat(backends.get("other").requests.get()).isZero();
  }

  @Test
  void firstMatchingRouteWinsByHostPathMethodHeaderAndQuery() throws Exception {
    start(
        route("v2", match(List.of("api.example.com"), new PathMatch.Prefix("/v2"), Set.of(),
            List.of(), List.of()), pool("v2")),
        route("wild", match(List.of("*.example.com"), null, Set.of(), List.of(), List.of()),
            pool("wild")),
        route("beta", match(List.of(), null, Set.of(),
            List.of(new RouteMatch.HeaderMatch("X-Beta", new TextMatch.Exact("1"))), List.of()),
            pool("beta")),
        route("debug", match(List.of(), null, Set.of("POST"), List.of(),
            List.of(new RouteMatch.QueryMatch("debug", new TextMatch.Exact("1")))), pool("debug")),
        route("exact", match(List.of(), new PathMatch.Exact("/exact"), Set.of(), List.of(),
            List.of()), pool("exact")),
        route("items", match(List.of(), new PathMatch.Regex(Pattern.compile("/items/[0-9]+")),
            Set.of(), List.of(), List.of()), pool("items")),
        route("fallback", RouteMatch.ANY, pool("main")));

    assertThat(viaHost("api.example.com", "/v2/users")).isEqualTo("v2");
    assertThat(viaHost("API.Example.com:8080", "/v2")).isEqualTo("v2");
    // Segment-aware prefix: /v2x is not under /v2; the wildcard host takes it.
    assertThat(viaHost("api.example.com", "/v2x")).isEqualTo("wild");
    assertThat(viaHost("a.b.example.com", "/v2")).isEqualTo("wild");
    assertThat(viaHost("example.com", "/")).isEqualTo("main");
    assertThat(send("GET", "/", "X-Beta", "1").body()).isEqualTo("beta");
    assertThat(send("GET", "/", "X-Beta", "2").body()).isEqualTo("main");
    assertThat(send("POST", "/any?debug=1").body()).isEqualTo("debug");
    assertThat(send("GET", "/any?debug=1").body()).isEqualTo("main");
    assertThat(send("POST", "/any?debug=10").body()).isEqualTo("main");
    assertThat(send("GET", "/exact").body()).isEqualTo("exact");
    assertThat(send("GET", "/exact/more").body()).isEqualTo("main");
    assertThat(send("GET", "/items/42").body()).isEqualTo("items");
    assertThat(send("GET", "/items/4x2").body()).isEqualTo("main");
    // Earlier routes win over later ones that also match.
    assertThat(send("GET", "/items/42", "X-Beta", "1").body()).isEqualTo("beta");
    assertThat(logs).anySatisfy(l -> assertThat(l.route()).isEqualTo("items"));
  }

  @Test
  void noRouteAnswers404AndKeepsTheConnection() throws Exception {
    start(route("api", match(List.of(), new PathMatch.Prefix("/api"), Set.of(), List.of(),
        List.of()), pool("api")));
    try (Socket s = new Socket("127.0.0.1", address.getPort())) {
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      out.write("GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      String first = ProxyFixture.readResponse(in);
      assertThat(first).startsWith("HTTP/1.1 404 ").endsWith("no route\n")
          .doesNotContainIgnoringCase("connection: close");
      out.write("GET /api/x HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(ProxyFixture.readResponse(in)).startsWith("HTTP/1.1 200 ").endsWith("api");
    }
    // A request with a body gets its 404 at once and the connection closes.
    String withBody = ProxyFixture.readToClose(rawSocket(
        "POST /nothing HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"));
    assertThat(withBody).startsWith("HTTP/1.1 404 ").containsIgnoringCase("connection: close");
    assertThat(backends.get("api").requests.get()).isEqualTo(1);
    assertThat(logs).anySatisfy(l -> {
      assertThat(l.status()).isEqualTo(404);
      assertThat(l.route()).isNull();
      assertThat(l.pool()).isNull();
      assertThat(l.error()).isEqualTo("no route for x/nothing");
    });
  }

  private InputStream rawSocket(String request) throws Exception {
    Socket s = new Socket("127.0.0.1", address.getPort());
    s.setSoTimeout(5000);
    s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
    return s.getInputStream();
  }

  @Test
  void denyRulesRefuseByMethodPathHeaderAndClientAfterNormalisingThePath() throws Exception {
    List<DenyRule> deny = List.of(
        new DenyRule(Set.of("TRACE", "DELETE"), null, List.of(), List.of(), 405),
        new DenyRule(Set.of(), new PathMatch.Prefix("/admin"), List.of(), List.of(), 403),
        new DenyRule(Set.of(), null,
            List.of(new RouteMatch.HeaderMatch("X-Bot", new TextMatch.Present())), List.of(), 429),
        new DenyRule(Set.of(), new PathMatch.Prefix("/local-only"), List.of(),
            List.of(Cidr.parse("10.0.0.0/8")), 403),
        new DenyRule(Set.of(), new PathMatch.Prefix("/loopback-denied"), List.of(),
            List.of(Cidr.parse("127.0.0.0/8")), 451));
    start(new RouteSpec("site", RouteMatch.ANY, deny, pool("site"), null, null, null,
        HeaderOps.NONE, HeaderOps.NONE, null));

    assertThat(send("DELETE", "/x").statusCode()).isEqualTo(405);
    assertThat(send("GET", "/admin/users").statusCode()).isEqualTo(403);
    assertThat(send("GET", "/admin/users").body()).isEqualTo("forbidden\n");
    // Other spellings of /admin are /admin too.
    assertThat(raw("GET /public/../admin HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 403");
    assertThat(raw("GET /%61dmin HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 403");
    assertThat(raw("GET /./admin/./x HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 403");
    assertThat(send("GET", "/adminx").statusCode()).isEqualTo(200);
    assertThat(send("GET", "/", "X-Bot", "yes").statusCode()).isEqualTo(429);
    assertThat(send("GET", "/local-only").statusCode()).isEqualTo(200);
    assertThat(send("GET", "/loopback-denied").statusCode()).isEqualTo(451);
    assertThat(backends.get("site").requests.get()).isEqualTo(2);
    // The backend got the normalised path.
    send("GET", "/a/b/../%7Ec");
    assertThat(backends.get("site").lastUri).isEqualTo("/a/~c");
  }

  @Test
  void rewritesThePathAndChangesHeadersBothWays() throws Exception {
    Map<String, HeaderOps.Template> set = Map.of("X-Route", HeaderOps.Template.parse("${route}"),
        "X-Client", HeaderOps.Template.parse("ip=${client_ip} id=${request_id}"));
    HeaderOps request = new HeaderOps(List.of("X-Secret"), set,
        Map.of("X-Extra", HeaderOps.Template.parse("$$1")));
    HeaderOps response = new HeaderOps(List.of("X-Internal"),
        Map.of("X-Served-By", HeaderOps.Template.parse("${pool}/${backend}")), Map.of());
    start(
        new RouteSpec("api", match(List.of(), new PathMatch.Prefix("/api"), Set.of(), List.of(),
            List.of()), List.of(), pool("api"), null, null, null, request, response,
            new PathRewrite.StripPrefix("/api")),
        new RouteSpec("old", match(List.of(), new PathMatch.Prefix("/v1"), Set.of(), List.of(),
            List.of()), List.of(), pool("api"), null, null, null, HeaderOps.NONE,
            HeaderOps.NONE, new PathRewrite.ReplacePrefix("/v1", "/api/v2")),
        new RouteSpec("re", match(List.of(), new PathMatch.Prefix("/u"), Set.of(), List.of(),
            List.of()), List.of(), pool("api"), null, null, null, HeaderOps.NONE,
            HeaderOps.NONE, new PathRewrite.RegexReplace(Pattern.compile("^/u/([0-9]+)$"),
                "/users/$1/profile")));
    backends.get("api").responseHeaders.put("X-Internal", "secret");

    HttpResponse<String> r = send("GET", "/api/users?page=2", "X-Secret", "s3cr3t");
    TestBackend b = backends.get("api");
    assertThat(b.lastUri).isEqualTo("/users?page=2");
    assertThat(b.lastHeaders).containsEntry("x-route", "api").containsEntry("x-extra", "$1")
        .doesNotContainKey("x-secret");
    assertThat(b.lastHeaders.get("x-client")).matches("ip=127\\.0\\.0\\.1 id=[0-9a-f]+");
    assertThat(r.headers().firstValue("X-Served-By")).hasValue("api/api-1");
    assertThat(r.headers().firstValue("X-Internal")).isEmpty();
    send("GET", "/api");
    assertThat(b.lastUri).isEqualTo("/");
    send("GET", "/v1/items?x=1");
    assertThat(b.lastUri).isEqualTo("/api/v2/items?x=1");
    send("GET", "/u/17");
    assertThat(b.lastUri).isEqualTo("/users/17/profile");
  }

  private static Map<String, Double> weights(String a, double wa, String b, double wb) {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put(a, wa);
    m.put(b, wb);
    return m;
  }

  /** Sends {@code n} GETs over {@code threads} connections; returns answers by body. */
  private Map<String, Integer> load(int n, int threads, String... headers) throws Exception {
    Map<String, Integer> counts = new ConcurrentHashMap<>();
    AtomicInteger next = new AtomicInteger();
    List<Thread> workers = new ArrayList<>();
    ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    for (int t = 0; t < threads; t++) {
      Thread w = new Thread(() -> {
        try {
          while (next.getAndIncrement() < n) {
            HttpResponse<String> r = send("GET", "/", headers);
            counts.merge(r.statusCode() == 200 ? r.body() : "status " + r.statusCode(), 1,
                Integer::sum);
          }
        } catch (Throwable e) {
          errors.add(e);
        }
      });
      w.start();
      workers.add(w);
    }
    for (Thread w : workers) {
      w.join(60_000);
    }
    assertThat(errors).isEmpty();
    return counts;
  }

  @Test
  void splitPercentagesHoldOverTenThousandRequestsAndChangeLiveWithoutAFailure()
      throws Exception {
    TrafficSplit split = new TrafficSplit("api", weights("stable", 95, "canary", 5));
    start(new RouteSpec("api", RouteMatch.ANY, List.of(), null,
        new SplitSpec(split, List.of(pool("stable"), pool("canary")), null, null, null,
            "X-Group"), null, null, HeaderOps.NONE, HeaderOps.NONE, null));

    Map<String, Integer> counts = load(10_000, 4);
    // 5 % of 10 000 = 500, sd 21.8: within 5 sd.
    assertThat(counts.get("canary")).isBetween(391, 609);
    assertThat(counts.get("stable") + counts.get("canary")).isEqualTo(10_000);
    assertThat(backends.get("canary").lastHeaders).containsEntry("x-group", "canary");

    // Change the weights while traffic flows: every request still succeeds.
    AtomicBoolean stop = new AtomicBoolean();
    Map<String, Integer> during = new ConcurrentHashMap<>();
    Thread traffic = new Thread(() -> {
      long deadline = System.nanoTime() + 20_000_000_000L;
      while (!stop.get() && System.nanoTime() < deadline) {
        try {
          HttpResponse<String> r = send("GET", "/");
          during.merge(r.statusCode() == 200 ? "ok" : "status " + r.statusCode(), 1,
              Integer::sum);
        } catch (Exception e) {
          during.merge("error " + e, 1, Integer::sum);
        }
      }
    });
    traffic.start();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> during.values().stream().mapToInt(Integer::intValue).sum() > 50);
    split.setWeights(weights("stable", 50, "canary", 50));
    Map<String, Integer> after = load(4000, 4);
    stop.set(true);
    traffic.join(30_000);
    assertThat(during.keySet()).containsExactly("ok");
    // 50 % of 4000 = 2000, sd 31.6.
    assertThat(after.get("canary")).isBetween(1840, 2160);
  }

  @Test
  void forcingHeaderOrCookieReachesTheNamedGroupAndUsersStayInTheirAbGroup() throws Exception {
    TrafficSplit split = new TrafficSplit("ab", weights("a", 70, "b", 30));
    start(new RouteSpec("ab", RouteMatch.ANY, List.of(), null,
        new SplitSpec(split, List.of(pool("a"), pool("b")), new HashKey.Header("X-User"),
            "X-Force-Group", "force_group", "X-Group"), null, null, HeaderOps.NONE,
        HeaderOps.NONE, null));

    assertThat(load(200, 2, "X-Force-Group", "b")).containsOnlyKeys("b");
    assertThat(load(200, 2, "Cookie", "theme=dark; force_group=b")).containsOnlyKeys("b");
    // An unknown group name forces nothing.
    assertThat(load(400, 2, "X-Force-Group", "nope")).containsKeys("a", "b");

    Map<String, String> groupOf = new LinkedHashMap<>();
    int inB = 0;
    for (int u = 0; u < 500; u++) {
      String user = "user-" + u;
      String first = send("GET", "/", "X-User", user).body();
      for (int i = 0; i < 4; i++) {
        assertThat(send("GET", "/", "X-User", user).body()).as(user).isEqualTo(first);
      }
      groupOf.put(user, first);
      inB += first.equals("b") ? 1 : 0;
    }
    // 30 % of 500 = 150, sd 10.2.
    assertThat(inB).isBetween(100, 200);
    assertThat(backends.get("b").lastHeaders).containsEntry("x-group", "b");
  }

  @Test
  void blueGreenSwitchUnderLoadFailsNoRequestAndSwitchesBack() throws Exception {
    TrafficSplit split = new TrafficSplit("app", weights("blue", 100, "green", 0));
    start(new RouteSpec("app", RouteMatch.ANY, List.of(), null,
        new SplitSpec(split, List.of(pool("blue"), pool("green")), null, null, null, null),
        null, null, HeaderOps.NONE, HeaderOps.NONE, null));

    AtomicBoolean stop = new AtomicBoolean();
    // Each answer with when its request was sent and when it came back. Once an answer from the
    // new side has come back, the switch is seen by every request routed after: one sent after
    // it (and back before the next switch) must be from the new side; one sent before may land
    // on either side, however late it completes (the old test's margin of 8 answers was not
    // enough for a worker descheduled on a busy machine).
    record Answer(long sentNanos, long receivedNanos, String body) {}
    ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      Thread w = new Thread(() -> {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!stop.get() && System.nanoTime() < deadline) {
          long sent = System.nanoTime();
          String body;
          try {
            HttpResponse<String> r = send("GET", "/");
            body = r.statusCode() == 200 ? r.body() : "status " + r.statusCode();
          } catch (Exception e) {
            body = "error " + e;
          }
          answers.add(new Answer(sent, System.nanoTime(), body));
        }
      });
      w.start();
      workers.add(w);
    }
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> answers.size() > 300);
    long switched = System.nanoTime();
    split.activate("green");
    int atSwitch = answers.size();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> answers.size() > atSwitch + 300);
    long back = System.nanoTime();
    split.activate("blue");
    int atBack = answers.size();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> answers.size() > atBack + 300);
    stop.set(true);
    for (Thread w : workers) {
      w.join(30_000);
    }
    List<Answer> all = new ArrayList<>(answers);
    assertThat(all).extracting(Answer::body).containsOnly("blue", "green");
    java.util.function.BiFunction<String, Long, Long> firstBack = (side, after) -> all.stream()
        .filter(a -> a.sentNanos() > after && a.body().equals(side))
        .mapToLong(Answer::receivedNanos).min().orElseThrow();
    long green = firstBack.apply("green", switched);
    long blue = firstBack.apply("blue", back);
    assertThat(all).filteredOn(a -> a.sentNanos() > green && a.receivedNanos() < back)
        .hasSizeGreaterThan(200).extracting(Answer::body).containsOnly("green");
    assertThat(all).filteredOn(a -> a.sentNanos() > blue)
        .hasSizeGreaterThan(200).extracting(Answer::body).containsOnly("blue");
  }

  @Test
  void mirroredRequestsReachTheShadowAndADeadShadowChangesNothingForClients() throws Exception {
    PoolRef live = pool("live");
    PoolRef shadow = pool("shadow");
    Mirror mirror = new Mirror(new MirrorSpec(shadow.pool(), 100, 64 * 1024,
        Duration.ofSeconds(2), 10));
    LoadBalancer deadPool = new LoadBalancer("dead", List.of(new Backend("dead-1", "127.0.0.1",
        closedPort(), 1)), Algorithm.ROUND_ROBIN, HealthSettings.PASSIVE_ONLY,
        control, Rng.seeded(1), PoolListener.NONE);
    Mirror deadMirror = new Mirror(new MirrorSpec(deadPool, 100, 64 * 1024,
        Duration.ofSeconds(2), 10));
    start(
        new RouteSpec("copied", match(List.of(), new PathMatch.Prefix("/copied"), Set.of(),
            List.of(), List.of()), List.of(), live, null, null, null, HeaderOps.NONE,
            HeaderOps.NONE, null, mirror),
        new RouteSpec("dead", RouteMatch.ANY, List.of(), live, null, null, null, HeaderOps.NONE,
            HeaderOps.NONE, null, deadMirror));
    try {
      String body = "x".repeat(20_000);
      for (int i = 0; i < 20; i++) {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + address.getPort() + "/copied/echo?i=" + i))
            .header("X-Trace", "t" + i)
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
      }
      TestBackend s = backends.get("shadow");
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
          .until(() -> s.requests.get() == 20);
      TestBackend l = backends.get("live");
      assertThat(s.lastUri).isEqualTo("/copied/echo?i=19");
      assertThat(s.lastHeaders).containsEntry("x-trace", "t19");
      assertThat(s.lastHeaders.get("host")).endsWith("-shadow:" + address.getPort());
      assertThat(s.lastBodySize).isEqualTo(20_000);
      assertThat(s.lastBodySha256).isEqualTo(l.lastBodySha256);
      assertThat(mirror.stats().completed2xx()).isEqualTo(20);

      // Every copy fails against the dead shadow; every client request still succeeds.
      for (int i = 0; i < 30; i++) {
        assertThat(send("GET", "/other/" + i).statusCode()).isEqualTo(200);
      }
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(
          () -> deadMirror.stats().failed() + deadMirror.stats().dropped() == 30);
      assertThat(deadMirror.stats().failedConnect()).isPositive();
      assertThat(logs).filteredOn(log -> "dead".equals(log.route()))
          .allSatisfy(log -> assertThat(log.status()).isEqualTo(200));
    } finally {
      mirror.close();
      deadMirror.close();
    }
  }

  private static int closedPort() throws Exception {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1,
        java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
