package io.ballast.proxy.tcp;

import static io.ballast.proxy.tcp.TcpFixture.firstLine;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ballast.core.AdminState;
import io.ballast.core.Backend;
import io.ballast.core.pick.Algorithm;
import io.ballast.core.retry.RetrySettings;
import io.ballast.proxy.limits.ListenerLimits;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * TCP listeners through the real path on loopback: a real proxy, real java.net backends and
 * clients. Each test says what it holds the relay to.
 */
class TcpListenerTest {

  @Test
  void relaysBothWaysAndLogsTheClientsClose() throws Exception {
    try (TcpBackend echo = new TcpBackend("e", TcpBackend.ECHO);
        TcpFixture f = new TcpFixture(echo.port())) {
      try (Socket s = f.connect()) {
        s.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
        byte[] back = s.getInputStream().readNBytes(5);
        assertThat(new String(back, StandardCharsets.US_ASCII)).isEqualTo("hello");
        s.shutdownOutput();
        assertThat(s.getInputStream().read()).isEqualTo(-1);
      }
      await().until(() -> f.logs.size() == 1);
      TcpConnectionLog log = f.logs.peek();
      assertThat(log.end()).isEqualTo(TcpEnd.CLIENT_CLOSED);
      assertThat(log.backend()).isSameAs(f.members.get(0));
      assertThat(log.bytesFromClient()).isEqualTo(5);
      assertThat(log.bytesFromBackend()).isEqualTo(5);
      assertThat(log.connectNanos()).isPositive();
      assertThat(log.error()).isNull();
      Backend b = f.members.get(0);
      await().until(() -> b.load().inFlight() == 0 && b.load().requests() == 1);
      assertThat(b.load().failures()).isZero();
      assertThat(f.proxy.activeRequests()).isZero();
    }
  }

  @Test
  void aLargeStreamKeepsBallastsBuffersBoundedWhileTheClientReadsSlowly() throws Exception {
    long total = 32L << 20;
    // The backend keeps its side open: once it sends its FIN, the epoll transport reads what
    // the kernel held for that connection whatever the backpressure (docs/tcp.md, backpressure).
    try (TcpBackend source = new TcpBackend("s", TcpBackend.source(total, false));
        TcpFixture f = new TcpFixture(source.port())) {
      try (Socket s = f.connect()) {
        s.setReceiveBufferSize(64 * 1024);
        InputStream in = s.getInputStream();
        // Not reading: the backend fills the kernel buffers and ballast's, then stops being read.
        Thread.sleep(700);
        long held = f.proxy.tunnels().bufferedBytes();
        assertThat(held).isLessThan(1 << 20);
        byte[] buf = new byte[64 * 1024];
        long offset = 0;
        int n;
        while (offset < total && (n = in.read(buf)) >= 0) {
          for (int i = 0; i < n; i++) {
            if (buf[i] != TcpBackend.pattern(offset + i)) {
              throw new AssertionError("byte " + (offset + i) + " differs");
            }
          }
          offset += n;
        }
        assertThat(offset).isEqualTo(total);
        assertThat(f.proxy.tunnels().peakBufferedBytes()).isLessThan(1 << 20);
      }
      await().until(() -> f.logs.size() == 1);
      assertThat(f.logs.peek().bytesFromBackend()).isEqualTo(total);
      assertThat(f.logs.peek().end()).isEqualTo(TcpEnd.CLIENT_CLOSED);
    }
  }

  @Test
  void anUploadEchoedBackArrivesWhole() throws Exception {
    int total = 8 << 20;
    try (TcpBackend echo = new TcpBackend("e", TcpBackend.ECHO);
        TcpFixture f = new TcpFixture(echo.port())) {
      try (Socket s = f.connect()) {
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread writer = new Thread(() -> {
          try {
            OutputStream out = s.getOutputStream();
            byte[] chunk = new byte[32 * 1024];
            for (int sent = 0; sent < total; sent += chunk.length) {
              for (int i = 0; i < chunk.length; i++) {
                chunk[i] = TcpBackend.pattern(sent + i);
              }
              out.write(chunk);
            }
            s.shutdownOutput();
          } catch (IOException e) {
            failed.set(e);
          }
        });
        writer.start();
        InputStream in = s.getInputStream();
        byte[] buf = new byte[64 * 1024];
        long offset = 0;
        int n;
        while ((n = in.read(buf)) >= 0) {
          for (int i = 0; i < n; i++) {
            assertThat(buf[i]).isEqualTo(TcpBackend.pattern(offset + i));
          }
          offset += n;
        }
        writer.join();
        assertThat(failed.get()).isNull();
        await().until(() -> f.logs.size() == 1);
        assertThat(offset).as("%s", f.logs).isEqualTo(total);
      }
      await().until(() -> f.logs.size() == 1);
      assertThat(f.logs.peek().bytesFromClient()).isEqualTo(total);
    }
  }

  @Test
  void roundRobinSpreadsConnectionsEvenly() throws Exception {
    List<TcpBackend> named = List.of(new TcpBackend("n0", TcpBackend.NAME),
        new TcpBackend("n1", TcpBackend.NAME), new TcpBackend("n2", TcpBackend.NAME));
    try (TcpFixture f = new TcpFixture(ports(named))) {
      Map<String, Integer> counts = new HashMap<>();
      for (int i = 0; i < 9; i++) {
        try (Socket s = f.connect()) {
          counts.merge(firstLine(s), 1, Integer::sum);
        }
      }
      assertThat(counts).containsOnlyKeys("n0", "n1", "n2").allSatisfy((k, v) ->
          assertThat(v).isEqualTo(3));
    } finally {
      closeAll(named);
    }
  }

  @Test
  void leastConnectionsCountsOpenConnections() throws Exception {
    List<TcpBackend> named = List.of(new TcpBackend("n0", TcpBackend.NAME),
        new TcpBackend("n1", TcpBackend.NAME));
    try (TcpFixture f = new TcpFixture(Algorithm.LEAST_CONNECTIONS, RetrySettings.DEFAULTS,
        Duration.ofMinutes(1), ports(named))) {
      // Three long connections: two land on one backend, one on the other.
      List<Socket> open = new ArrayList<>();
      Map<String, Integer> counts = new HashMap<>();
      for (int i = 0; i < 3; i++) {
        Socket s = f.connect();
        open.add(s);
        counts.merge(firstLine(s), 1, Integer::sum);
      }
      assertThat(counts.values()).containsExactlyInAnyOrder(1, 2);
      String busy = counts.get("n0") == 2 ? "n0" : "n1";
      String quiet = busy.equals("n0") ? "n1" : "n0";
      // The next one goes where fewer are open.
      try (Socket s = f.connect()) {
        assertThat(firstLine(s)).isEqualTo(quiet);
      }
      for (Socket s : open) {
        s.close();
      }
      await().until(() -> f.members.stream().allMatch(b -> b.load().inFlight() == 0));
    } finally {
      closeAll(named);
    }
  }

  @Test
  void aRefusedConnectGoesOnToAnotherBackendBeforeAnyByteIsRelayed() throws Exception {
    int dead;
    try (ServerSocket probe = new ServerSocket(0)) {
      dead = probe.getLocalPort();
    }
    try (TcpBackend live = new TcpBackend("live", TcpBackend.NAME);
        TcpFixture f = new TcpFixture(dead, live.port())) {
      for (int i = 0; i < 4; i++) {
        try (Socket s = f.connect()) {
          assertThat(firstLine(s)).isEqualTo("live");
          s.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
          assertThat(new String(s.getInputStream().readNBytes(4), StandardCharsets.US_ASCII))
              .isEqualTo("ping");
        }
      }
      await().until(() -> f.logs.size() == 4);
      assertThat(f.logs).allMatch(l -> l.backend() == f.members.get(1));
      assertThat(f.logs).anyMatch(l -> l.backendsTried().equals(f.members));
      assertThat(f.connectFailures).isNotEmpty()
          .allMatch(r -> r.equals("b0 connect refused"));
      // The refused connect took b0 out (passive health): later connections go straight to b1.
      assertThat(f.pool.available(f.members.get(0))).isFalse();
    }
  }

  @Test
  void whenEveryConnectFailsTheClientIsClosedAndTheLogSaysWhy() throws Exception {
    int dead;
    try (ServerSocket probe = new ServerSocket(0)) {
      dead = probe.getLocalPort();
    }
    try (TcpFixture f = new TcpFixture(dead)) {
      try (Socket s = f.connect()) {
        assertThat(s.getInputStream().read()).isEqualTo(-1);
      }
      await().until(() -> f.logs.size() == 1);
      TcpConnectionLog log = f.logs.peek();
      assertThat(log.end()).isIn(TcpEnd.CONNECT_FAILED);
      assertThat(log.backend()).isNull();
      assertThat(log.error()).contains("connect refused");
      try (Socket s = f.connect()) {
        assertThat(s.getInputStream().read()).isEqualTo(-1);
      }
      // b0 is out now: the next client finds no backend at all.
      await().until(() -> f.logs.size() == 2);
      assertThat(new ArrayList<>(f.logs).get(1).end()).isEqualTo(TcpEnd.NO_BACKEND);
    }
  }

  @Test
  void aBackendThatNeverAnswersIsClosedAtTheIdleTimeout() throws Exception {
    try (TcpBackend silent = new TcpBackend("silent", TcpBackend.SILENT);
        TcpFixture f = new TcpFixture(Algorithm.ROUND_ROBIN, RetrySettings.DEFAULTS,
            Duration.ofMillis(300), silent.port())) {
      long t0 = System.nanoTime();
      try (Socket s = f.connect()) {
        s.getOutputStream().write("anyone?".getBytes(StandardCharsets.US_ASCII));
        assertThat(s.getInputStream().read()).isEqualTo(-1);
      }
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isBetween(
          Duration.ofMillis(250), Duration.ofSeconds(4));
      await().until(() -> f.logs.size() == 1);
      assertThat(f.logs.peek().end()).isEqualTo(TcpEnd.IDLE_TIMEOUT);
      assertThat(f.logs.peek().error()).isEqualTo("idle timeout after 300 ms");
      // An idle connection is no failure of the backend.
      assertThat(f.members.get(0).load().failures()).isZero();
    }
  }

  @Test
  void aBackendResetMidStreamResetsItsClientAndLeavesTheOthersAlone() throws Exception {
    try (TcpBackend resetter = new TcpBackend("resetter", TcpBackend.resetAfter(4));
        TcpBackend echo = new TcpBackend("echo", TcpBackend.NAME);
        TcpFixture f = new TcpFixture(resetter.port(), echo.port())) {
      Socket first = f.connect();
      Socket second = f.connect();
      Socket broken = firstLine(first).equals("resetter") ? first : second;
      Socket healthy = broken == first ? second : first;
      if (broken == second) {
        firstLine(second);
      } else {
        assertThat(firstLine(second)).isEqualTo("echo");
      }
      try (broken; healthy) {
        broken.getOutputStream().write("boom".getBytes(StandardCharsets.US_ASCII));
        assertThatThrownBy(() -> {
          // A reset, not an orderly end: the client must not take a cut stream for a whole one.
          while (broken.getInputStream().read() >= 0) {
            // Nothing more should come.
          }
        }).isInstanceOf(SocketException.class).hasMessageContaining("reset");
        healthy.getOutputStream().write("still here".getBytes(StandardCharsets.US_ASCII));
        assertThat(new String(healthy.getInputStream().readNBytes(10), StandardCharsets.US_ASCII))
            .isEqualTo("still here");
      }
      await().until(() -> f.logs.size() == 2);
      assertThat(f.logs).filteredOn(l -> l.backend() == f.members.get(0)).singleElement()
          .satisfies(l -> {
            assertThat(l.end()).isEqualTo(TcpEnd.BACKEND_RESET);
            assertThat(l.error()).isEqualTo("backend reset the connection");
          });
      assertThat(f.members.get(0).load().failures()).isEqualTo(1);
      assertThat(f.members.get(1).load().failures()).isZero();
    }
  }

  @Test
  void aDrainingBackendGetsNoNewConnectionsAndKeepsItsOpenOnes() throws Exception {
    List<TcpBackend> named = List.of(new TcpBackend("n0", TcpBackend.NAME),
        new TcpBackend("n1", TcpBackend.NAME));
    try (TcpFixture f = new TcpFixture(ports(named))) {
      Socket a = f.connect();
      Socket b = f.connect();
      Socket onN0 = firstLine(a).equals("n0") ? a : b;
      if (onN0 == b) {
        firstLine(b);
      } else {
        firstLine(b);
      }
      Backend n0 = f.members.get(0);
      f.pool.setAdminState(n0, AdminState.DRAINING, "test");
      await().until(() -> !f.pool.inService(n0));
      for (int i = 0; i < 4; i++) {
        try (Socket s = f.connect()) {
          assertThat(firstLine(s)).isEqualTo("n1");
        }
      }
      try (a; b) {
        onN0.getOutputStream().write("alive".getBytes(StandardCharsets.US_ASCII));
        assertThat(new String(onN0.getInputStream().readNBytes(5), StandardCharsets.US_ASCII))
            .isEqualTo("alive");
      }
    } finally {
      closeAll(named);
    }
  }

  @Test
  void aHashOnTheClientAddressKeepsEachClientOnItsBackend() throws Exception {
    List<TcpBackend> named = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      named.add(new TcpBackend("n" + i, TcpBackend.NAME));
    }
    try (TcpFixture f = new TcpFixture(Algorithm.MAGLEV, RetrySettings.DEFAULTS,
        Duration.ofMinutes(1), ports(named))) {
      Map<String, String> firstSeen = new HashMap<>();
      for (int round = 0; round < 3; round++) {
        for (int host = 1; host <= 8; host++) {
          InetAddress from = InetAddress.getByName("127.0.0." + host);
          try (Socket s = f.connectFrom(from)) {
            String got = firstLine(s);
            assertThat(firstSeen.computeIfAbsent(from.getHostAddress(), k -> got))
                .as("client %s, round %d", from, round).isEqualTo(got);
          }
        }
      }
      // Eight addresses over four backends land on more than one of them.
      assertThat(new java.util.HashSet<>(firstSeen.values())).hasSizeGreaterThan(1);
    } finally {
      closeAll(named);
    }
  }

  @Test
  void aLeavingBackendsConnectionsCloseWhenItIsForgotten() throws Exception {
    try (TcpBackend echo = new TcpBackend("e", TcpBackend.NAME);
        TcpFixture f = new TcpFixture(echo.port())) {
      try (Socket s = f.connect()) {
        assertThat(firstLine(s)).isEqualTo("e");
        f.proxy.forgetBackend(f.members.get(0));
        assertThat(s.getInputStream().read()).isEqualTo(-1);
      }
      await().until(() -> f.logs.size() == 1);
      assertThat(f.logs.peek().end()).isEqualTo(TcpEnd.SHUTDOWN);
    }
  }

  @Test
  void aReplacedSpecLimitsTheNextConnectionsPerClientAndKeepsTheOpenOnes() throws Exception {
    try (TcpBackend named = new TcpBackend("n", TcpBackend.NAME);
        TcpFixture f = new TcpFixture(named.port())) {
      try (Socket first = f.connect()) {
        assertThat(firstLine(first)).isEqualTo("n");
        f.proxy.tcp().replace(new TcpListenerSpec("tcp", new InetSocketAddress("127.0.0.1", 0),
            f.ref, Duration.ofMillis(500), Duration.ofMinutes(1), null,
            new ListenerLimits(ListenerLimits.NONE, 1, ListenerLimits.NONE)));
        // The open connection was accepted before the limit: it is not counted against it.
        try (Socket second = f.connect()) {
          assertThat(firstLine(second)).isEqualTo("n");
          try (Socket third = f.connect()) {
            // Closed at accept, before a byte is read.
            assertThat(third.getInputStream().read()).isEqualTo(-1);
          }
        }
        first.getOutputStream().write("ok".getBytes(StandardCharsets.US_ASCII));
        assertThat(new String(first.getInputStream().readNBytes(2), StandardCharsets.US_ASCII))
            .isEqualTo("ok");
      }
      assertThat(f.proxy.tcp().address("tcp")).isEqualTo(f.address);
    }
  }

  private static int[] ports(List<TcpBackend> backends) {
    return backends.stream().mapToInt(TcpBackend::port).toArray();
  }

  private static void closeAll(List<TcpBackend> backends) throws IOException {
    for (TcpBackend b : backends) {
      b.close();
    }
  }

}
