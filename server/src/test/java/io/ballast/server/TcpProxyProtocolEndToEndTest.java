package io.ballast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.proxy.tcp.TcpBackend;
import io.ballast.proxy.tls.TestCertificates;
import io.ballast.server.testing.Calls;
import io.ballast.server.testing.HaproxyProcess;
import io.ballast.server.testing.OpensslServer;
import io.ballast.server.testing.Sockets;
import io.ballast.server.testing.TlsClients;
import io.ballast.server.testing.YamlRun;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mode: tcp} listeners behind front balancers that send the PROXY protocol, in a real
 * ballast started from YAML with real HAProxy in front ({@code send-proxy}, {@code send-proxy-v2})
 * for clients on other loopback addresses. The client HAProxy names is the connection's client:
 * in the PROXY header ballast's pool sends onward (a backend that echoes shows it), in the
 * listener's access list, in the hash of a hashing pool and in the connection log, also when the
 * header is followed by a ClientHello that routes by server name. A peer that is no front
 * balancer, and a malformed header, are refused and counted.
 */
class TcpProxyProtocolEndToEndTest {
  private static final byte[] V2_SIGNATURE =
      {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
  @TempDir Path dir;
  @AutoClose final YamlRun run = new YamlRun();
  private final Calls calls = new Calls(null);
  private TcpBackend echo;
  private TcpBackend h1;
  private TcpBackend h2;
  private OpensslServer tls;
  private TestCertificates certs;
  private Path accessLog;

  @BeforeEach
  void backends() throws Exception {
    echo = new TcpBackend("echo", TcpBackend.NAME);
    h1 = new TcpBackend("h1", TcpBackend.NAME);
    h2 = new TcpBackend("h2", TcpBackend.NAME);
    certs = new TestCertificates(Files.createDirectories(dir.resolve("certs")));
    TestCertificates.Pair pair = certs.ecServer("a", "a.test");
    tls = new OpensslServer(dir, "a", pair.cert(), pair.key());
    accessLog = dir.resolve("access.log");
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {echo, h1, h2, tls}) {
      if (c != null) {
        c.close();
      }
    }
  }

  private String config() {
    return """
        listeners:
          - name: behind
            mode: tcp
            bind: "127.0.0.1:0"
            pool: onward
            proxy_protocol: {accept_from: ["127.0.0.1/32"], timeout: 1s}
            access: {deny: ["127.0.0.66"]}
          - name: untrusting
            mode: tcp
            bind: "127.0.0.1:0"
            pool: onward
            proxy_protocol: {accept_from: ["10.0.0.0/8"]}
          - name: hashed
            mode: tcp
            bind: "127.0.0.1:0"
            pool: hashed
            proxy_protocol: {accept_from: ["127.0.0.1/32"]}
          - name: tls
            mode: tcp
            bind: "127.0.0.1:0"
            proxy_protocol: {accept_from: ["127.0.0.1/32"]}
            sni:
              routes:
                - {server_names: [a.test], pool: tls}
        pools:
          - name: onward
            proxy_protocol: v1
            backends: [{address: "127.0.0.1:%d"}]
          - name: hashed
            algorithm: ring-hash
            backends:
              - {name: h1, address: "127.0.0.1:%d"}
              - {name: h2, address: "127.0.0.1:%d"}
          - name: tls
            backends: [{address: "127.0.0.1:%d"}]
        admin:
          bind: "127.0.0.1:0"
        access_log:
          path: "%s"
        """.formatted(echo.port(), h1.port(), h2.port(), tls.port(), accessLog);
  }

  private int port(int listener) {
    return run.ballast().proxyAddresses().get(listener).getPort();
  }

  /** HAProxy in tcp mode: frontends 0 (v1) and 1 (v2) to listener behind, 2 to untrusting, 3 to tls. */
  private HaproxyProcess haproxy() throws Exception {
    return new HaproxyProcess(dir.resolve("haproxy"), """
        frontend v1
          mode tcp
          bind 127.0.0.1:%%PORT0%%
          default_backend v1
        frontend v2
          mode tcp
          bind 127.0.0.1:%%PORT1%%
          default_backend v2
        frontend untrusted
          mode tcp
          bind 127.0.0.1:%%PORT2%%
          default_backend untrusted
        frontend tls
          mode tcp
          bind 127.0.0.1:%%PORT3%%
          default_backend tls
        backend v1
          mode tcp
          server ballast 127.0.0.1:%1$d send-proxy
        backend v2
          mode tcp
          server ballast 127.0.0.1:%1$d send-proxy-v2
        backend untrusted
          mode tcp
          retries 0
          server ballast 127.0.0.1:%2$d send-proxy-v2
        backend tls
          mode tcp
          server ballast 127.0.0.1:%3$d send-proxy-v2
        """.formatted(port(0), port(1), port(3)), 4);
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder b = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0 && c != '\n') {
      b.append((char) c);
    }
    return b.toString();
  }

  private double refused(String listener, String reason) throws Exception {
    return calls.metrics().value("lb_client_connections_refused_total",
        Map.of("listener", listener, "reason", reason)).orElse(0);
  }

  /**
   * Through HAProxy's frontend {@code frontend} from {@code from}: the PROXY line ballast's pool
   * sent its backend (which echoes it after its name).
   */
  private static String headerSentOnward(String from, int frontend) throws IOException {
    try (Socket s = Sockets.connect(from, frontend)) {
      s.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
      InputStream in = s.getInputStream();
      assertThat(line(in)).isEqualTo("echo");
      String header = line(in);
      assertThat(line(in)).isEqualTo("hello");
      return header.strip();
    }
  }

  @Test
  void realHaproxyInFrontNamesTheClientThatBallastSendsOnAndJudges() throws Exception {
    calls.to(run.start(dir, config()));
    int behind = port(0);
    try (HaproxyProcess haproxy = haproxy()) {
      // HAProxy's start was awaited by connecting to each frontend, and in tcp mode it passes
      // those connections on: what they did to the counts settles first.
      double untrusted = settled(() -> refused("untrusting", "proxy_protocol_untrusted"));
      int echoed = (int) settled(() -> (double) echo.accepted.get());
      // Version 1 and version 2 from HAProxy: the backend learns the original client.
      assertThat(headerSentOnward("127.0.0.7", haproxy.port(0)))
          .startsWith("PROXY TCP4 127.0.0.7 127.0.0.1 ").endsWith(" " + behind);
      assertThat(headerSentOnward("127.0.0.8", haproxy.port(1)))
          .startsWith("PROXY TCP4 127.0.0.8 127.0.0.1 ").endsWith(" " + behind);
      // The listener's access list judges the client HAProxy names, not HAProxy.
      try (Socket s = Sockets.connect("127.0.0.66", haproxy.port(1))) {
        s.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(Sockets.closed(s)).isTrue();
      }
      // A listener that trusts 10.0.0.0/8 only: HAProxy on 127.0.0.1 is refused at accept.
      try (Socket s = Sockets.connect("127.0.0.7", haproxy.port(2))) {
        s.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(Sockets.closed(s)).isTrue();
      }
      // HAProxy's version 2 header, then a ClientHello routed by its server name.
      TlsClients.Seen seen = TlsClients.jdk(certs.clientContext(null), "127.0.0.9",
          haproxy.port(3), "a.test", false);
      assertThat(seen.subject()).isEqualTo("CN=a.test");
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
        assertThat(refused("behind", "access_list")).isEqualTo(1);
        // Once: HAProxy would try again a connection closed at accept, but for retries 0.
        assertThat(refused("untrusting", "proxy_protocol_untrusted")).isEqualTo(untrusted + 1);
      });
      assertThat(echo.accepted.get()).isEqualTo(echoed + 2);
    }
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      String log = Files.readString(accessLog);
      assertThat(log).contains("\"client_ip\":\"127.0.0.7\",", "\"client_ip\":\"127.0.0.8\",");
      assertThat(log.lines().filter(l -> l.contains("\"listener\":\"tls\"")
          && l.contains("\"sni\":\"a.test\"")))
          .singleElement().asString().contains("\"client_ip\":\"127.0.0.9\"");
    });
  }

  /** {@code value} once it stayed the same for three reads 200 ms apart (within 5 s). */
  private static double settled(java.util.concurrent.Callable<Double> value) throws Exception {
    double[] last = {Double.NaN};
    int[] same = {0};
    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(200)).until(() -> {
      double v = value.call();
      same[0] = v == last[0] ? same[0] + 1 : 0;
      last[0] = v;
      return same[0] >= 2;
    });
    return last[0];
  }

  @Test
  void aHashingPoolHashesTheClientTheHeaderNamesAndAMalformedHeaderIsRefused()
      throws Exception {
    calls.to(run.start(dir, config()));
    int hashed = port(2);
    Map<String, String> first = new HashMap<>();
    Set<String> used = new HashSet<>();
    for (int round = 0; round < 2; round++) {
      for (int i = 1; i <= 16; i++) {
        String client = "198.51.100." + i;
        try (Socket s = Sockets.connect("127.0.0.1", hashed)) {
          s.getOutputStream().write(("PROXY TCP4 " + client + " 127.0.0.1 4000 443\r\n")
              .getBytes(StandardCharsets.US_ASCII));
          String backend = line(s.getInputStream());
          used.add(backend);
          assertThat(first.putIfAbsent(client, backend)).as(client).isIn(null, backend);
        }
      }
    }
    // From one peer, 127.0.0.1, the pool spread the clients the headers named.
    assertThat(used).containsExactlyInAnyOrder("h1", "h2");

    try (Socket s = Sockets.connect("127.0.0.1", port(0))) {
      s.getOutputStream().write(V2_SIGNATURE);
      s.getOutputStream().write(new byte[] {0x31, 0x11, 0x00, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
          11, 12});
      assertThat(Sockets.closed(s)).isTrue();
    }
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(refused("behind", "proxy_protocol_malformed")).isEqualTo(1));
    assertThat(echo.accepted.get()).isZero();
  }
}
