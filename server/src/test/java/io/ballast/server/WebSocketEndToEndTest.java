package io.ballast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.proxy.websocket.JdkWebSocketClient;
import io.ballast.proxy.websocket.PythonWebSockets;
import io.ballast.server.config.ConfigLoader;
import io.ballast.server.metrics.PromText;
import io.ballast.server.testing.Calls;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * WebSockets through ballast wired from YAML, between python3-websockets servers and clients:
 * routes by path to two pools, cookie affinity set on the 101 and followed by later handshakes,
 * the tunnel metrics and the access log line written when a tunnel closes, and a graceful stop
 * that gives open tunnels the drain timeout and then a close frame with 1001.
 */
class WebSocketEndToEndTest {
  private static final String KEY = "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=";
  private static final Pattern NAME = Pattern.compile("\"name\": \"([^\"]+)\"");
  private static final Pattern COOKIE = Pattern.compile("\"set_cookie\": \"(CHAT=[^;\"]+)");
  @TempDir
  Path dir;
  private final List<PythonWebSockets.Server> servers = new ArrayList<>();
  private final Calls calls = new Calls(null);
  private Ballast ballast;
  private Path accessLog;

  @BeforeEach
  void start() throws Exception {
    PythonWebSockets.assumeInstalled();
    for (String name : List.of("chat-1", "chat-2", "feed-1")) {
      servers.add(PythonWebSockets.server(name));
    }
    accessLog = dir.resolve("access.log");
    String yaml = """
        listeners:
          - name: web
            bind: "127.0.0.1:0"
            routes:
              - {name: chat, match: {path: {prefix: /chat}}, pool: chat}
              - {name: feed, match: {path: {prefix: /feed}}, pool: feed}
        pools:
          - name: chat
            algorithm: round-robin
            backends:
              - {name: chat-1, address: "%s"}
              - {name: chat-2, address: "%s"}
            affinity:
              by: cookie
              cookie: {name: CHAT, max_age: 30m, secure: false, keys: ["%s"]}
          - name: feed
            backends:
              - {name: feed-1, address: "%s"}
        timeouts:
          drain: 300ms
          tunnel_idle: 10m
        admin:
          bind: "127.0.0.1:0"
        access_log:
          path: "%s"
        """.formatted(servers.get(0).address(), servers.get(1).address(), KEY,
            servers.get(2).address(), accessLog);
    ballast = Ballast.start(ConfigLoader.parse(yaml, "test.yaml").orElseThrow(), 1);
    calls.to(ballast);
  }

  @AfterEach
  void stop() throws Exception {
    if (ballast != null) {
      ballast.stop();
    }
    for (PythonWebSockets.Server s : servers) {
      s.close();
    }
  }

  private String ws(String path) {
    return "ws://127.0.0.1:" + ballast.proxyAddresses().get(0).getPort() + path;
  }

  private static String group(Pattern p, String text) {
    Matcher m = p.matcher(text);
    assertThat(m.find()).as("%s in %s", p, text).isTrue();
    return m.group(1);
  }

  private PromText metrics() throws Exception {
    return new PromText(calls.admin("GET", "/metrics", null, false).body());
  }

  @Test
  void routesAndAffinityApplyAtTheUpgradeAndTheTunnelIsCountedAndLogged() throws Exception {
    assertThat(group(NAME, PythonWebSockets.client("whoami", ws("/feed/whoami"))))
        .isEqualTo("feed-1");

    String first = PythonWebSockets.client("whoami", ws("/chat/whoami"));
    String pinned = group(NAME, first);
    String cookie = group(COOKIE, first);
    for (int i = 0; i < 4; i++) {
      String again = PythonWebSockets.client("whoami", ws("/chat/whoami"), cookie);
      assertThat(group(NAME, again)).isEqualTo(pinned);
    }
    Set<String> withoutCookie = new HashSet<>();
    for (int i = 0; i < 4; i++) {
      withoutCookie.add(group(NAME, PythonWebSockets.client("whoami", ws("/chat/whoami"))));
    }
    assertThat(withoutCookie).containsExactlyInAnyOrder("chat-1", "chat-2");

    try (JdkWebSocketClient open = JdkWebSocketClient.open(URI.create(ws("/feed/hold")), 0)) {
      await().untilAsserted(() -> assertThat(
          metrics().get("lb_tunnels_open", Map.of("pool", "feed"))).isEqualTo(1.0));
    }
    await().untilAsserted(() -> {
      PromText m = metrics();
      assertThat(m.get("lb_tunnels_open", Map.of("pool", "feed"))).isZero();
      assertThat(m.get("lb_tunnels_open", Map.of("pool", "chat"))).isZero();
      assertThat(m.get("lb_tunnel_bytes_total",
          Map.of("pool", "chat", "direction", "backend_to_client"))).isPositive();
      assertThat(m.get("lb_tunnel_bytes_total",
          Map.of("pool", "chat", "direction", "client_to_backend"))).isPositive();
      double chatClosed = 0;
      for (PromText.Sample s : m.samples()) {
        if (s.name().equals("lb_tunnels_closed_total") && "chat".equals(s.labels().get("pool"))) {
          chatClosed += s.value();
        }
      }
      assertThat(chatClosed).isEqualTo(9);
      assertThat(m.get("lb_requests_total", Map.of("pool", "chat", "backend", pinned,
          "status", "101", "route", "chat"))).isGreaterThanOrEqualTo(5);
      // A tunnel's life is not a response time.
      assertThat(m.value("lb_response_time_seconds_count",
          Map.of("pool", "chat", "backend", pinned)).orElse(0)).isZero();
    });

    await().untilAsserted(() -> assertThat(Files.readAllLines(accessLog))
        .filteredOn(l -> l.contains("\"route\":\"chat\"")).hasSize(9)
        .allSatisfy(l -> assertThat(l).contains("\"status\":101").containsPattern(
            "\"bytes_in\":[1-9][0-9]*,\"bytes_out\":[1-9][0-9]*")));
  }

  @Test
  void aGracefulStopGivesTunnelsTheDrainTimeoutThenAGoingAwayCloseFrame() throws Exception {
    try (JdkWebSocketClient client = JdkWebSocketClient.open(URI.create(ws("/feed/hold")), 0)) {
      await().until(() -> ballast.proxy().tunnels().open() == 1);
      long start = System.nanoTime();
      ballast.stop();
      long stopped = System.nanoTime() - start;

      JdkWebSocketClient.End end = client.ended.get(5, TimeUnit.SECONDS);
      assertThat(end.code()).isEqualTo(1001);
      // timeouts.drain is 300 ms: the tunnel had it before it was closed.
      assertThat(stopped).isGreaterThanOrEqualTo(Duration.ofMillis(300).toNanos());
    }
    await().untilAsserted(() -> assertThat(Files.readAllLines(accessLog))
        .anySatisfy(l -> assertThat(l).contains("\"status\":101")
            .contains("\"error\":\"tunnel closed at shutdown\"")));
  }
}
