package io.ballast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ballast.proxy.tcp.ClientHellos;
import io.ballast.proxy.tcp.TcpBackend;
import io.ballast.proxy.tls.TestCertificates;
import io.ballast.server.reload.ReloadResult;
import io.ballast.server.testing.Calls;
import io.ballast.server.testing.OpensslServer;
import io.ballast.server.testing.Sockets;
import io.ballast.server.testing.TlsClients;
import io.ballast.server.testing.YamlRun;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS passthrough routed by server name through a real ballast started from YAML: three real TLS
 * servers ({@code openssl s_server}, each with a certificate of its own, made by openssl), the
 * JDK's TLS client and openssl's. A client sees the backend's certificate, never ballast's (there
 * is none): that is how each test tells where its connection went. Then each bad input on a
 * listener without a default pool, its count in the metrics, that it reached no backend (a plain
 * TCP backend counts what it accepts), and that a good connection beside it did not notice.
 */
class TlsPassthroughEndToEndTest {
  @TempDir Path dir;
  @AutoClose final YamlRun run = new YamlRun();
  private final Calls calls = new Calls(null);
  private TestCertificates certs;
  private OpensslServer a;
  private OpensslServer wild;
  private OpensslServer fallback;
  private TcpBackend sink;
  private Path accessLog;

  @BeforeEach
  void servers() throws Exception {
    Path certDir = Files.createDirectories(dir.resolve("certs"));
    certs = new TestCertificates(certDir);
    TestCertificates.Pair ca = certs.ecServer("a", "a.test");
    TestCertificates.Pair w = certs.ecServer("wild", "*.wild.test");
    TestCertificates.Pair d = certs.ecServer("default", "default.test");
    a = new OpensslServer(dir, "a", ca.cert(), ca.key());
    wild = new OpensslServer(dir, "wild", w.cert(), w.key());
    fallback = new OpensslServer(dir, "default", d.cert(), d.key());
    sink = new TcpBackend("sink", TcpBackend.NAME);
    accessLog = dir.resolve("access.log");
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {a, wild, fallback, sink}) {
      if (c != null) {
        c.close();
      }
    }
  }

  /**
   * Listener {@code tls} with routes a.test, *.wild.test and a default; {@code strict} with
   * a.test and sink.test (the plain TCP backend) and no default, 1 s for a ClientHello.
   */
  private String config(String aPool) {
    return """
        listeners:
          - name: tls
            mode: tcp
            bind: "127.0.0.1:0"
            sni:
              routes:
                - {server_names: [a.test], pool: %s}
                - {server_names: ["*.wild.test"], pool: wild}
              default_pool: fallback
          - name: strict
            mode: tcp
            bind: "127.0.0.1:0"
            sni:
              routes:
                - {server_names: [a.test], pool: a}
                - {server_names: [sink.test], pool: sink}
              client_hello_timeout: 1s
        pools:
          - {name: a, backends: [{address: "127.0.0.1:%d"}]}
          - {name: wild, backends: [{address: "127.0.0.1:%d"}]}
          - {name: fallback, backends: [{address: "127.0.0.1:%d"}]}
          - {name: sink, backends: [{address: "127.0.0.1:%d"}]}
        admin:
          bind: "127.0.0.1:0"
        access_log:
          path: "%s"
        """.formatted(aPool, a.port(), wild.port(), fallback.port(), sink.port(), accessLog);
  }

  /**
   * A JDK TLS connection with a context of its own. With one context shared, a second connection
   * to the same address and port asking for another name reached the first name's backend: the
   * JDK offered to resume the cached session, and ballast routed by the name that ClientHello
   * carried.
   */
  private TlsClients.Seen jdk(int port, String serverName, boolean trickle) throws Exception {
    SSLContext fresh = certs.clientContext(null);
    return TlsClients.jdk(fresh, port, serverName, trickle);
  }

  private int port(int listener) {
    return run.ballast().proxyAddresses().get(listener).getPort();
  }

  private double ended(String listener, String end) throws Exception {
    return calls.metrics().value("lb_tcp_connections_total", Map.of("listener", listener,
        "pool", "none", "backend", "none", "end", end)).orElse(0);
  }

  private static Socket raw(int port) throws IOException {
    return Sockets.connect("127.0.0.1", port);
  }

  @Test
  void eachServerNameReachesItsBackendWhoseCertificateTheClientSees() throws Exception {
    calls.to(run.start(dir, config("a")));
    TlsClients.Seen toA = jdk(port(0), "a.test", false);
    assertThat(toA.subject()).isEqualTo("CN=a.test");
    assertThat(toA.page()).startsWith("HTTP/1.0 200 ok").contains("s_server");
    assertThat(jdk(port(0), "x.wild.test", false).subject())
        .isEqualTo("CN=*.wild.test");
    assertThat(jdk(port(0), "elsewhere.test", false).subject())
        .isEqualTo("CN=default.test");
    assertThat(jdk(port(0), null, false).subject())
        .isEqualTo("CN=default.test");
    // Every byte of the client's first flight in a write of its own: the same backend.
    assertThat(jdk(port(0), "x.wild.test", true).subject())
        .isEqualTo("CN=*.wild.test");
    // openssl's client, verifying the backend's certificate against the test CA.
    String out = TlsClients.openssl(certs.ca(), port(0), "y.wild.test");
    assertThat(out).contains("CN = *.wild.test", "Verify return code: 0 (ok)", "s_server");
    // No default: a name no route lists is closed during the handshake.
    assertThatThrownBy(() -> jdk(port(1), "elsewhere.test", false))
        .isInstanceOf(IOException.class);
    await().atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(ended("strict", "no_route")).isEqualTo(1));

    // The connection log names what the client asked for.
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(Files.readAllLines(accessLog)).anySatisfy(line -> assertThat(line)
            .contains("\"protocol\":\"tcp\"", "\"listener\":\"tls\"", "\"sni\":\"a.test\"",
                "\"pool\":\"a\"")));
    assertThat(Files.readAllLines(accessLog)).anySatisfy(line -> assertThat(line)
        .contains("\"listener\":\"strict\"", "\"sni\":\"elsewhere.test\"", "\"pool\":null",
            "\"end\":\"no_route\""));

    // A reload sends a.test elsewhere, for the next connection.
    assertThat(run.reload(config("wild"))).isInstanceOf(ReloadResult.Applied.class);
    assertThat(jdk(port(0), "a.test", false).subject())
        .isEqualTo("CN=*.wild.test");
  }

  @Test
  void badClientHellosAreClosedCountedAndReachNoBackendWhileOthersAreServed() throws Exception {
    calls.to(run.start(dir, config("a")));
    int strict = port(1);
    // A ClientHello for sink.test reaches the plain backend: it says so and echoes it whole.
    byte[] toSink = ClientHellos.of("sink.test");
    try (Socket s = raw(strict)) {
      s.getOutputStream().write(toSink);
      assertThat(new String(s.getInputStream().readNBytes(5), StandardCharsets.US_ASCII))
          .isEqualTo("sink\n");
      assertThat(s.getInputStream().readNBytes(toSink.length)).isEqualTo(toSink);
    }
    assertThat(sink.accepted.get()).isEqualTo(1);

    // A client that sends half of one and waits: open while the others come and go.
    Socket slow = raw(strict);
    slow.getOutputStream().write(Arrays.copyOf(toSink, toSink.length / 2));
    long slowStart = System.nanoTime();

    // Half of one, then the client closes.
    try (Socket s = raw(strict)) {
      s.getOutputStream().write(Arrays.copyOf(toSink, 60));
      s.shutdownOutput();
      assertThat(Sockets.closed(s)).isTrue();
    }
    // Plain HTTP.
    try (Socket s = raw(strict)) {
      s.getOutputStream().write("GET / HTTP/1.1\r\nHost: sink.test\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      assertThat(Sockets.closed(s)).isTrue();
    }
    // A ClientHello that says it is 1 MiB long.
    try (Socket s = raw(strict)) {
      s.getOutputStream().write(ClientHellos.claiming(1 << 20));
      assertThat(Sockets.closed(s)).isTrue();
    }
    // Meanwhile a real TLS client on the same listener is served as ever.
    assertThat(jdk(strict, "a.test", false).subject())
        .isEqualTo("CN=a.test");

    // The slow one is closed at client_hello_timeout (1 s), with some slack.
    assertThat(Sockets.closed(slow)).isTrue();
    slow.close();
    assertThat(Duration.ofNanos(System.nanoTime() - slowStart)).isLessThan(Duration.ofSeconds(3));

    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      assertThat(ended("strict", "client_hello_truncated")).isEqualTo(1);
      assertThat(ended("strict", "not_tls")).isEqualTo(1);
      assertThat(ended("strict", "client_hello_too_large")).isEqualTo(1);
      assertThat(ended("strict", "client_hello_timeout")).isEqualTo(1);
    });
    // None of them reached a backend.
    assertThat(sink.accepted.get()).isEqualTo(1);
    assertThat(run.ballast().proxy().tcp().openConnections()).isZero();
  }
}
