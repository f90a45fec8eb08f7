package io.ballast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.core.AdminState;
import io.ballast.core.Backend;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.signal.SignalSource;
import io.ballast.server.config.ConfigLoader;
import io.ballast.server.testing.TestAgent;
import io.ballast.server.testing.TestBackend;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A backend's own signals through the whole balancer: a real backend adding a load-report header
 * and serving a Prometheus page, a real agent on another port, the figures in the backend's
 * signals, in /admin/backends and in /metrics, and the agent's drain obeyed.
 */
class SignalsEndToEndTest {
  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final JsonMapper json = JsonMapper.builder().build();
  private TestBackend a;
  private TestAgent agent;
  private Ballast ballast;
  private LoadBalancer pool;
  private Backend backendA;

  @BeforeEach
  void start() throws Exception {
    a = new TestBackend("a");
    a.responseHeader("X-Load-Report", "cpu=0.72, qps=120");
    a.check("/metrics", 200, """
        # TYPE process_cpu_usage gauge
        process_cpu_usage 0.55
        open_connections{kind="client"} 30
        """);
    agent = new TestAgent();
    agent.reply("ready 100% load=0.3\n");
    String yaml = """
        listeners:
          - name: web
            bind: "127.0.0.1:0"
            pool: app
        pools:
          - name: app
            backends:
              - {name: a, address: "%s"}
            signals:
              load_header: true
              agent: {port: %d, interval: 100ms, timeout: 100ms}
              prometheus:
                port: %d
                interval: 100ms
                timeout: 100ms
                gauges:
                  pcpu: process_cpu_usage
                  conns: {metric: 'open_connections{kind="client"}', scale: 0.01}
        admin:
          bind: "127.0.0.1:0"
        access_log:
          enabled: false
        """.formatted(a.address(), agent.port(), a.port());
    ballast = Ballast.start(ConfigLoader.parse(yaml, "test.yaml").orElseThrow(), 1);
    pool = ballast.pools().get("app");
    backendA = pool.backends().get(0);
  }

  @AfterEach
  void stop() throws Exception {
    if (ballast != null) {
      ballast.stop();
    }
    a.close();
    agent.close();
  }

  private HttpResponse<String> get(String url) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  private String proxyUrl(String path) {
    return "http://127.0.0.1:" + ballast.proxyAddresses().get(0).getPort() + path;
  }

  private String adminUrl(String path) {
    return "http://127.0.0.1:" + ballast.adminAddress().getPort() + path;
  }

  private JsonNode signalsOfA() throws Exception {
    return json.readTree(get(adminUrl("/admin/backends")).body())
        .get("pools").get(0).get("backends").get(0).get("signals");
  }

  @Test
  void headerAgentAndPrometheusFiguresReachSignalsAdminAndMetrics() throws Exception {
    HttpResponse<String> r = get(proxyUrl("/"));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("a");
    assertThat(r.headers().firstValue("X-Load-Report")).isEmpty();
    assertThat(backendA.signals().latest(SignalSource.HEADER).figures())
        .containsEntry("cpu", 0.72).containsEntry("qps", 120.0);
    await().atMost(Duration.ofSeconds(5)).until(() ->
        backendA.signals().latest(SignalSource.AGENT) != null
            && backendA.signals().latest(SignalSource.PROMETHEUS) != null);

    JsonNode signals = signalsOfA();
    assertThat(signals.get("header").get("figures").get("cpu").asDouble()).isEqualTo(0.72);
    assertThat(signals.get("header").get("stale").isNull()).isTrue();
    assertThat(signals.get("header").get("age_ms").asLong()).isBetween(0L, 60_000L);
    assertThat(signals.get("agent").get("figures").get("load").asDouble()).isEqualTo(0.3);
    assertThat(signals.get("agent").get("weight_percent").asInt()).isEqualTo(100);
    assertThat(signals.get("agent").get("command").asString()).isEqualTo("ready");
    assertThat(signals.get("prometheus").get("figures").get("pcpu").asDouble()).isEqualTo(0.55);
    assertThat(signals.get("prometheus").get("figures").get("conns").asDouble()).isEqualTo(0.3);

    String metrics = get(adminUrl("/metrics")).body();
    assertThat(metrics)
        .contains("lb_backend_signal{backend=\"a\",figure=\"cpu\",pool=\"app\",source=\"header\"} 0.72")
        .contains("lb_backend_signal{backend=\"a\",figure=\"pcpu\",pool=\"app\",source=\"prometheus\"} 0.55")
        .contains("lb_backend_signal_stale{backend=\"a\",pool=\"app\",source=\"agent\"} 0.0");
  }

  @Test
  void agentDrainIsObeyedAndAGoneAgentIsStale() throws Exception {
    agent.reply("50% drain load=0.8\n");
    await().atMost(Duration.ofSeconds(5))
        .until(() -> pool.adminState(backendA) == AdminState.DRAINING);
    await().until(() -> pool.weightPercent(backendA) == 50);
    assertThat(get(proxyUrl("/")).statusCode()).isEqualTo(503);
    assertThat(signalsOfA().get("agent").get("command").asString()).isEqualTo("drain");

    agent.reply("ready\n");
    await().atMost(Duration.ofSeconds(5))
        .until(() -> pool.adminState(backendA) == AdminState.ACTIVE);
    assertThat(get(proxyUrl("/")).statusCode()).isEqualTo(200);

    agent.close();
    await().atMost(Duration.ofSeconds(5))
        .until(() -> backendA.signals().staleReason(SignalSource.AGENT) != null);
    assertThat(signalsOfA().get("agent").get("stale").asString()).startsWith("connect refused");
    assertThat(get(adminUrl("/metrics")).body())
        .contains("lb_backend_signal_stale{backend=\"a\",pool=\"app\",source=\"agent\"} 1.0")
        .doesNotContain("source=\"agent\"} 0.8");
    // The proxy keeps serving: a stale agent never touches requests.
    assertThat(get(proxyUrl("/")).statusCode()).isEqualTo(200);
  }
}
