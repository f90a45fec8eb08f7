package io.ballast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.server.reload.ReloadResult;
import io.ballast.server.testing.Calls;
import io.ballast.server.testing.HaproxyProcess;
import io.ballast.server.testing.RawHttp;
import io.ballast.server.testing.Sockets;
import io.ballast.server.testing.TestBackend;
import io.ballast.server.testing.TestBackends;
import io.ballast.server.testing.YamlRun;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A listener behind front balancers that send the PROXY protocol, through a real ballast started
 * from YAML: real HAProxy in front sending version 1 ({@code send-proxy}) and version 2
 * ({@code send-proxy-v2}) for clients on other loopback addresses, whose address then reaches
 * the backend's forwarding headers and the listener's access list; and hand-written headers for
 * what HAProxy never sends: LOCAL, a peer that is not a front balancer, a connection with no
 * header, a malformed binary header, a header that never comes; then a reload that turns it off.
 * And pools that send it: real HAProxy as the backend ({@code accept-proxy}) sees each client on
 * connections of its own, and the health checks as ballast's own.
 */
class ProxyProtocolEndToEndTest {
  @AutoClose
  final TestBackends backends = new TestBackends();
  private final Calls calls = new Calls(null);
  @AutoClose
  final YamlRun run = new YamlRun();
  @TempDir
  Path dir;

  /** The binary signature that starts every version 2 header. */
  private static final byte[] V2_SIGNATURE =
      {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

  private static String config(TestBackend app, String proxyProtocol) {
    return """
        listeners:
          - name: web
            bind: "127.0.0.1:0"
            pool: app
            access: {deny: ["127.0.0.66"]}
            %s
        pools:
          - {name: app, backends: [{address: "%s"}]}
        admin:
          bind: "127.0.0.1:0"
        """.formatted(proxyProtocol, app.address());
  }

  private int port() {
    return run.ballast().proxyAddresses().get(0).getPort();
  }

  /** A connection to {@code port} from loopback address {@code from}. */
  private static Socket connect(String from, int port) throws Exception {
    return Sockets.connect(from, port);
  }

  /** Writes {@code prefix} then a request for {@code path}; the answer, or "closed". */
  private static String send(Socket s, byte[] prefix, String path) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(prefix);
    out.write(("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .getBytes(StandardCharsets.ISO_8859_1));
    try {
      s.getOutputStream().write(out.toByteArray());
      byte[] answer = s.getInputStream().readAllBytes();
      return answer.length == 0 ? "closed" : new String(answer, StandardCharsets.ISO_8859_1);
    } catch (SocketException e) {
      return "closed";
    }
  }

  /**
   * Real HAProxy as a backend that wants the PROXY protocol ({@code accept-proxy}, either
   * version): it tells {@code app} whom each header named, and refuses a connection without one.
   */
  private HaproxyProcess acceptingProxy(TestBackend app) throws Exception {
    return new HaproxyProcess(dir.resolve("haproxy"), """
        frontend f
          bind 127.0.0.1:%%PORT0%% accept-proxy
          http-request set-header X-Proxy-Source %%[src]:%%[src_port]
          default_backend app
        backend app
          server app %s
        """.formatted(app.address()), 1);
  }

  /** 1 while the pool's backend passes its checks (lb_backend_health). */
  private double health(String pool, String backend) throws Exception {
    return calls.metrics().value("lb_backend_health", Map.of("pool", pool, "backend", backend))
        .orElse(-1);
  }

  private double refused(String reason) throws Exception {
    return calls.metrics().value("lb_client_connections_refused_total",
        Map.of("listener", "web", "reason", reason)).orElse(0);
  }

  @Test
  void realHaproxyInFrontPassesTheClientAddressInVersion1AndVersion2() throws Exception {
    TestBackend app = backends.start("app");
    calls.to(run.start(dir, config(app, "proxy_protocol: {accept_from: [\"127.0.0.1\"]}")));
    try (HaproxyProcess haproxy = new HaproxyProcess(dir.resolve("haproxy"), """
        frontend v1
          bind 127.0.0.1:%%PORT0%%
          default_backend v1
        frontend v2
          bind 127.0.0.1:%%PORT1%%
          default_backend v2
        backend v1
          server ballast 127.0.0.1:%1$d send-proxy
        backend v2
          server ballast 127.0.0.1:%1$d send-proxy-v2
        """.formatted(port()), 2)) {
      try (Socket s = connect("127.0.0.7", haproxy.port(0))) {
        assertThat(send(s, new byte[0], "/headers")).startsWith("HTTP/1.1 200")
            .contains("x-forwarded-for: 127.0.0.7");
      }
      try (Socket s = connect("127.0.0.8", haproxy.port(1))) {
        assertThat(send(s, new byte[0], "/headers")).startsWith("HTTP/1.1 200")
            .contains("x-forwarded-for: 127.0.0.8");
      }
      // The listener's access list judges the client HAProxy named, not HAProxy.
      try (Socket s = connect("127.0.0.66", haproxy.port(1))) {
        assertThat(send(s, new byte[0], "/headers")).startsWith("HTTP/1.1 403");
      }
    }
    assertThat(app.requests()).isEqualTo(2);
  }

  @Test
  void handWrittenHeadersAndWhatIsNotOneAreHandledAsDocumented() throws Exception {
    TestBackend app = backends.start("app");
    calls.to(run.start(dir, config(app,
        "proxy_protocol: {accept_from: [\"127.0.0.1\"], timeout: 1s}")));

    // Version 1 with the request in the same packet: the bytes after the header are HTTP.
    try (Socket s = connect("127.0.0.1", port())) {
      byte[] v1 = "PROXY TCP4 203.0.113.9 127.0.0.1 5555 80\r\n".getBytes(StandardCharsets.US_ASCII);
      assertThat(send(s, v1, "/headers")).startsWith("HTTP/1.1 200")
          .contains("x-forwarded-for: 203.0.113.9");
    }
    // Version 2 LOCAL (a front balancer's own check): the connection is the peer's own.
    try (Socket s = connect("127.0.0.1", port())) {
      byte[] local = concat(V2_SIGNATURE, new byte[] {0x20, 0x00, 0x00, 0x00});
      assertThat(send(s, local, "/headers")).startsWith("HTTP/1.1 200")
          .contains("x-forwarded-for: 127.0.0.1");
    }
    // Version 2 PROXY over IPv6.
    try (Socket s = connect("127.0.0.1", port())) {
      byte[] addresses = new byte[36];
      addresses[0] = 0x20; // 2001:db8::5 as the source
      addresses[1] = 0x01;
      addresses[2] = 0x0d;
      addresses[3] = (byte) 0xb8;
      addresses[15] = 5;
      addresses[31] = 1; // ::1 as the destination
      addresses[32] = 0x30; // source port 12345
      addresses[33] = 0x39;
      addresses[35] = 80;
      byte[] v2 = concat(concat(V2_SIGNATURE, new byte[] {0x21, 0x21, 0x00, 36}), addresses);
      assertThat(send(s, v2, "/headers")).startsWith("HTTP/1.1 200")
          .contains("x-forwarded-for: 2001:db8:0:0:0:0:0:5");
    }

    // A peer that is not a front balancer: closed at accept, before a byte is read.
    try (Socket s = connect("127.0.0.9", port())) {
      assertThat(send(s, new byte[0], "/")).isEqualTo("closed");
    }
    // A front balancer's connection without a header: closed, nothing reaches HTTP.
    try (Socket s = connect("127.0.0.1", port())) {
      assertThat(send(s, new byte[0], "/")).isEqualTo("closed");
    }
    // A binary header of an unknown version.
    try (Socket s = connect("127.0.0.1", port())) {
      byte[] bad = concat(V2_SIGNATURE, new byte[] {0x31, 0x11, 0x00, 12});
      assertThat(send(s, concat(bad, new byte[12]), "/")).isEqualTo("closed");
    }
    // No header at all within the timeout.
    try (Socket s = connect("127.0.0.1", port())) {
      long start = System.nanoTime();
      InputStream in = s.getInputStream();
      assertThat(in.read()).isEqualTo(-1);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(
          Duration.ofMillis(800), Duration.ofSeconds(4));
    }
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(refused("proxy_protocol_untrusted")).isEqualTo(1);
      assertThat(refused("proxy_protocol_malformed")).isEqualTo(2);
      assertThat(refused("proxy_protocol_timeout")).isEqualTo(1);
    });
    assertThat(app.requests()).isEqualTo(3);

    // A reload turns it off: clients connect directly again, from any address.
    assertThat(run.reload(config(app, ""))).isInstanceOf(ReloadResult.Applied.class);
    try (Socket s = connect("127.0.0.9", port())) {
      assertThat(send(s, new byte[0], "/headers")).startsWith("HTTP/1.1 200")
          .contains("x-forwarded-for: 127.0.0.9");
    }
  }

  @Test
  void poolsSendTheClientToBackendsBehindRealHaproxyInVersion1AndVersion2() throws Exception {
    TestBackend app = backends.start("app");
    try (HaproxyProcess haproxy = acceptingProxy(app)) {
      String front = "127.0.0.1:" + haproxy.port(0);
      calls.to(run.start(dir, """
          listeners:
            - {name: one, bind: "127.0.0.1:0", pool: v1}
            - {name: two, bind: "127.0.0.1:0", pool: v2}
          pools:
            - name: v1
              proxy_protocol: v1
              health_check: {path: /health, interval: 200ms, timeout: 150ms}
              backends: [{address: "%1$s"}]
            - name: v2
              proxy_protocol: v2
              health_check: {path: /health, interval: 200ms, timeout: 150ms}
              backends: [{address: "%1$s"}]
          admin:
            bind: "127.0.0.1:0"
          """.formatted(front)));
      // The health checks get through too: they say they are ballast's own (LOCAL, UNKNOWN).
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        assertThat(health("v1", front)).isEqualTo(1);
        assertThat(health("v2", front)).isEqualTo(1);
      });
      Thread.sleep(500); // some more checks, each of which must pass
      assertThat(health("v1", front)).isEqualTo(1);
      assertThat(health("v2", front)).isEqualTo(1);
      for (int listener = 0; listener < 2; listener++) {
        int port = run.ballast().proxyAddresses().get(listener).getPort();
        // Two clients, each on a kept connection: each backend connection carries one client.
        try (Socket a = connect("127.0.0.7", port); Socket b = connect("127.0.0.8", port)) {
          for (int i = 0; i < 3; i++) {
            assertThat(RawHttp.get(a, "/headers")).contains("x-proxy-source: 127.0.0.7:" + a.getLocalPort());
            assertThat(RawHttp.get(b, "/headers")).contains("x-proxy-source: 127.0.0.8:" + b.getLocalPort());
          }
        }
      }
      assertThat(app.requests()).isEqualTo(12);
    }
  }

  @Test
  void tcpListenersSendTheClientAndTheirChecksSayLocal() throws Exception {
    TestBackend app = backends.start("app");
    try (HaproxyProcess haproxy = acceptingProxy(app)) {
      calls.to(run.start(dir, """
          listeners:
            - {name: raw, mode: tcp, bind: "127.0.0.1:0", pool: front}
          pools:
            - name: front
              proxy_protocol: v1
              health_check:
                type: tcp
                send: "GET /health HTTP/1.0\\r\\n\\r\\n"
                expect: "HTTP/1.1 200"
                interval: 200ms
                timeout: 150ms
              backends: [{address: "127.0.0.1:%d"}]
          admin:
            bind: "127.0.0.1:0"
          """.formatted(haproxy.port(0))));
      // The talking TCP check reaches the app through HAProxy: its header said UNKNOWN.
      await().atMost(Duration.ofSeconds(10)).until(() -> app.methodsSeen("/health").contains("GET"));
      Thread.sleep(500); // some more checks, each of which must pass
      assertThat(health("front", "127.0.0.1:" + haproxy.port(0))).isEqualTo(1);
      try (Socket s = connect("127.0.0.9", port())) {
        assertThat(RawHttp.get(s, "/headers"))
            .contains("x-proxy-source: 127.0.0.9:" + s.getLocalPort());
      }
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
