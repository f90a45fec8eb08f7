package io.ballast.server.optimizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.ballast.core.optimizer.ScalingSignal;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class ScalingWebhookTest {
  private final List<String> bodies = new CopyOnWriteArrayList<>();
  private HttpServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  @Test
  void postsEachEventAsJson() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    server.createContext("/scale", ex -> {
      try (ex) {
        bodies.add(ex.getRequestMethod() + " " + ex.getRequestHeaders().getFirst("Content-Type")
            + " " + new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        ex.sendResponseHeaders(204, -1);
      }
    });
    server.start();
    ScalingWebhook hook = new ScalingWebhook(URI.create("http://127.0.0.1:"
        + server.getAddress().getPort() + "/scale"), Duration.ofSeconds(2));
    hook.accept(new ScalingSignal(0, "api", ScalingSignal.Direction.UP, true, 0.86,
        Duration.ofMinutes(5), 3, "pool api: cpu 0.86 for 5m, add about 3 backends"));
    await().atMost(Duration.ofSeconds(5)).until(() -> !bodies.isEmpty());
    String received = bodies.get(0);
    assertThat(received).startsWith("POST application/json {");
    JsonNode json = JsonMapper.builder().build().readTree(received.substring(received.indexOf('{')));
    assertThat(json.get("pool").asString()).isEqualTo("api");
    assertThat(json.get("direction").asString()).isEqualTo("up");
    assertThat(json.get("raised").asBoolean()).isTrue();
    assertThat(json.get("level").asDouble()).isEqualTo(0.86);
    assertThat(json.get("sustained_ms").asLong()).isEqualTo(300_000);
    assertThat(json.get("backends").asInt()).isEqualTo(3);
    assertThat(json.get("message").asString())
        .isEqualTo("pool api: cpu 0.86 for 5m, add about 3 backends");
  }

  @Test
  void aReceiverThatNeverAnswersNeverBlocksTheCaller() throws Exception {
    // Connections land in the backlog and are never answered: each post waits for its timeout
    // on the client's threads, not in accept(), which the control loop calls.
    try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50,
        java.net.InetAddress.getLoopbackAddress())) {
      ScalingWebhook hook = new ScalingWebhook(URI.create("http://127.0.0.1:"
          + silent.getLocalPort() + "/scale"), Duration.ofSeconds(1));
      long start = System.nanoTime();
      for (int i = 0; i < 5; i++) {
        hook.accept(new ScalingSignal(0, "api", ScalingSignal.Direction.DOWN, true, 0.1,
            Duration.ofMinutes(5), 1, "pool api: cpu 0.10 for 5m, could lose about 1 backend"));
      }
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
    }
  }
}
