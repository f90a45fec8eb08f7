package io.ballast.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ballast.core.Backend;
import io.ballast.core.ControlLoop;
import io.ballast.core.Rng;
import io.ballast.core.pick.Algorithm;
import io.ballast.core.pool.HealthSettings;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.pool.PoolListener;
import io.ballast.proxy.mirror.Mirror;
import io.ballast.proxy.mirror.MirrorSpec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link Mirror} against real shadow backends on loopback, sending from a real event loop. */
class MirrorTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final ControlLoop control = new ControlLoop("mirror-test-control", Throwable::printStackTrace);
  private final List<AutoCloseable> closing = new ArrayList<>();
  private final List<ByteBuf> bodies = new ArrayList<>();
  private EventLoopGroup group;
  private EventLoop loop;
  private LeakWatch leaks;

  @BeforeEach
  void start() {
    leaks = LeakWatch.install();
    group = Transport.newGroup(1, "mirror-test");
    loop = group.next();
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    control.close();
    // Every body handed to the mirror was released, whatever became of its copy.
    for (ByteBuf b : bodies) {
      assertThat(b.refCnt()).as("body refCnt").isZero();
    }
    assertThat(leaks.leaks()).isEmpty();
  }

  private ShadowBackend shadow() {
    ShadowBackend s = new ShadowBackend();
    closing.add(s);
    return s;
  }

  private LoadBalancer pool(int... ports) {
    List<Backend> members = new ArrayList<>();
    for (int i = 0; i < ports.length; i++) {
      members.add(new Backend("s" + i, "127.0.0.1", ports[i], 1));
    }
    return new LoadBalancer("shadow", members, Algorithm.ROUND_ROBIN,
        HealthSettings.PASSIVE_ONLY, control, Rng.seeded(7),
        PoolListener.NONE);
  }

  private Mirror mirror(MirrorSpec spec) {
    Mirror m = new Mirror(spec);
    closing.add(m);
    return m;
  }

  private ByteBuf body(byte[] bytes) {
    ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(bytes.length);
    b.writeBytes(bytes);
    bodies.add(b);
    return b;
  }

  private static HttpRequest get(String uri) {
    HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
    r.headers().set("host", "app.example");
    return r;
  }

  private static org.awaitility.core.ConditionFactory waiting() {
    return await().atMost(WAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5));
  }

  /** Runs {@code task} on the test event loop and waits for it. */
  private void onLoop(Runnable task) throws Exception {
    loop.submit(task).get(5, TimeUnit.SECONDS);
  }

  @Test
  void copiesMethodUriHeadersAndBodyByteIdentical() throws Exception {
    ShadowBackend s = shadow();
    Mirror m = mirror(new MirrorSpec(pool(s.port()), 100, 1 << 20, Duration.ofSeconds(5), 8));
    byte[] bytes = new byte[100_000];
    new Random(42).nextBytes(bytes);
    HttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.PUT,
        "/p/a?q=1&r=%20x");
    head.headers()
        .add("Host", "app.example:8080")
        .add("X-A", "1")
        .add("Connection", "keep-alive, x-hop")
        .add("X-Hop", "dropped")
        .add("Keep-Alive", "timeout=5")
        .add("Expect", "100-continue")
        .add("Transfer-Encoding", "chunked")
        .add("Content-Type", "application/octet-stream")
        .add("X-A", "2")
        .add("Cookie", "a=b; c=d")
        .add("X-Request-Id", "abc-123");

    m.send(loop, head, body(bytes));

    ShadowBackend.Received r = s.received.poll(10, TimeUnit.SECONDS);
    assertThat(r).isNotNull();
    assertThat(r.method()).isEqualTo("PUT");
    assertThat(r.uri()).isEqualTo("/p/a?q=1&r=%20x");
    assertThat(r.version()).isEqualTo("HTTP/1.1");
    assertThat(r.body()).isEqualTo(bytes);
    assertThat(r.header("host")).isEqualTo("app.example-shadow:8080");
    assertThat(r.header("content-length")).isEqualTo("100000");
    // Every end-to-end header, in order, values untouched; no hop-by-hop one, no Expect.
    List<Map.Entry<String, String>> endToEnd = r.headers().stream()
        .filter(e -> !e.getKey().equalsIgnoreCase("host")
            && !e.getKey().equalsIgnoreCase("content-length"))
        .toList();
    assertThat(endToEnd).containsExactly(
        Map.entry("X-A", "1"),
        Map.entry("Content-Type", "application/octet-stream"),
        Map.entry("X-A", "2"),
        Map.entry("Cookie", "a=b; c=d"),
        Map.entry("X-Request-Id", "abc-123"));
    waiting().until(() -> m.stats().completed2xx() == 1);
    Mirror.Stats st = m.stats();
    assertThat(st.sent()).isEqualTo(1);
    assertThat(st.inFlight()).isZero();
    assertThat(st.failed() + st.dropped()).isZero();
  }

  @Test
  void bodilessRequestWithoutHostGetsTheBackendAddressMarked() throws Exception {
    ShadowBackend s = shadow();
    Mirror m = mirror(new MirrorSpec(pool(s.port()), 100, 1024, Duration.ofSeconds(5), 8));
    HttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_0, HttpMethod.GET, "/old");

    m.send(loop, head, Unpooled.EMPTY_BUFFER);

    ShadowBackend.Received r = s.received.poll(10, TimeUnit.SECONDS);
    assertThat(r).isNotNull();
    assertThat(r.version()).isEqualTo("HTTP/1.1");
    assertThat(r.header("host")).isEqualTo("127.0.0.1-shadow:" + s.port());
    assertThat(r.header("content-length")).isNull();
    assertThat(r.body()).isEmpty();
    waiting().until(() -> m.stats().completed2xx() == 1);
  }

  @Test
  void shadowHostGoesBeforeThePort() {
    assertThat(Mirror.shadowHost("example.com")).isEqualTo("example.com-shadow");
    assertThat(Mirror.shadowHost("example.com:8080")).isEqualTo("example.com-shadow:8080");
    assertThat(Mirror.shadowHost("[::1]:80")).isEqualTo("[::1]-shadow:80");
    assertThat(Mirror.shadowHost("[::1]")).isEqualTo("[::1]-shadow");
    assertThat(Mirror.shadowHost("example.com:")).isEqualTo("example.com:-shadow");
    assertThat(Mirror.shadowHost("a:b")).isEqualTo("a:b-shadow");
  }

  @Test
  void samplesItsShareWithinStatisticalBounds() throws Exception {
    LoadBalancer p = pool(1);
    int n = 2000;
    // Binomial(2000, 0.1): mean 200, sigma 13.4; 5 sigma either side.
    Random seeded = new Random(2024);
    Mirror m = new Mirror(new MirrorSpec(p, 10, 0, Duration.ofSeconds(1), 1), seeded::nextDouble);
    Mirror live = new Mirror(new MirrorSpec(p, 10, 0, Duration.ofSeconds(1), 1));
    int hits = 0;
    int liveHits = 0;
    for (int i = 0; i < n; i++) {
      hits += m.sample() ? 1 : 0;
      liveHits += live.sample() ? 1 : 0;
    }
    assertThat(hits).isBetween(133, 267);
    assertThat(liveHits).isBetween(133, 267);
    Mirror half = new Mirror(new MirrorSpec(p, 0.5, 0, Duration.ofSeconds(1), 1),
        new Random(7)::nextDouble);
    int halfHits = 0;
    for (int i = 0; i < 20_000; i++) {
      halfHits += half.sample() ? 1 : 0;
    }
    // Binomial(20000, 0.005): mean 100, sigma 10.
    assertThat(halfHits).isBetween(50, 150);
    Mirror none = new Mirror(new MirrorSpec(p, 0, 0, Duration.ofSeconds(1), 1));
    Mirror all = new Mirror(new MirrorSpec(p, 100, 0, Duration.ofSeconds(1), 1));
    for (int i = 0; i < n; i++) {
      assertThat(none.sample()).isFalse();
      assertThat(all.sample()).isTrue();
    }
    // Sampling is not counted: nothing was sent or dropped.
    assertThat(m.stats()).isEqualTo(new Mirror.Stats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
  }

  @Test
  void deadShadowCountsFailuresReportsThePoolAndLeaksNothing() throws Exception {
    int port;
    try (ServerSocket closed = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = closed.getLocalPort();
    }
    LoadBalancer p = pool(port);
    Backend dead = p.backends().get(0);
    Mirror m = mirror(new MirrorSpec(p, 100, 1 << 16, Duration.ofSeconds(2), 8));
    for (int i = 0; i < 3; i++) {
      m.send(loop, get("/x"), body(new byte[100]));
    }
    // The first refused connect takes the backend out; copies picked after that are dropped.
    waiting().until(() -> m.stats().sent() + m.stats().droppedNoBackend() == 3
        && m.stats().inFlight() == 0);
    Mirror.Stats st = m.stats();
    assertThat(st.sent()).isPositive();
    assertThat(st.failedConnect()).isEqualTo(st.sent());
    assertThat(st.completed() + st.failedTimeout() + st.failedReset()).isZero();
    waiting().until(() -> !p.health(dead).serving());
    assertThat(dead.load().inFlight()).isZero();

    m.send(loop, get("/y"), body(new byte[10]));
    waiting().until(() -> m.stats().droppedNoBackend() == st.droppedNoBackend() + 1);
    assertThat(m.stats().sent()).isEqualTo(st.sent());
  }

  @Test
  void silentShadowTimesOutFreesTheSlotAndHoldsMaxInFlight() throws Exception {
    ShadowBackend s = shadow();
    s.mode = ShadowBackend.Mode.SILENT;
    LoadBalancer p = pool(s.port());
    Backend shadow = p.backends().get(0);
    Duration timeout = Duration.ofMillis(300);
    Mirror m = mirror(new MirrorSpec(p, 100, 1024, timeout, 2));
    long start = System.nanoTime();
    onLoop(() -> {
      for (int i = 0; i < 3; i++) {
        m.send(loop, get("/slow"), body(new byte[10]));
      }
    });
    Mirror.Stats st = m.stats();
    assertThat(st.sent()).isEqualTo(2);
    assertThat(st.droppedOverLimit()).isEqualTo(1);
    assertThat(st.inFlight()).isEqualTo(2);
    // Both copies got there: the shadow holds them unanswered.
    waiting().until(() -> s.received.size() == 2);
    assertThat(shadow.load().inFlight()).isEqualTo(2);

    waiting().until(() -> m.stats().failedTimeout() == 2);
    assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(timeout.toNanos());
    assertThat(m.stats().inFlight()).isZero();
    assertThat(shadow.load().inFlight()).isZero();
    assertThat(shadow.load().failures()).isEqualTo(2);
    // The timed-out connections were closed, not kept for reuse.
    waiting().until(() -> s.open.isEmpty());

    // The slots are free again.
    onLoop(() -> {
      m.send(loop, get("/slow"), body(new byte[10]));
      m.send(loop, get("/slow"), body(new byte[10]));
    });
    assertThat(m.stats().sent()).isEqualTo(4);
    assertThat(m.stats().droppedOverLimit()).isEqualTo(1);
    waiting().until(() -> m.stats().failedTimeout() == 4);
    assertThat(s.connections.get()).isEqualTo(4);
  }

  @Test
  void maxInFlightHoldsPerEventLoop() throws Exception {
    ShadowBackend s = shadow();
    s.mode = ShadowBackend.Mode.SILENT;
    Mirror m = mirror(new MirrorSpec(pool(s.port()), 100, 1024, Duration.ofMillis(300), 1));
    EventLoopGroup two = Transport.newGroup(2, "mirror-test-two");
    try {
      for (int l = 0; l < 2; l++) {
        EventLoop other = two.next();
        other.submit(() -> {
          m.send(other, get("/a"), body(new byte[1]));
          m.send(other, get("/b"), body(new byte[1]));
        }).get(5, TimeUnit.SECONDS);
      }
      assertThat(m.stats().sent()).isEqualTo(2);
      assertThat(m.stats().droppedOverLimit()).isEqualTo(2);
      waiting().until(() -> m.stats().failedTimeout() == 2);
    } finally {
      two.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  @Test
  void bodyOverMaxBodyIsDropped() throws Exception {
    ShadowBackend s = shadow();
    Mirror m = mirror(new MirrorSpec(pool(s.port()), 100, 1000, Duration.ofSeconds(5), 8));
    m.send(loop, get("/big"), body(new byte[1001]));
    waiting().until(() -> m.stats().droppedTooBig() == 1);
    assertThat(m.stats().sent()).isZero();

    m.send(loop, get("/fits"), body(new byte[1000]));
    waiting().until(() -> m.stats().completed2xx() == 1);
    assertThat(s.received).hasSize(1);
    assertThat(s.received.peek().uri()).isEqualTo("/fits");
    assertThat(s.received.peek().body()).hasSize(1000);
  }

  @Test
  void reusesConnectionsAndDiscardsResponsesOfEveryClass() throws Exception {
    ShadowBackend s = shadow();
    s.chunked = true;
    s.responseBytes = 64 * 1024;
    LoadBalancer p = pool(s.port());
    Backend shadow = p.backends().get(0);
    Mirror m = mirror(new MirrorSpec(p, 100, 1024, Duration.ofSeconds(5), 4));
    for (int i = 1; i <= 20; i++) {
      if (i == 15) {
        s.status = 503;
      } else if (i == 18) {
        s.status = 404;
      }
      m.send(loop, get("/r" + i), body(new byte[] {(byte) i}));
      int done = i;
      waiting().until(() -> m.stats().completed() == done);
    }
    assertThat(s.connections.get()).isEqualTo(1);
    Mirror.Stats st = m.stats();
    assertThat(st.completed2xx()).isEqualTo(14);
    assertThat(st.completed5xx()).isEqualTo(3);
    assertThat(st.completed4xx()).isEqualTo(3);
    assertThat(st.failed() + st.dropped()).isZero();
    int[] idle = new int[1];
    onLoop(() -> idle[0] = m.idleConnections(loop));
    assertThat(idle[0]).isEqualTo(1);
    // The shadow pool learned every outcome: 5xx count against the backend, 4xx do not.
    assertThat(shadow.load().requests()).isEqualTo(20);
    assertThat(shadow.load().failures()).isEqualTo(3);
    assertThat(shadow.load().inFlight()).isZero();
    assertThat(shadow.load().hasLatencySample()).isTrue();

    // Concurrent copies open at most one connection each, and all come back to the pool bounded.
    s.status = 200;
    onLoop(() -> {
      for (int i = 0; i < 4; i++) {
        m.send(loop, get("/c" + i), body(new byte[1]));
      }
    });
    waiting().until(() -> m.stats().completed() == 24);
    assertThat(s.connections.get()).isBetween(1, 4);
    onLoop(() -> idle[0] = m.idleConnections(loop));
    assertThat(idle[0]).isEqualTo(s.connections.get());
  }

  @Test
  void connectionClosedUnderTheCopyIsAResetAndNotReused() throws Exception {
    ShadowBackend s = shadow();
    s.mode = ShadowBackend.Mode.CLOSE;
    Mirror m = mirror(new MirrorSpec(pool(s.port()), 100, 1024, Duration.ofSeconds(5), 4));
    m.send(loop, get("/a"), body(new byte[5]));
    waiting().until(() -> m.stats().failedReset() == 1);
    s.mode = ShadowBackend.Mode.ANSWER;
    m.send(loop, get("/b"), body(new byte[5]));
    waiting().until(() -> m.stats().completed2xx() == 1);
    assertThat(s.connections.get()).isEqualTo(2);
    assertThat(m.stats().inFlight()).isZero();
  }

  @Test
  void closedMirrorReleasesWhatItIsGivenAndClosesIdleConnections() throws Exception {
    ShadowBackend s = shadow();
    Mirror m = mirror(new MirrorSpec(pool(s.port()), 100, 1024, Duration.ofSeconds(5), 4));
    m.send(loop, get("/a"), body(new byte[5]));
    waiting().until(() -> m.stats().completed2xx() == 1);
    assertThat(s.open).hasSize(1);
    m.close();
    waiting().until(() -> s.open.isEmpty());
    m.send(loop, get("/b"), body(new byte[5]));
    onLoop(() -> { });
    assertThat(m.stats().sent()).isEqualTo(1);
    assertThat(s.received).hasSize(1);
  }

  @Test
  void specIsValidated() {
    LoadBalancer p = pool(1);
    Duration s = Duration.ofSeconds(1);
    assertThatThrownBy(() -> new MirrorSpec(p, 100.5, 0, s, 1))
        .hasMessage("percent: 100.5 (expected: 0..100)");
    assertThatThrownBy(() -> new MirrorSpec(p, -1, 0, s, 1))
        .hasMessage("percent: -1.0 (expected: 0..100)");
    assertThatThrownBy(() -> new MirrorSpec(p, Double.NaN, 0, s, 1))
        .hasMessage("percent: NaN (expected: 0..100)");
    assertThatThrownBy(() -> new MirrorSpec(p, 10, -1, s, 1))
        .hasMessage("maxBody: -1 (expected: >= 0)");
    assertThatThrownBy(() -> new MirrorSpec(p, 10, 0, Duration.ZERO, 1))
        .hasMessage("timeout: PT0S (expected: > 0)");
    assertThatThrownBy(() -> new MirrorSpec(p, 10, 0, s, 0))
        .hasMessage("maxInFlight: 0 (expected: >= 1)");
    assertThatThrownBy(() -> new MirrorSpec(p, 10, 0, s, 1, Duration.ofSeconds(-1)))
        .hasMessage("idleTimeout: PT-1S (expected: > 0)");
    assertThatThrownBy(() -> new MirrorSpec(null, 10, 0, s, 1))
        .isInstanceOf(NullPointerException.class).hasMessage("pool");
    assertThat(new MirrorSpec(p, 10, 0, s, 1).idleTimeout())
        .isEqualTo(MirrorSpec.DEFAULT_IDLE_TIMEOUT);
  }
}
