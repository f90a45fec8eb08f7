package io.ballast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.server.reload.ReloadResult;
import io.ballast.server.testing.Calls;
import io.ballast.server.testing.RawHttp;
import io.ballast.server.testing.TestBackend;
import io.ballast.server.testing.TestBackends;
import io.ballast.server.testing.YamlRun;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A listener's and a route's limits through a real ballast started from YAML, with real clients:
 * the route's body limit over the listener's (413, counted with its reason, never mirrored), the
 * listener's connections per client (closed at accept, counted) and in all (accepts held,
 * counted), its requests per connection (Connection: close, counted), and a reload that changes
 * them.
 */
class LimitsEndToEndTest {
  @AutoClose
  final TestBackends backends = new TestBackends();
  /** Metrics need no token; reloads go through the file. */
  private final Calls calls = new Calls(null);
  @AutoClose
  final YamlRun run = new YamlRun();
  @TempDir
  Path dir;

  private String config(TestBackend app, TestBackend shadow, String listenerLimits) {
    return """
        listeners:
          - name: web
            bind: "127.0.0.1:0"
            limits: %s
            routes:
              - name: upload
                match: {path: {prefix: /upload}}
                pool: app
                limits: {max_request_body: 64KiB}
              - name: rest
                pool: app
                mirror: {pool: shadow}
        pools:
          - {name: app, backends: [{address: "%s"}]}
          - {name: shadow, backends: [{address: "%s"}]}
        admin:
          bind: "127.0.0.1:0"
        """.formatted(listenerLimits, app.address(), shadow.address());
  }

  private HttpResponse<String> post(String path, int bytes) throws Exception {
    return calls.client().send(HttpRequest.newBuilder(URI.create(calls.url(0, path)))
        .timeout(Duration.ofSeconds(10))
        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[bytes])).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private Socket socket() throws Exception {
    Socket s = new Socket("127.0.0.1", run.ballast().proxyAddresses().get(0).getPort());
    s.setSoTimeout(5000);
    return s;
  }

  private static String exchange(Socket s, String path) throws Exception {
    return RawHttp.get(s, path);
  }

  private double metric(String name, Map<String, String> labels) throws Exception {
    return calls.metrics().value(name, labels).orElse(0);
  }

  @Test
  void bodyLimitsOfTheListenerAndTheRouteAnswer413AndAreNeverMirrored() throws Exception {
    TestBackend app = backends.start("app");
    TestBackend shadow = backends.start("shadow");
    calls.to(run.start(dir, config(app, shadow, "{max_request_body: 1KiB}")));

    assertThat(post("/upload", 60 << 10).statusCode()).isEqualTo(200);
    assertThat(post("/upload", 70 << 10).statusCode()).isEqualTo(413);
    assertThat(post("/rest", 1024).statusCode()).isEqualTo(200);
    assertThat(post("/rest", 1025).statusCode()).isEqualTo(413);
    assertThat(app.requests()).isEqualTo(2);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(metric("lb_requests_refused_total", Map.of("listener", "web", "status", "413",
          "reason", "request body too large"))).isEqualTo(2);
      assertThat(shadow.requests()).isEqualTo(1);
    });

    // A reload lifts the listener's limit: the route without one of its own takes any body.
    assertThat(run.reload(config(app, shadow, "{max_request_body: off}")))
        .isInstanceOf(ReloadResult.Applied.class);
    assertThat(post("/rest", 1 << 20).statusCode()).isEqualTo(200);
    assertThat(post("/upload", 70 << 10).statusCode()).isEqualTo(413);
  }

  @Test
  void connectionLimitsRefuseHoldAndEndConnectionsAndAreCounted() throws Exception {
    TestBackend app = backends.start("app");
    TestBackend shadow = backends.start("shadow");
    calls.to(run.start(dir, config(app, shadow,
        "{max_connections_per_client: 2, max_requests_per_connection: 2}")));
    Map<String, String> web = Map.of("listener", "web");

    // Per client: a third connection from 127.0.0.1 is closed at accept.
    try (Socket a = socket(); Socket b = socket()) {
      assertThat(exchange(a, "/")).startsWith("HTTP/1.1 200");
      assertThat(exchange(b, "/")).startsWith("HTTP/1.1 200");
      try (Socket c = socket()) {
        assertThat(c.getInputStream().read()).isEqualTo(-1);
      }
      // Requests per connection: the second answer says close, then the connection closes.
      assertThat(exchange(a, "/")).contains("connection: close");
      assertThat(a.getInputStream().read()).isEqualTo(-1);
    }
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(metric("lb_client_connections_refused_total",
          Map.of("listener", "web", "reason", "max_connections_per_client"))).isEqualTo(1);
      assertThat(metric("lb_client_connections_request_limit_total", web)).isEqualTo(1);
    });

    // In all: at two, the listener holds new connections in the backlog until one closes.
    assertThat(run.reload(config(app, shadow, "{max_connections: 2}")))
        .isInstanceOf(ReloadResult.Applied.class);
    List<Socket> open = new ArrayList<>();
    try {
      open.add(socket());
      open.add(socket());
      assertThat(exchange(open.get(0), "/")).startsWith("HTTP/1.1 200");
      assertThat(exchange(open.get(1), "/")).startsWith("HTTP/1.1 200");
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(metric("lb_listener_accepts_holding", web)).isEqualTo(1));
      try (Socket waiting = socket()) {
        waiting.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n"
            .getBytes(StandardCharsets.ISO_8859_1));
        Thread.sleep(300);
        assertThat(waiting.getInputStream().available()).isZero();
        open.remove(0).close();
        waiting.setSoTimeout(5000);
        assertThat(waiting.getInputStream().read()).isEqualTo('H');
      }
    } finally {
      for (Socket s : open) {
        s.close();
      }
    }
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(metric("lb_listener_accepts_held_total", web)).isGreaterThanOrEqualTo(1);
      assertThat(metric("lb_listener_accepts_held_seconds_total", web)).isGreaterThan(0.2);
    });
  }
}
