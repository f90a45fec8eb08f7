package io.ballast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.proxy.tcp.TcpBackend;
import io.ballast.server.config.ConfigLoader;
import io.ballast.server.metrics.PromText;
import io.ballast.server.reload.ReloadResult;
import io.ballast.server.testing.Calls;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code mode: tcp} listener in a real ballast started from YAML: connections spread over the
 * pool, the TCP metrics and the connection log line, and a reload that moves the listener to
 * another pool while a bad one changes nothing.
 */
class TcpEndToEndTest {
  private static final String TOKEN = "tcp-test-token-0123456789abcdef";
  @TempDir Path dir;
  private final List<TcpBackend> backends = new ArrayList<>();
  private final Calls calls = new Calls(TOKEN);
  private Path file;
  private Ballast ballast;

  @BeforeEach
  void backends() throws Exception {
    for (String name : List.of("a1", "a2", "b1")) {
      backends.add(new TcpBackend(name, TcpBackend.NAME));
    }
    file = dir.resolve("ballast.yaml");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (ballast != null) {
      ballast.stop();
    }
    for (TcpBackend b : backends) {
      b.close();
    }
  }

  private String config(String pool, String listenerExtra) {
    return """
        listeners:
          - name: web
            bind: "127.0.0.1:0"
            pool: a
          - name: raw
            mode: tcp
            bind: "127.0.0.1:0"
            pool: %s
        %s
        pools:
          - name: a
            algorithm: round-robin
            backends:
              - {name: a1, address: "127.0.0.1:%d"}
              - {name: a2, address: "127.0.0.1:%d"}
          - name: b
            backends:
              - {name: b1, address: "127.0.0.1:%d"}
        admin:
          bind: "127.0.0.1:0"
          token: "%s"
        access_log:
          path: "%s"
        """.formatted(pool, listenerExtra.indent(4).stripTrailing(), backends.get(0).port(),
        backends.get(1).port(), backends.get(2).port(), TOKEN, dir.resolve("access.log"));
  }

  private void start(String yaml) throws Exception {
    Files.writeString(file, yaml);
    ballast = Ballast.start(ConfigLoader.load(file).orElseThrow(), 1, file);
    calls.to(ballast);
  }

  private InetSocketAddress raw() {
    return ballast.proxyAddresses().get(1);
  }

  /** Connects to the tcp listener, reads the backend's name, sends and reads back a word. */
  private String talk() throws Exception {
    try (Socket s = new Socket()) {
      s.connect(raw(), 5000);
      s.setSoTimeout(5000);
      StringBuilder name = new StringBuilder();
      int c;
      while ((c = s.getInputStream().read()) >= 0 && c != '\n') {
        name.append((char) c);
      }
      s.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
      assertThat(new String(s.getInputStream().readNBytes(4), StandardCharsets.US_ASCII))
          .isEqualTo("ping");
      return name.toString();
    }
  }

  private PromText metrics() throws Exception {
    return new PromText(calls.admin("GET", "/metrics", null, false).body());
  }

  @Test
  void connectionsSpreadAndAreCountedAndLogged() throws Exception {
    start(config("a", "timeouts: {connect: 1s, idle: 30s}"));
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 6; i++) {
      counts.merge(talk(), 1, Integer::sum);
    }
    assertThat(counts).isEqualTo(Map.of("a1", 3, "a2", 3));
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      PromText m = metrics();
      assertThat(m.get("lb_tcp_connections_total", Map.of("listener", "raw", "pool", "a",
          "backend", "a1", "end", "client_closed"))).isEqualTo(3.0);
      assertThat(m.get("lb_tcp_connections_open", Map.of("listener", "raw", "pool", "a",
          "backend", "a1"))).isZero();
      // Each connection: "a1\n" (3 bytes) and the echo (4) to the client, 4 from it.
      assertThat(m.get("lb_tcp_bytes_total", Map.of("listener", "raw", "pool", "a",
          "backend", "a1", "direction", "backend_to_client"))).isEqualTo(21.0);
      assertThat(m.get("lb_tcp_bytes_total", Map.of("listener", "raw", "pool", "a",
          "backend", "a1", "direction", "client_to_backend"))).isEqualTo(12.0);
    });
    await().atMost(Duration.ofSeconds(5)).until(() ->
        Files.readAllLines(dir.resolve("access.log")).size() >= 6);
    String line = Files.readAllLines(dir.resolve("access.log")).get(0);
    assertThat(line).contains("\"protocol\":\"tcp\"", "\"client_ip\":\"127.0.0.1\"",
        "\"listener\":\"raw\"", "\"pool\":\"a\"", "\"end\":\"client_closed\"",
        "\"bytes_in\":4", "\"bytes_out\":7", "\"attempts\":1").doesNotContain("\"error\"");
  }

  @Test
  void aReloadMovesTheListenerToAnotherPoolAndABadOneChangesNothing() throws Exception {
    start(config("a", ""));
    InetSocketAddress before = raw();
    assertThat(talk()).startsWith("a");

    Files.writeString(file, config("b", ""));
    ReloadResult moved = ballast.reload(ReloadResult.Trigger.API).get();
    assertThat(moved.outcome()).as("%s", moved.message()).isEqualTo("applied");
    assertThat(raw()).isEqualTo(before);
    assertThat(talk()).isEqualTo("b1");

    Files.writeString(file, config("a", "routes: [{name: all, pool: a}]"));
    ReloadResult refused = ballast.reload(ReloadResult.Trigger.API).get();
    assertThat(refused.outcome()).isEqualTo("invalid");
    assertThat(((ReloadResult.Invalid) refused).errors()).singleElement().asString()
        .contains("listeners[1].routes", "set on a tcp listener");
    assertThat(talk()).isEqualTo("b1");
  }
}
