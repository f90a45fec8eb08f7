package io.ballast.server.handover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.server.testing.BallastProcess;
import io.ballast.server.testing.TestBackend;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An upgrade of a running ballast under load, with real processes on loopback: the new process
 * takes the old one's listening sockets (descriptors passed over the handover socket), the old
 * one drains and exits, and no request fails and no connection is refused on the way. A
 * take-over that fails leaves the old process serving.
 */
class HandoverProcessIT {
  /** The most the load runs; it stops {@link #AFTER} after the old process exited. */
  private static final Duration LOAD = Duration.ofSeconds(40);
  private static final Duration AFTER = Duration.ofSeconds(3);

  @TempDir Path tmp;
  private final List<AutoCloseable> open = new ArrayList<>();
  private TestBackend a;
  private TestBackend b;
  private int port;
  /** A tcp listener's: its socket moves like the HTTP listener's. */
  private int tcpPort;
  private int adminPort;
  private Path handover;
  /** Added to the balancers' environment. */
  private Map<String, String> env = Map.of();

  @BeforeEach
  void backends() throws IOException {
    Assumptions.assumeTrue(io.ballast.proxy.Transport.epoll(), "the handover needs epoll");
    a = track(new TestBackend("a"));
    b = track(new TestBackend("b"));
    port = freePort();
    tcpPort = freePort();
    adminPort = freePort();
    handover = tmp.resolve("handover.sock");
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  @Test
  void anUpgradeUnderLoadFailsNoRequestAndRefusesNoConnection() throws Exception {
    // As under systemd (Type=notify, NotifyAccess=all): both processes tell the notify socket.
    NotifyListener notify = track(new NotifyListener(tmp.resolve("notify.sock")));
    env = Map.of("NOTIFY_SOCKET", tmp.resolve("notify.sock").toString());
    BallastProcess old = startOld();
    HttpLoad load = new HttpLoad(new InetSocketAddress("127.0.0.1", port), "/")
        .start(3, 3, LOAD);
    HttpLoad admin = new HttpLoad(new InetSocketAddress("127.0.0.1", adminPort), "/readyz")
        .start(1, 0, LOAD);
    HttpLoad raw = new HttpLoad(new InetSocketAddress("127.0.0.1", tcpPort), "/")
        .start(1, 1, LOAD);
    Thread.sleep(2_000);
    System.out.println("starting the new process at " + java.time.LocalTime.now());

    BallastProcess next = track(BallastProcess.start("new", env, "run", "-c",
        config("new").toString(), "--no-watch", "--take-over", handover.toString()));
    AtomicLong oldGone = new AtomicLong();
    CompletableFuture<Process> oldExit = old.process().onExit()
        .whenComplete((p, e) -> oldGone.set(System.nanoTime()));
    next.awaitLine(Pattern.compile("the take-over is done"));
    assertThat(old.exitCode(Duration.ofSeconds(20))).as("the old process exits 0").isZero();
    oldExit.join();
    boolean switchedUnderLoad = load.running();
    load.stopAfter(AFTER);
    admin.stopAfter(AFTER);
    raw.stopAfter(AFTER);
    load.await();
    admin.await();
    raw.await();
    old.lines().forEach(l -> System.out.println("old: " + l));
    next.lines().forEach(l -> System.out.println("new: " + l));
    assertThat(switchedUnderLoad).as("the load still ran after the switch").isTrue();

    Map<String, Long> by = load.served().stream()
        .collect(Collectors.groupingBy(HttpLoad.Served::by, Collectors.counting()));
    System.out.printf("upgrade under load: %s answered (%s) over %d connections; %d stale"
        + " keep-alive connections retried; admin: %d answered%n", load.served().size(), by,
        load.connections(), load.staleKeepAliveRetries(), admin.served().size());
    assertThat(load.failures()).as("failed requests").isEmpty();
    assertThat(load.refused()).as("refused connections").isZero();
    assertThat(load.resetNewConnections()).as("new connections reset").isZero();
    // Idle keep-alive connections stay open for a request on its way (ProxyServer.DRAIN_GRACE),
    // so a client that keeps sending never sees its connection closed under a request.
    assertThat(load.staleKeepAliveRetries()).as("keep-alive connections closed under a request")
        .isZero();
    assertThat(admin.failures()).as("admin /readyz failures").isEmpty();
    System.out.printf("through the tcp listener: %d answered over %d connections%n",
        raw.served().size(), raw.connections());
    assertThat(raw.served()).as("requests through the tcp listener").isNotEmpty();
    assertThat(raw.failures()).as("failed requests through the tcp listener").isEmpty();
    assertThat(raw.refused()).as("refused tcp connections").isZero();
    assertThat(raw.resetNewConnections()).as("new tcp connections reset").isZero();
    assertThat(by.getOrDefault("old", 0L)).isPositive();
    assertThat(by.getOrDefault("new", 0L)).isPositive();
    assertThat(load.served()).filteredOn(s -> s.startNanos() - oldGone.get() > 0)
        .as("requests begun after the old process exited").isNotEmpty()
        .allMatch(s -> s.by().equals("new"));

    // The service manager heard the old process ready, then the new one as the main process
    // before the old one exited.
    assertThat(notify.notes()).extracting(NotifyListener.Note::text)
        .containsExactly("READY=1", "MAINPID=" + next.pid() + "\nREADY=1");
    assertThat(notify.notes().get(1).atNanos() - oldGone.get()).isNegative();
    assertThat(old.lines()).anyMatch(l -> l.contains("take-over by pid " + next.pid()))
        .anyMatch(l -> l.contains("pid " + next.pid() + " serves: stopped accepting"));
    // The new process serves the next handover on the same path, 0600.
    await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(handover));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(handover)))
        .isEqualTo("rw-------");
    next.terminate();
    assertThat(next.exitCode(Duration.ofSeconds(20))).isZero();
    assertThat(handover).doesNotExist();
  }

  @Test
  void aTakeOverThatFailsLeavesTheOldOneServing() throws Exception {
    BallastProcess old = startOld();
    HttpLoad load = new HttpLoad(new InetSocketAddress("127.0.0.1", port), "/")
        .start(2, 1, LOAD);

    // An invalid file: refused before the old process is even asked.
    Path invalid = tmp.resolve("invalid.yaml");
    Files.writeString(invalid, "listeners: [{name: web, bind: \"127.0.0.1:" + port
        + "\", pool: nowhere}]\npools: []\n");
    BallastProcess bad = track(BallastProcess.start("invalid", "run", "-c", invalid.toString(),
        "--take-over", handover.toString()));
    assertThat(bad.exitCode(Duration.ofSeconds(30))).isEqualTo(2);

    // A valid file with a listener on a port in use: it gets the sockets, fails to start, and
    // tells the old process, which serves on.
    Path clash = tmp.resolve("clash.yaml");
    Files.writeString(clash, yaml("new") + """
          - name: clash
            bind: "%s"
            pool: app
        """.formatted(a.address()));
    BallastProcess failing = track(BallastProcess.start("failing", "run", "-c",
        clash.toString(), "--no-watch", "--take-over", handover.toString()));
    assertThat(failing.exitCode(Duration.ofSeconds(30))).isEqualTo(1);
    assertThat(failing.lines()).anyMatch(l -> l.contains("take-over abandoned")
        && l.contains("Address already in use"));
    old.awaitLine(Pattern.compile("take-over by pid " + failing.pid()
        + " failed: it failed to start: .*; this ballast serves on"));
    assertThat(old.printed(Pattern.compile("take-over by pid " + bad.pid()))).isFalse();
    load.stopAfter(Duration.ofSeconds(1));
    load.await();

    assertThat(old.alive()).isTrue();
    assertThat(load.failures()).as("failed requests").isEmpty();
    assertThat(load.served()).isNotEmpty().allMatch(s -> s.by().equals("old"));
    assertThat(handover).exists();

    // The old process takes part in the next take-over as if nothing had happened.
    BallastProcess next = track(BallastProcess.start("new", "run", "-c", config("new").toString(),
        "--no-watch", "--take-over", handover.toString()));
    next.awaitLine(Pattern.compile("the take-over is done"));
    assertThat(old.exitCode(Duration.ofSeconds(20))).isZero();
    HttpLoad after = new HttpLoad(new InetSocketAddress("127.0.0.1", port), "/")
        .start(1, 0, Duration.ofMillis(300));
    after.await();
    assertThat(after.failures()).isEmpty();
    assertThat(after.served()).isNotEmpty().allMatch(s -> s.by().equals("new"));
  }

  private BallastProcess startOld() throws IOException {
    BallastProcess old = track(BallastProcess.start("old", env, "run", "-c",
        config("old").toString(), "--no-watch", "--handover-socket", handover.toString()));
    old.awaitLine(Pattern.compile("serving handovers on"));
    return old;
  }

  private Path config(String marker) throws IOException {
    Path file = tmp.resolve(marker + ".yaml");
    Files.writeString(file, yaml(marker));
    return file;
  }

  /** A listener "web" whose answers say which process served them (X-Ballast). */
  private String yaml(String marker) {
    return """
        pools:
          - name: app
            backends:
              - address: "%s"
              - address: "%s"
        admin:
          bind: "127.0.0.1:%d"
        access_log:
          enabled: false
        timeouts:
          drain: 10s
        listeners:
          - name: web
            bind: "127.0.0.1:%d"
            routes:
              - name: main
                pool: app
                response_headers:
                  set: {X-Ballast: %s}
          - name: raw
            mode: tcp
            bind: "127.0.0.1:%d"
            pool: app
        """.formatted(a.address(), b.address(), adminPort, port, marker, tcpPort);
  }

  private <T extends AutoCloseable> T track(T closeable) {
    open.add(closeable);
    return closeable;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
