package io.ballast.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.core.attempt.AttemptOutcome;
import io.ballast.core.attempt.AttemptRecord;
import io.ballast.core.retry.RetrySettings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The HTTP/1.1 relay against backends that break the protocol on purpose ({@link ScriptedBackend}
 * writes their raw bytes), through the real proxy, with a client that pipelines
 * ({@link RawClient}):
 * <ul>
 *   <li>bytes after a complete response (a second response nobody asked for, a body on a 204,
 *       a 304 or a HEAD answer, the start of a head), or bytes that come while the connection
 *       sits in the pool, never answer the client's next request, and the connection they came
 *       on is closed, never reused; clean answers keep theirs, pipelined requests included;
 *   <li>a response that stalls mid-body is cut after the backend read timeout, and a client that
 *       reads slowly is not taken for a stalled backend;
 *   <li>1xx answers: 103 reaches HTTP/1.1 clients only, a 100 is not sent twice, a 101 that
 *       nothing asked for breaks the attempt.
 * </ul>
 * Every test checks that no buffer leaked.
 */
class RelayBadBackendTest {
  private static final String CLEAN_HEAD = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
  private static final String CLEAN = CLEAN_HEAD + "clean";
  private static final Duration READ_TIMEOUT = Duration.ofMillis(300);

  private final ConcurrentLinkedQueue<AttemptRecord> attempts = new ConcurrentLinkedQueue<>();
  private LeakWatch leaks;
  private ScriptedBackend backend;
  private ProxyFixture f;

  @BeforeEach
  void watchLeaks() {
    leaks = LeakWatch.install();
  }

  @AfterEach
  void stop() throws IOException {
    if (f != null) {
      f.close();
    }
    if (backend != null) {
      backend.close();
    }
    assertThat(leaks.leaks()).isEmpty();
  }

  /**
   * A proxy in front of one scripted backend that answers {@code /clean} cleanly and
   * {@code /poison} with {@code poison}.
   */
  private void start(ProxySettings settings, String poison) throws IOException {
    backend = new ScriptedBackend((request, conn) -> conn.send(
        !request.target().equals("/clean") ? poison
            : request.method().equals("HEAD") ? CLEAN_HEAD : CLEAN));
    f = ProxyFixture.inFrontOf(settings, RetrySettings.DEFAULTS, backend.port());
    f.proxy.useAttemptListener(attempts::add);
  }

  private static String request(String method, String path) {
    return method + " " + path + " HTTP/1.1\r\nHost: x\r\n\r\n";
  }

  /**
   * Sends {@code first} then {@code GET /clean}, in one write when {@code pipelined}, else the
   * second after the first answer; returns both answers.
   */
  private RawClient.Response[] exchange(RawClient c, String method, boolean pipelined)
      throws IOException {
    String first = request(method, "/poison");
    String second = request("GET", "/clean");
    boolean head = method.equals("HEAD");
    if (pipelined) {
      c.send(first, second);
      return new RawClient.Response[] {head ? c.readHead() : c.read(), c.read()};
    }
    c.send(first);
    RawClient.Response a = head ? c.readHead() : c.read();
    c.send(second);
    return new RawClient.Response[] {a, c.read()};
  }

  @ParameterizedTest(name = "pipelined: {0}")
  @ValueSource(booleans = {false, true})
  void cleanAnswersKeepTheirConnection(boolean pipelined) throws Exception {
    // The baseline the tests below depart from: a clean answer leaves its connection reusable.
    start(ProxySettings.defaults(), CLEAN);
    String get = request("GET", "/clean");
    try (RawClient c = new RawClient(f.address)) {
      if (pipelined) {
        c.send(get, get, get);
      }
      for (int i = 0; i < 3; i++) {
        if (!pipelined) {
          c.send(get);
        }
        assertThat(c.read().body()).isEqualTo("clean");
      }
    }
    // A pipelined request starts as the answer before it ends, while that answer's connection
    // is not back in the pool yet (it goes back at the end of the read): it may take another,
    // and the third request the first again.
    assertThat(backend.conns()).hasSizeLessThanOrEqualTo(pipelined ? 2 : 1)
        .allSatisfy(conn -> assertThat(conn.closedByPeer).isFalse());
    assertThat(backend.requests()).isEqualTo(3);
  }

  @Test
  void pipelinedRequestsReachTheBackendWhole() throws Exception {
    // The requests after the first are sent from the read of the answer before them, not from
    // a read of the client: their bodies must still be flushed to the backend.
    backend = new ScriptedBackend((request, conn) -> conn.send("HTTP/1.1 200 OK\r\n"
        + "Content-Length: " + request.body().length + "\r\n\r\n"
        + new String(request.body(), java.nio.charset.StandardCharsets.ISO_8859_1)));
    f = ProxyFixture.inFrontOf(ProxySettings.defaults(), RetrySettings.DEFAULTS, backend.port());
    String post = "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello";
    try (RawClient c = new RawClient(f.address)) {
      c.send(request("GET", "/a"), post, request("GET", "/b"), post);
      assertThat(c.read().body()).isEmpty();
      assertThat(c.read().body()).isEqualTo("hello");
      assertThat(c.read().body()).isEmpty();
      assertThat(c.read().body()).isEqualTo("hello");
    }
    assertThat(backend.conns()).allSatisfy(conn -> assertThat(conn.closedByPeer).isFalse());
    assertThat(backend.requests()).isEqualTo(4);
  }

  static Stream<Arguments> extraBytes() {
    String ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    String evil = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nevil";
    return Stream.of(
        Arguments.of("a second response", "GET", ok + evil, 200, "ok"),
        Arguments.of("a body on a 204", "GET",
            "HTTP/1.1 204 No Content\r\nContent-Length: 4\r\n\r\nevil", 204, ""),
        Arguments.of("a response as the body of a 204", "GET",
            "HTTP/1.1 204 No Content\r\n\r\n" + evil, 204, ""),
        Arguments.of("a body on a 304", "GET",
            "HTTP/1.1 304 Not Modified\r\nContent-Length: 4\r\n\r\nevil", 304, ""),
        Arguments.of("a body on a HEAD answer", "HEAD", evil, 200, ""),
        Arguments.of("the start of a status line", "GET", ok + "HTTP/1.1 200", 200, "ok"),
        Arguments.of("a status line whose headers never come", "GET",
            ok + "HTTP/1.1 403 Forbidden\r\n", 200, "ok"),
        Arguments.of("a head cut inside a header", "GET",
            ok + "HTTP/1.1 403 Forbidden\r\nX-Pad: ", 200, "ok"));
  }

  static Stream<Arguments> extraBytesEachWay() {
    return extraBytes().flatMap(a -> Stream.of(false, true).map(p -> {
      Object[] args = a.get();
      return Arguments.of(args[0], args[1], args[2], args[3], args[4], p);
    }));
  }

  @ParameterizedTest(name = "{0}, pipelined: {5}")
  @MethodSource("extraBytesEachWay")
  void bytesAfterAResponseNeverAnswerTheNextRequest(String name, String method, String poison,
      int status, String body, boolean pipelined) throws Exception {
    start(ProxySettings.defaults(), poison);
    try (RawClient c = new RawClient(f.address)) {
      RawClient.Response[] r = exchange(c, method, pipelined);
      assertThat(r[0].status()).isEqualTo(status);
      assertThat(r[0].body()).isEqualTo(body);
      assertThat(r[1].status()).isEqualTo(200);
      assertThat(r[1].body()).isEqualTo("clean");
    }
    // The poisoned connection carried its one request and was closed by ballast; the next
    // request went to a new one.
    await().untilAsserted(() -> assertThat(backend.conns().get(0).closedByPeer).isTrue());
    List<ScriptedBackend.Conn> conns = backend.conns();
    assertThat(conns).hasSize(2);
    assertThat(conns.get(0).requests).containsExactly(method + " /poison");
    assertThat(conns.get(1).requests).containsExactly("GET /clean");
    await().until(() -> f.logs.size() == 2);
    assertThat(f.logs).allSatisfy(l -> assertThat(l.error()).isNull());
  }

  /**
   * Bytes that arrive while a connection sits idle in the pool, too few to make a message: the
   * next request must not take that connection and read them as the start of its answer.
   */
  @Test
  void bytesArrivingOnAnIdleConnectionCloseIt() throws Exception {
    backend = new ScriptedBackend((request, conn) -> {
      conn.send(CLEAN);
      if (request.target().equals("/poison")) {
        sleep(100);
        conn.send("HTTP/1.1 403 Forbidden\r\nX-Pad: ");
      }
    });
    f = ProxyFixture.inFrontOf(ProxySettings.defaults(), RetrySettings.DEFAULTS, backend.port());
    try (RawClient c = new RawClient(f.address)) {
      c.send(request("GET", "/poison"));
      assertThat(c.read().body()).isEqualTo("clean");
      await().untilAsserted(() -> assertThat(backend.conns().get(0).closedByPeer).isTrue());
      c.send(request("GET", "/clean"));
      RawClient.Response r = c.read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.headers()).doesNotContainKey("x-pad");
      assertThat(r.body()).isEqualTo("clean");
    }
    assertThat(backend.conns()).hasSize(2);
  }

  @Test
  void aBodyThatStallsIsCutAfterTheReadTimeout() throws Exception {
    start(ProxySettings.defaults().withBackendReadTimeout(READ_TIMEOUT),
        "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + "x".repeat(50));
    try (RawClient c = new RawClient(f.address)) {
      long start = System.nanoTime();
      c.send(request("GET", "/poison"));
      RawClient.Response r = c.read();
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.complete()).as("truncated").isFalse();
      assertThat(r.body()).isEqualTo("x".repeat(50));
      assertThat(c.closedByPeer()).isTrue();
      // The response stopped right after its first bytes; cut after the read timeout, not
      // before, and long before the 60 s default or the client's patience.
      assertThat(took).isBetween(READ_TIMEOUT.minusMillis(50), Duration.ofSeconds(3));
    }
    await().until(() -> f.logs.size() == 1);
    assertThat(f.logs.peek().error()).contains("sent nothing for").contains("mid-response");
    assertThat(f.members.get(0).load().failures()).isEqualTo(1);
    assertThat(f.members.get(0).load().inFlight()).isZero();
    assertThat(attempts).singleElement().satisfies(a -> {
      assertThat(a.outcome()).isEqualTo(AttemptOutcome.BROKEN_AFTER_HEAD);
      assertThat(a.status()).isEqualTo(200);
      assertThat(a.loadFailure()).isTrue();
    });
    await().untilAsserted(() -> assertThat(backend.conns().get(0).closedByPeer).isTrue());
  }

  /**
   * A healthy backend, a large body and a client that stops reading, the backend connection
   * paused for it: that is no stall. Two pauses are much longer than the read timeout (a tick
   * falls inside them); the others last about the timeout, so that reading resumes about when a
   * tick comes, the tick that still counts from the last read before the pause.
   */
  @Test
  void aSlowClientIsNotCutByTheReadTimeout() throws Exception {
    int size = 16 << 20;
    byte[] body = new byte[size];
    for (int i = 0; i < size; i++) {
      body[i] = TestBackend.patternByte(i);
    }
    // Raw bytes as fast as ballast reads them: a Netty backend under paranoid leak detection
    // writing byte by byte would itself stall for longer than a short read timeout.
    backend = new ScriptedBackend((request, conn) -> {
      conn.send("HTTP/1.1 200 OK\r\nContent-Length: " + size + "\r\n\r\n");
      conn.send(body);
    });
    f = ProxyFixture.inFrontOf(ProxySettings.defaults().withBackendReadTimeout(READ_TIMEOUT),
        RetrySettings.DEFAULTS, backend.port());
    long[] pausesMillis = {250, 300, 2 * READ_TIMEOUT.toMillis() + 100, 305, 310, 295,
        2 * READ_TIMEOUT.toMillis() + 100, 300};
    try (RawClient c = new RawClient(f.address, 8192)) {
      c.send(request("GET", "/download"));
      assertThat(c.readHeadOnly()).startsWith("HTTP/1.1 200");
      InputStream in = c.input();
      long got = 0;
      byte[] buf = new byte[16384];
      int pauses = 0;
      while (got < size) {
        if (pauses < pausesMillis.length && got > (pauses + 1) * (size / 9)) {
          sleep(pausesMillis[pauses++]);
        }
        int n = in.read(buf, 0, (int) Math.min(buf.length, size - got));
        if (n < 0) {
          await().until(() -> !f.logs.isEmpty());
          throw new AssertionError("body cut after " + got + " bytes: " + f.logs.peek().error());
        }
        for (int i = 0; i < n; i++) {
          if (buf[i] != body[(int) got + i]) {
            throw new AssertionError("body byte " + (got + i) + " differs");
          }
        }
        got += n;
      }
      assertThat(pauses).isEqualTo(pausesMillis.length);
    }
    await().until(() -> f.logs.size() == 1);
    assertThat(f.logs.peek().error()).isNull();
    assertThat(f.members.get(0).load().failures()).isZero();
  }

  @ParameterizedTest(name = "pipelined: {0}")
  @ValueSource(booleans = {false, true})
  void earlyHintsReachAnHttp11ClientBeforeTheAnswer(boolean pipelined) throws Exception {
    start(ProxySettings.defaults(),
        "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n" + CLEAN);
    try (RawClient c = new RawClient(f.address)) {
      if (pipelined) {
        c.send(request("GET", "/poison"), request("HEAD", "/clean"));
      } else {
        c.send(request("GET", "/poison"));
      }
      RawClient.Response hints = c.read();
      assertThat(hints.status()).isEqualTo(103);
      assertThat(hints.header("link")).isEqualTo("</a.css>; rel=preload");
      RawClient.Response answer = c.read();
      assertThat(answer.status()).isEqualTo(200);
      assertThat(answer.body()).isEqualTo("clean");
      if (!pipelined) {
        c.send(request("HEAD", "/clean"));
      }
      // The interim answer took no request's place: the HEAD's answer has no body.
      RawClient.Response head = c.readHead();
      assertThat(head.status()).isEqualTo(200);
      assertThat(head.header("content-length")).isEqualTo("5");
      c.send(request("GET", "/clean"));
      assertThat(c.read().body()).isEqualTo("clean");
    }
    // Nothing of the exchange upset a backend connection either.
    assertThat(backend.conns()).allSatisfy(conn -> assertThat(conn.closedByPeer).isFalse());
  }

  @Test
  void anHttp10ClientGetsNoInterimAnswer() throws Exception {
    start(ProxySettings.defaults(),
        "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
            + "HTTP/1.1 100 Continue\r\n\r\n" + CLEAN);
    try (RawClient c = new RawClient(f.address)) {
      c.send("GET /poison HTTP/1.0\r\n\r\n");
      String all = c.readToClose();
      assertThat(all).startsWith("HTTP/1.1 200 ").endsWith("clean").doesNotContain(" 103 ")
          .doesNotContain(" 100 ");
    }
  }

  @Test
  void aBackendContinueAfterBallastsOwnIsNotSentTwice() throws Exception {
    start(ProxySettings.defaults(), "HTTP/1.1 100 Continue\r\n\r\n" + CLEAN);
    try (RawClient c = new RawClient(f.address)) {
      c.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
          + "Expect: 100-continue\r\n\r\n");
      // Ballast's own 100, once a backend connection takes the body.
      assertThat(c.read().status()).isEqualTo(100);
      c.send("hello");
      RawClient.Response answer = c.read();
      assertThat(answer.status()).isEqualTo(200);
      assertThat(answer.body()).isEqualTo("clean");
      // Nothing else came: the next answer on the connection is the next request's.
      c.send(request("GET", "/clean"));
      RawClient.Response next = c.read();
      assertThat(next.status()).isEqualTo(200);
      assertThat(next.body()).isEqualTo("clean");
    }
    assertThat(backend.conns().get(0).requests).first().isEqualTo("POST /upload");
  }

  @Test
  void anUnaskedContinueIsRelayed() throws Exception {
    // RFC 9110 section 15.2: a proxy forwards a 1xx it did not ask for itself.
    start(ProxySettings.defaults(), "HTTP/1.1 100 Continue\r\n\r\n" + CLEAN);
    try (RawClient c = new RawClient(f.address)) {
      c.send(request("GET", "/poison"));
      assertThat(c.read().status()).isEqualTo(100);
      assertThat(c.read().body()).isEqualTo("clean");
    }
  }

  @Test
  void a101NobodyAskedForBreaksTheAttempt() throws Exception {
    start(ProxySettings.defaults(),
        "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n");
    try (RawClient c = new RawClient(f.address)) {
      c.send(request("GET", "/poison"));
      RawClient.Response r = c.read();
      assertThat(r.status()).isEqualTo(502);
      // The client's connection stays usable.
      c.send(request("GET", "/clean"));
      assertThat(c.read().body()).isEqualTo("clean");
    }
    // Each attempt broke on its own connection (a reset after sending: retried as far as the
    // policy allows, three attempts), and ballast closed each of them; the fourth connection
    // served the next request.
    await().untilAsserted(() -> assertThat(backend.conns()).hasSize(4)
        .filteredOn(conn -> conn.requests.contains("GET /poison"))
        .allSatisfy(conn -> assertThat(conn.closedByPeer).isTrue()));
    assertThat(backend.conns()).extracting(conn -> conn.requests).containsExactly(
        List.of("GET /poison"), List.of("GET /poison"), List.of("GET /poison"),
        List.of("GET /clean"));
    assertThat(attempts).filteredOn(a -> a.outcome() == AttemptOutcome.RESET_AFTER_SENT)
        .hasSize(3);
    await().until(() -> f.logs.size() == 2);
    assertThat(f.logs.peek().error()).contains("unexpected 101");
  }

  /**
   * The head of an answer whose body is slow to follow reaches the client at once: ballast joins
   * a head with a body that ends in the same read of the backend, and holds a head no longer
   * than that read.
   */
  @ParameterizedTest(name = "chunked: {0}")
  @ValueSource(booleans = {false, true})
  void aHeadIsNotHeldForItsSlowBody(boolean chunked) throws Exception {
    backend = new ScriptedBackend((request, conn) -> {
      conn.send("HTTP/1.1 200 OK\r\n"
          + (chunked ? "Transfer-Encoding: chunked\r\n\r\n2\r\nab\r\n"
              : "Content-Length: 4\r\n\r\nab"));
      sleep(1500);
      conn.send(chunked ? "2\r\ncd\r\n0\r\n\r\n" : "cd");
    });
    f = ProxyFixture.inFrontOf(ProxySettings.defaults(), RetrySettings.DEFAULTS, backend.port());
    try (RawClient c = new RawClient(f.address)) {
      long start = System.nanoTime();
      c.send(request("GET", "/slow"));
      String head = c.readHeadOnly();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1200));
      assertThat(head).startsWith("HTTP/1.1 200 OK\r\n");
      String rest =
          new String(c.input().readNBytes(chunked ? 19 : 4), StandardCharsets.ISO_8859_1);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(1400));
      assertThat(rest).isEqualTo(chunked ? "2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n" : "abcd");
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
