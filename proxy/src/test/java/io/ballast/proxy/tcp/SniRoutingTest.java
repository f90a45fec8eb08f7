package io.ballast.proxy.tcp;

import static io.ballast.proxy.tcp.TcpFixture.firstLine;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.core.Backend;
import io.ballast.proxy.LeakWatch;
import io.ballast.proxy.routing.PoolRef;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A TCP listener that routes TLS passthrough by the ClientHello's server name, through the real
 * path on loopback: real JDK ClientHellos from raw sockets (sent whole, a byte at a time, in
 * several records), real java.net backends that say who they are and echo what reached them, so
 * that each test sees where a connection went and that the backend got the client's bytes
 * exactly, once, first. And each bad input: its end, that no backend saw it, that other
 * connections did not notice, and that no buffer leaked.
 */
class SniRoutingTest {
  private LeakWatch leaks;

  @BeforeEach
  void watchLeaks() {
    leaks = LeakWatch.install();
  }

  @AfterEach
  void noLeaks() {
    assertThat(leaks.leaks()).isEmpty();
  }

  /** Routes a -> a.test, wild -> *.wild.test; {@code dflt} the default when given. */
  private static SniFixture fixture(boolean withDefault, Duration helloTimeout) throws IOException {
    SniFixture f = new SniFixture("a", "wild", "dflt");
    f.listen(new SniSpec(List.of(new SniRoute(List.of("a.test", "A2.test"), f.pool("a")),
        new SniRoute(List.of("*.wild.test"), f.pool("wild"))),
        withDefault ? f.pool("dflt") : null, helloTimeout), null, null);
    return f;
  }

  /** Sends {@code bytes}; the backend that answered, after checking it echoed them exactly. */
  static String sendAndSeeWhere(Socket s, byte[] bytes) throws IOException {
    s.getOutputStream().write(bytes);
    return whereAndEcho(s, bytes);
  }

  /** The backend's name line, then its echo of {@code sent}, which must be exactly that. */
  static String whereAndEcho(Socket s, byte[] sent) throws IOException {
    String name = firstLine(s);
    byte[] echoed = s.getInputStream().readNBytes(sent.length);
    assertThat(echoed).as("what reached backend " + name).isEqualTo(sent);
    return name;
  }

  /** What the client saw: -1 for an orderly close, -2 for a reset. */
  static int readAfterClose(Socket s) throws IOException {
    try {
      return s.getInputStream().read();
    } catch (SocketException e) {
      return -2;
    }
  }

  private static TcpConnectionLog awaitLog(SniFixture f, int n) {
    await().atMost(Duration.ofSeconds(5)).until(() -> f.logs.size() >= n);
    return f.logs.stream().skip(n - 1).findFirst().orElseThrow();
  }

  /** The one log that ended {@code end}, once it is there. */
  private static TcpConnectionLog awaitEnd(SniFixture f, TcpEnd end) {
    await().atMost(Duration.ofSeconds(5))
        .until(() -> f.logs.stream().anyMatch(l -> l.end() == end));
    return f.logs.stream().filter(l -> l.end() == end).findFirst().orElseThrow();
  }

  @Test
  void eachNameGoesToItsRouteAndTheBackendGetsTheClientHelloWhole() throws Exception {
    try (SniFixture f = fixture(true, null)) {
      String[][] cases = {
          {"a.test", "a"}, {"A2.TEST", "a"}, {"x.wild.test", "wild"}, {"Y.Wild.Test", "wild"},
          // One label only under a wildcard, and the wildcard's own domain is not under it.
          {"b.x.wild.test", "dflt"}, {"wild.test", "dflt"}, {"other.test", "dflt"}, {null, "dflt"}};
      for (String[] c : cases) {
        byte[] hello = ClientHellos.of(c[0]);
        try (Socket s = f.connect()) {
          assertThat(sendAndSeeWhere(s, hello)).as(c[0]).isEqualTo(c[1]);
          // The rest of the stream is relayed as it comes.
          byte[] more = "and then some".getBytes(StandardCharsets.US_ASCII);
          s.getOutputStream().write(more);
          assertThat(s.getInputStream().readNBytes(more.length)).isEqualTo(more);
        }
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> f.logs.size() == cases.length);
      TcpConnectionLog first = f.logs.stream().filter(l -> "a.test".equals(l.serverName()))
          .findFirst().orElseThrow();
      assertThat(first.pool()).isEqualTo("a");
      assertThat(first.end()).isEqualTo(TcpEnd.CLIENT_CLOSED);
      assertThat(first.bytesFromClient()).isEqualTo(ClientHellos.of("a.test").length + 13);
      assertThat(f.logs).filteredOn(l -> l.serverName() == null).singleElement()
          .satisfies(l -> assertThat(l.pool()).isEqualTo("dflt"));
      assertThat(f.logs).filteredOn(l -> "b.x.wild.test".equals(l.serverName())).singleElement()
          .satisfies(l -> assertThat(l.pool()).isEqualTo("dflt"));
    }
  }

  @Test
  void aClientHelloOneByteAtATimeOrInManyRecordsStillRoutes() throws Exception {
    try (SniFixture f = fixture(false, Duration.ofSeconds(10))) {
      byte[] hello = ClientHellos.of("x.wild.test");
      try (Socket s = f.connect()) {
        OutputStream out = s.getOutputStream();
        for (byte b : hello) {
          out.write(b);
          out.flush();
          Thread.sleep(1);
        }
        assertThat(whereAndEcho(s, hello)).isEqualTo("wild");
      }
      byte[] split = ClientHellos.inRecords(ClientHellos.of("a.test"), 4);
      try (Socket s = f.connect()) {
        assertThat(sendAndSeeWhere(s, split)).isEqualTo("a");
      }
      // Four records, each a byte at a time.
      try (Socket s = f.connect()) {
        for (byte b : split) {
          s.getOutputStream().write(b);
          s.getOutputStream().flush();
        }
        assertThat(whereAndEcho(s, split)).isEqualTo("a");
      }
    }
  }

  @Test
  void aRefusedConnectGoesOnAndTheNextBackendGetsTheClientHelloOnce() throws Exception {
    try (SniFixture f = new SniFixture("a")) {
      int dead;
      try (ServerSocket s = new ServerSocket(0)) {
        dead = s.getLocalPort();
      }
      // Round robin over a refusing member and a live one: of two connections, one tries the
      // refusing member first (then the pool takes it out), and goes on to the live one.
      PoolRef both = f.pool("both", List.of(new Backend("dead", "127.0.0.1", dead, 1),
          new Backend("a", "127.0.0.1", f.backends.get("a").port(), 1)));
      f.listen(new SniSpec(List.of(new SniRoute(List.of("a.test"), both)), null, null), null,
          null);
      byte[] hello = ClientHellos.of("a.test");
      for (int i = 0; i < 2; i++) {
        try (Socket s = f.connect()) {
          // whereAndEcho reads exactly the hello back: one copy, nothing before or after it.
          assertThat(sendAndSeeWhere(s, hello)).isEqualTo("a");
          s.shutdownOutput();
          assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
      }
      assertThat(f.connectFailures).containsExactly("dead connect refused");
      await().atMost(Duration.ofSeconds(5)).until(() -> f.logs.size() == 2);
      assertThat(f.logs).allSatisfy(l -> assertThat(l.bytesFromClient()).isEqualTo(hello.length));
      assertThat(f.logs).anySatisfy(l -> assertThat(l.backendsTried()).hasSize(2));
    }
  }

  @Test
  void aNameNoRouteListsIsClosedWithoutADefault() throws Exception {
    try (SniFixture f = fixture(false, null)) {
      for (String name : new String[] {"other.test", null}) {
        try (Socket s = f.connect()) {
          s.getOutputStream().write(ClientHellos.of(name));
          assertThat(readAfterClose(s)).isNegative();
        }
      }
      TcpConnectionLog log = awaitLog(f, 1);
      assertThat(log.end()).isEqualTo(TcpEnd.NO_ROUTE);
      assertThat(log.serverName()).isEqualTo("other.test");
      assertThat(log.pool()).isNull();
      assertThat(log.backend()).isNull();
      assertThat(log.error()).isEqualTo("no route for server name other.test, and no default pool");
      assertThat(awaitLog(f, 2).end()).isEqualTo(TcpEnd.NO_ROUTE);
      assertThat(f.accepted()).isZero();
      assertThat(f.proxy.tcp().openConnections()).isZero();
    }
  }

  @Test
  void whatIsNotAClientHelloIsClosedAndCountedAndTheOthersGoOn() throws Exception {
    try (SniFixture f = fixture(true, Duration.ofSeconds(1))) {
      // A connection that sends half a ClientHello and waits, open all along.
      byte[] hello = ClientHellos.of("a.test");
      Socket slow = f.connect();
      slow.getOutputStream().write(Arrays.copyOf(hello, hello.length / 2));

      // Plain HTTP.
      try (Socket s = f.connect()) {
        s.getOutputStream().write("GET / HTTP/1.1\r\nHost: a.test\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII));
        assertThat(readAfterClose(s)).isNegative();
      }
      assertThat(awaitEnd(f, TcpEnd.NOT_TLS).error())
          .isEqualTo("the first bytes are not a TLS ClientHello");
      // Half a ClientHello, then the client closes.
      try (Socket s = f.connect()) {
        s.getOutputStream().write(Arrays.copyOf(hello, 40));
        s.shutdownOutput();
        assertThat(readAfterClose(s)).isNegative();
      }
      TcpConnectionLog truncated = awaitEnd(f, TcpEnd.CLIENT_HELLO_TRUNCATED);
      assertThat(truncated.error()).contains("after 40 bytes");
      // A ClientHello that says it is 1 MiB long: refused at its header.
      try (Socket s = f.connect()) {
        s.getOutputStream().write(ClientHellos.claiming(1 << 20));
        assertThat(readAfterClose(s)).isNegative();
      }
      assertThat(awaitEnd(f, TcpEnd.CLIENT_HELLO_TOO_LARGE).error())
          .isEqualTo("ClientHello longer than 16384 bytes");
      // A client that connects and says nothing at all.
      try (Socket s = f.connect()) {
        s.shutdownOutput();
        assertThat(readAfterClose(s)).isNegative();
      }
      assertThat(awaitEnd(f, TcpEnd.CLIENT_LEFT).error())
          .isEqualTo("client closed before its ClientHello");

      // Meanwhile a well-behaved client is served as ever.
      try (Socket s = f.connect()) {
        assertThat(sendAndSeeWhere(s, ClientHellos.of("x.wild.test"))).isEqualTo("wild");
      }
      // The slow one is closed at its timeout, having reached nothing.
      long start = System.nanoTime();
      assertThat(readAfterClose(slow)).isNegative();
      slow.close();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
      await().atMost(Duration.ofSeconds(5)).until(() -> f.logs.size() == 6);
      assertThat(f.logs).filteredOn(l -> l.end() == TcpEnd.CLIENT_HELLO_TIMEOUT).singleElement()
          .satisfies(l -> {
            assertThat(l.durationNanos()).isBetween(Duration.ofMillis(900).toNanos(),
                Duration.ofSeconds(3).toNanos());
            assertThat(l.error()).isEqualTo("no whole ClientHello within 1000 ms ("
                + hello.length / 2 + " bytes came)");
          });
      assertThat(f.logs).filteredOn(l -> !l.end().relayed())
          .allSatisfy(l -> assertThat(l.pool()).isNull()).hasSize(5);
      // Only the good connection reached a backend.
      assertThat(f.accepted()).isEqualTo(1);
      assertThat(f.proxy.tcp().openConnections()).isZero();
    }
  }

  @Test
  void aClientThatConnectsAndWaitsIsClosedAtTheTimeout() throws Exception {
    try (SniFixture f = fixture(true, Duration.ofMillis(500))) {
      try (Socket s = f.connect()) {
        long start = System.nanoTime();
        InputStream in = s.getInputStream();
        assertThat(readAfterClose(s)).isNegative();
        assertThat(Duration.ofNanos(System.nanoTime() - start))
            .isBetween(Duration.ofMillis(400), Duration.ofSeconds(3));
        assertThat(in).isNotNull();
      }
      TcpConnectionLog log = awaitLog(f, 1);
      assertThat(log.end()).isEqualTo(TcpEnd.CLIENT_HELLO_TIMEOUT);
      assertThat(log.error()).isEqualTo("no whole ClientHello within 500 ms (0 bytes came)");
      assertThat(f.accepted()).isZero();
    }
  }

  @Test
  void aReloadReplacesTheRoutesForNewConnections() throws Exception {
    try (SniFixture f = fixture(false, null)) {
      Socket before = f.connect();
      byte[] hello = ClientHellos.of("a.test");
      assertThat(sendAndSeeWhere(before, hello)).isEqualTo("a");
      f.proxy.tcp().replace(f.spec(new SniSpec(List.of(
          new SniRoute(List.of("a.test"), f.pool("wild"))), null, null), null, null, null));
      try (Socket s = f.connect()) {
        assertThat(sendAndSeeWhere(s, hello)).isEqualTo("wild");
      }
      // The open connection keeps its backend.
      byte[] more = "still a".getBytes(StandardCharsets.US_ASCII);
      before.getOutputStream().write(more);
      assertThat(before.getInputStream().readNBytes(more.length)).isEqualTo(more);
      before.close();
      // Back to one pool, no names read: the zero-read path.
      f.proxy.tcp().replace(f.spec(null, null, null, f.pool("dflt")));
      try (Socket s = f.connect()) {
        assertThat(firstLine(s)).isEqualTo("dflt");
      }
    }
  }
}
