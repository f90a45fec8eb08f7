package io.ballast.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import io.ballast.proxy.routing.DenyRule;
import io.ballast.proxy.routing.HeaderOps;
import io.ballast.proxy.routing.HttpsRedirect;
import io.ballast.proxy.routing.PathMatch;
import io.ballast.proxy.routing.PoolRef;
import io.ballast.proxy.routing.RouteMatch;
import io.ballast.proxy.routing.RouteSpec;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Routes that answer plain HTTP with a redirect to https, through the real proxy: the Location,
 * status and framing, the connection kept or closed as after any of ballast's own answers, a
 * 400 for a request whose host cannot be redirected to, earlier routes still proxying, and the
 * redirect's log record.
 */
class HttpsRedirectTest {
  private final ControlLoop control = new ControlLoop("test-control", Throwable::printStackTrace);
  private final ConcurrentLinkedQueue<RequestLog> logs = new ConcurrentLinkedQueue<>();
  private TestBackend acme;
  private ProxyServer proxy;
  private InetSocketAddress address;

  /**
   * ACME challenges go to a pool; api.example.com is redirected to port 8443 with 308; TRACE is
   * refused before any redirect; everything else gets the default redirect (301 to port 443).
   */
  @BeforeEach
  void start() {
    acme = new TestBackend("acme");
    LoadBalancer lb = new LoadBalancer("acme", List.of(new Backend("acme-1", "127.0.0.1",
        acme.port(), 1)), Algorithm.ROUND_ROBIN, HealthSettings.PASSIVE_ONLY, control,
        Rng.seeded(1), PoolListener.NONE);
    PoolRef pool = new PoolRef(lb, new RetryPolicy(RetrySettings.DEFAULTS, Ticker.SYSTEM), null,
        null);
    List<RouteSpec> routes = List.of(
        new RouteSpec("acme", new RouteMatch(List.of(),
            new PathMatch.Prefix("/.well-known/acme-challenge/"), Set.of(), List.of(),
            List.of()), List.of(), pool, null, null, null, HeaderOps.NONE, HeaderOps.NONE, null),
        RouteSpec.redirect("api", new RouteMatch(List.of("api.example.com"), null, Set.of(),
            List.of(), List.of()), List.of(), new HttpsRedirect(8443, 308)),
        RouteSpec.redirect("https", RouteMatch.ANY,
            List.of(new DenyRule(Set.of("TRACE"), null, List.of(), List.of(), 405)),
            HttpsRedirect.DEFAULT));
    proxy = new ProxyServer(ProxySettings.defaults(), new ProxyObserver() {
      @Override
      public void onRequestComplete(RequestLog log) {
        logs.add(log);
      }
    }, 2);
    address = proxy.start(List.of(new ListenerSpec("plain",
        new InetSocketAddress("127.0.0.1", 0), routes))).get(0);
  }

  @AfterEach
  void close() {
    proxy.close();
    acme.close();
    control.close();
  }

  @Test
  void redirectsToTheSameUrlOnHttpsAndKeepsTheConnection() throws Exception {
    try (RawClient c = new RawClient(address)) {
      c.send("GET /shop/cart?item=42&q=a%20b HTTP/1.1\r\nHost: www.example.com\r\n\r\n");
      RawClient.Response r = c.read();
      assertThat(r.status()).isEqualTo(301);
      assertThat(r.header("location")).isEqualTo("https://www.example.com/shop/cart?item=42&q=a%20b");
      assertThat(r.header("content-length")).isEqualTo("0");
      assertThat(r.header("connection")).isNull();
      assertThat(r.body()).isEmpty();

      // The same connection: the configured port and status; the request's own port goes.
      c.send("GET /v1/users HTTP/1.1\r\nHost: API.example.com:80\r\n\r\n");
      RawClient.Response api = c.read();
      assertThat(api.status()).isEqualTo(308);
      assertThat(api.header("location")).isEqualTo("https://api.example.com:8443/v1/users");

      // An IPv6 literal keeps its brackets; HEAD gets the same head.
      c.send("HEAD /x HTTP/1.1\r\nHost: [2001:db8::7]:8080\r\n\r\n");
      RawClient.Response v6 = c.readHead();
      assertThat(v6.status()).isEqualTo(301);
      assertThat(v6.header("location")).isEqualTo("https://[2001:db8::7]/x");

      // Deny rules come first.
      c.send("TRACE / HTTP/1.1\r\nHost: www.example.com\r\n\r\n");
      assertThat(c.read().status()).isEqualTo(405);

      // An earlier route still proxies: ACME challenges reach the pool.
      c.send("GET /.well-known/acme-challenge/token-1 HTTP/1.1\r\nHost: www.example.com\r\n\r\n");
      RawClient.Response proxied = c.read();
      assertThat(proxied.status()).isEqualTo(200);
      assertThat(proxied.body()).isEqualTo("acme");
    }
    assertThat(acme.requests.get()).isEqualTo(1);
    assertThat(acme.lastUri).isEqualTo("/.well-known/acme-challenge/token-1");
  }

  @Test
  void aRequestWithABodyIsRedirectedAtOnceAndTheConnectionCloses() throws Exception {
    try (RawClient c = new RawClient(address)) {
      c.send("POST /form HTTP/1.1\r\nHost: www.example.com\r\nContent-Length: 5\r\n\r\nhello");
      RawClient.Response r = c.read();
      assertThat(r.status()).isEqualTo(301);
      assertThat(r.header("location")).isEqualTo("https://www.example.com/form");
      assertThat(r.header("connection")).isEqualTo("close");
      assertThat(c.closedByPeer()).isTrue();
    }
    try (RawClient c = new RawClient(address)) {
      c.send("GET / HTTP/1.1\r\nHost: www.example.com\r\nConnection: close\r\n\r\n");
      assertThat(c.read().header("connection")).isEqualTo("close");
      assertThat(c.closedByPeer()).isTrue();
    }
  }

  @Test
  void anHttp10RequestWithoutAHostIsRedirectedToTheAddressItReached() throws Exception {
    // RFC 9112 section 3.3: without a Host, the target URI's authority is the address and port
    // the client connected to; ballast fills it in before routing (RequestTarget).
    try (RawClient c = new RawClient(address)) {
      c.send("GET /x HTTP/1.0\r\n\r\n");
      RawClient.Response r = c.read();
      assertThat(r.status()).isEqualTo(301);
      assertThat(r.header("location")).isEqualTo("https://127.0.0.1/x");
      // HTTP/1.0 without keep-alive: the connection ends with the answer.
      assertThat(c.closedByPeer()).isTrue();
    }
  }

  @Test
  void aHostThatIsNotPlainlyAHostGets400() throws Exception {
    List<String> hosts = List.of("user@www.example.com", "www.example.com/evil", "a b",
        "evil.example\\good", "[::1", "www.example.com:99999", "%65vil.example");
    for (String host : hosts) {
      try (RawClient c = new RawClient(address)) {
        c.send("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
        RawClient.Response r = c.read();
        assertThat(r.status()).as("Host: %s", host).isEqualTo(400);
        assertThat(r.header("location")).as("Host: %s", host).isNull();
      }
    }
    // The last is a valid reg-name (RFC 3986 allows percent-encodings) and was refused by the
    // redirect itself; the others are not hosts at all and were refused with the request head
    // (HostSyntax). A record is made just after its answer is written, on the connection's own
    // event loop: wait for them.
    String refused = "no https redirect by route https: host is not a name or an address";
    await().untilAsserted(() -> assertThat(logs).filteredOn(l -> refused.equals(l.error()))
        .extracting(RequestLog::host).containsExactly("%65vil.example"));
    await().untilAsserted(() -> assertThat(logs)
        .filteredOn(l -> "host is not a valid host[:port]".equals(l.error())).hasSize(6));
    // CR within the value, folded lines and a second Host never make a Location either.
    for (String head : List.of("Host: evil.example\rSet-Cookie: a=1\r\n",
        "Host: www.example.com\r\n evil.example\r\n",
        "Host: www.example.com\r\nHost: evil.example\r\n")) {
      try (RawClient c = new RawClient(address)) {
        c.send("GET / HTTP/1.1\r\n" + head + "\r\n");
        RawClient.Response r = c.read();
        assertThat(r.status()).as(head).isEqualTo(400);
        assertThat(r.head()).as(head).doesNotContainIgnoringCase("location")
            .doesNotContainIgnoringCase("set-cookie");
      }
    }
  }

  @Test
  void theRedirectIsLoggedAsBallastsOwnAnswerWithItsRoute() throws Exception {
    try (RawClient c = new RawClient(address)) {
      c.send("GET /a?b=c HTTP/1.1\r\nHost: api.example.com\r\n\r\n");
      assertThat(c.read().status()).isEqualTo(308);
    }
    await().until(() -> !logs.isEmpty());
    RequestLog log = logs.peek();
    assertThat(log.status()).isEqualTo(308);
    assertThat(log.route()).isEqualTo("api");
    assertThat(log.uri()).isEqualTo("/a?b=c");
    assertThat(log.host()).isEqualTo("api.example.com");
    assertThat(log.pool()).isNull();
    assertThat(log.backend()).isNull();
    assertThat(log.attempts()).isZero();
    assertThat(log.error()).isEqualTo("https redirect by route api");
  }
}
