package io.ballast.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.sun.net.httpserver.HttpServer;
import io.ballast.core.AdminState;
import io.ballast.core.Backend;
import io.ballast.core.HealthState;
import io.ballast.core.pick.Algorithm;
import io.ballast.core.pool.HealthSettings;
import io.ballast.core.retry.RetrySettings;
import io.ballast.core.signal.AgentCommand;
import io.ballast.core.signal.LoadReport;
import io.ballast.core.signal.PrometheusGauge;
import io.ballast.core.signal.SignalSource;
import io.ballast.proxy.signals.AgentCheckSpec;
import io.ballast.proxy.signals.PrometheusScrapeSpec;
import io.ballast.proxy.signals.SignalPollers;
import io.ballast.proxy.signals.SignalsSpec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class SignalsTest {
  private static final Duration FAST = Duration.ofMillis(50);
  private final ListAppender<ILoggingEvent> log = new ListAppender<>();
  private final Logger signalsLogger = (Logger) LoggerFactory.getLogger("io.ballast.signals");

  @BeforeEach
  void captureLog() {
    log.start();
    signalsLogger.addAppender(log);
  }

  @AfterEach
  void releaseLog() {
    signalsLogger.detachAppender(log);
  }

  private List<String> logLines(String containing) {
    // The appender appends under its own lock (AppenderBase.doAppend): read under it too.
    synchronized (log) {
      return log.list.stream().map(ILoggingEvent::getFormattedMessage)
          .filter(m -> m.contains(containing)).toList();
    }
  }

  private static ProxyFixture withHeader(String header, int backends) {
    int[] weights = new int[backends];
    java.util.Arrays.fill(weights, 1);
    return new ProxyFixture(ProxySettings.defaults(), Algorithm.ROUND_ROBIN,
        HealthSettings.PASSIVE_ONLY, RetrySettings.DEFAULTS, null, header, weights);
  }

  @Test
  void loadReportHeaderBecomesFiguresAndNeverReachesTheClient() throws Exception {
    try (ProxyFixture f = withHeader("X-Load-Report", 1)) {
      f.backends.get(0).responseHeaders.put("X-Load-Report", "cpu=0.72, mem=0.40, qps=120");
      f.backends.get(0).responseHeaders.put("X-Other", "kept");
      HttpResponse<String> r = f.get("/name");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("b0");
      assertThat(r.headers().firstValue("x-load-report")).isEmpty();
      assertThat(r.headers().firstValue("x-other")).hasValue("kept");
      Backend b0 = f.members.get(0);
      LoadReport report = b0.signals().latest(SignalSource.HEADER);
      assertThat(report.figures()).containsEntry("cpu", 0.72).containsEntry("mem", 0.40)
          .containsEntry("qps", 120.0);
      assertThat(b0.signals().figure("cpu", f.pool.nowNanos(), Long.MAX_VALUE)).hasValue(0.72);
      assertThat(report.atNanos()).isLessThanOrEqualTo(f.pool.nowNanos());
    }
  }

  @Test
  void garbageHeaderMarksTheSourceStaleOnceAndLeavesTheResponseAlone() throws Exception {
    try (ProxyFixture f = withHeader("X-Load", 1)) {
      Backend b0 = f.members.get(0);
      f.backends.get(0).responseHeaders.put("X-Load", "cpu=0.5");
      f.get("/name");
      f.backends.get(0).responseHeaders.put("X-Load", "cpu=lots");
      for (int i = 0; i < 3; i++) {
        HttpResponse<String> r = f.get("/name");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("b0");
        assertThat(r.headers().firstValue("x-load")).isEmpty();
      }
      assertThat(b0.signals().staleReason(SignalSource.HEADER)).isEqualTo(
          "unreadable X-Load header: pair 'cpu=lots': value 'lots' (expected: a decimal >= 0"
              + " such as 0.72 or 120)");
      assertThat(b0.signals().figure("cpu", f.pool.nowNanos(), Long.MAX_VALUE)).isEmpty();
      assertThat(logLines("header signal stale")).hasSize(1);
      f.backends.get(0).responseHeaders.put("X-Load", "cpu=0.25");
      f.get("/name");
      assertThat(b0.signals().staleReason(SignalSource.HEADER)).isNull();
      assertThat(b0.signals().figure("cpu", f.pool.nowNanos(), Long.MAX_VALUE)).hasValue(0.25);
      assertThat(logLines("header signal back")).hasSize(1);
    }
  }

  @Test
  void aPoolWithoutTheHeaderPassesItThrough() throws Exception {
    try (ProxyFixture f = withHeader(null, 1)) {
      f.backends.get(0).responseHeaders.put("X-Load-Report", "cpu=0.72");
      assertThat(f.get("/name").headers().firstValue("x-load-report")).hasValue("cpu=0.72");
      assertThat(f.members.get(0).signals().latest(SignalSource.HEADER)).isNull();
    }
  }

  @Test
  void agentDrainsAndReadiesAndReportsFigures() throws Exception {
    // One backend: an agent answers for its host, and every test backend is on 127.0.0.1.
    try (ProxyFixture f = withHeader(null, 1); TestAgent agent = new TestAgent()) {
      agent.reply = "50% drain cpu=0.8\n";
      agent.expect = 5;
      SignalsSpec spec = new SignalsSpec(null,
          new AgentCheckSpec(agent.port(), FAST, Duration.ofSeconds(1), "ping\n"), null, true,
          Duration.ofSeconds(1));
      Backend b0 = f.members.get(0);
      try (SignalPollers pollers = f.proxy.signalPollers(f.pool, spec)) {
        await().atMost(Duration.ofSeconds(5))
            .until(() -> f.pool.adminState(b0) == AdminState.DRAINING);
        assertThat(agent.received).isEqualTo("ping\n");
        await().until(() -> f.pool.weightPercent(b0) == 50);
        LoadReport r = b0.signals().latest(SignalSource.AGENT);
        assertThat(r.figures()).containsEntry("cpu", 0.8);
        assertThat(r.command()).isEqualTo(AgentCommand.DRAIN);
        assertThat(r.weightPercent()).isEqualTo(50);

        agent.reply = "ready 100%";
        await().atMost(Duration.ofSeconds(5))
            .until(() -> f.pool.adminState(b0) == AdminState.ACTIVE);
        await().until(() -> f.pool.weightPercent(b0) == 100);

        agent.reply = "down#maintenance window\n";
        await().atMost(Duration.ofSeconds(5))
            .until(() -> f.pool.health(b0) == HealthState.UNHEALTHY);
        assertThat(f.get("/name").statusCode()).isEqualTo(503);
        agent.reply = "up\n";
        await().atMost(Duration.ofSeconds(5))
            .until(() -> f.pool.health(b0) == HealthState.HEALTHY);
        await().until(() -> f.get("/name").statusCode() == 200);
      }
    }
  }

  @Test
  void closedAgentPortIsStaleWithOneLogLine() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    try (ProxyFixture f = withHeader(null, 1)) {
      Backend b0 = f.members.get(0);
      SignalsSpec spec = new SignalsSpec(null,
          new AgentCheckSpec(closedPort, FAST, Duration.ofSeconds(1), null), null, true,
          Duration.ofSeconds(1));
      try (SignalPollers pollers = f.proxy.signalPollers(f.pool, spec)) {
        await().atMost(Duration.ofSeconds(5))
            .until(() -> b0.signals().staleReason(SignalSource.AGENT) != null);
        assertThat(b0.signals().staleReason(SignalSource.AGENT))
            .isEqualTo("connect refused on port " + closedPort);
        // Polled every 50 ms: some eight more failures over 400 ms, and still one line.
        await().during(Duration.ofMillis(400)).atMost(Duration.ofSeconds(2))
            .until(() -> logLines("agent signal stale").size() == 1);
      }
      assertThat(logLines("agent signal stale")).hasSize(1);
      assertThat(logLines("agent signal stale").get(0))
          .contains("pool web backend b0").contains("connect refused on port " + closedPort);
      assertThat(f.pool.adminState(b0)).isEqualTo(AdminState.ACTIVE);
      assertThat(f.get("/name").body()).isEqualTo("b0");
    }
  }

  @Test
  void silentAgentIsStaleAfterTheTimeoutAndGarbageToo() throws Exception {
    try (ProxyFixture f = withHeader(null, 1); TestAgent agent = new TestAgent()) {
      agent.silent = true;
      Backend b0 = f.members.get(0);
      SignalsSpec spec = new SignalsSpec(null,
          new AgentCheckSpec(agent.port(), FAST, Duration.ofMillis(200), null), null, true,
          Duration.ofSeconds(1));
      try (SignalPollers pollers = f.proxy.signalPollers(f.pool, spec)) {
        await().atMost(Duration.ofSeconds(5))
            .until(() -> b0.signals().staleReason(SignalSource.AGENT) != null);
        assertThat(b0.signals().staleReason(SignalSource.AGENT))
            .isEqualTo("no answer within 200 ms");
        assertThat(agent.connections.get()).isPositive();
        agent.silent = false;
        agent.reply = "cpu=0.3\n";
        await().atMost(Duration.ofSeconds(5))
            .until(() -> b0.signals().staleReason(SignalSource.AGENT) == null);
        assertThat(b0.signals().figure("cpu", f.pool.nowNanos(), Long.MAX_VALUE)).hasValue(0.3);
        assertThat(logLines("agent signal back")).hasSize(1);
        agent.reply = "HTTP/1.1 400 Bad Request\r\n";
        await().atMost(Duration.ofSeconds(5))
            .until(() -> b0.signals().staleReason(SignalSource.AGENT) != null);
        assertThat(b0.signals().staleReason(SignalSource.AGENT))
            .startsWith("unreadable reply: word 'HTTP/1.1'");
      }
    }
  }

  @Test
  void agentReplyTooLongOrMissingIsStale() throws Exception {
    try (ProxyFixture f = withHeader(null, 1); TestAgent agent = new TestAgent()) {
      agent.reply = "cpu=0.1 ".repeat(200);
      Backend b0 = f.members.get(0);
      SignalsSpec spec = new SignalsSpec(null,
          new AgentCheckSpec(agent.port(), FAST, Duration.ofSeconds(1), null), null, true,
          Duration.ofSeconds(1));
      try (SignalPollers pollers = f.proxy.signalPollers(f.pool, spec)) {
        await().atMost(Duration.ofSeconds(5))
            .until(() -> b0.signals().staleReason(SignalSource.AGENT) != null);
        assertThat(b0.signals().staleReason(SignalSource.AGENT))
            .isEqualTo("reply longer than 1024 bytes without a line end");
        agent.reply = "";
        await().atMost(Duration.ofSeconds(5)).until(() -> "connection closed without a reply"
            .equals(b0.signals().staleReason(SignalSource.AGENT)));
        // A reply without a line end, closed by the agent, is whole at the close.
        agent.reply = "75%";
        await().atMost(Duration.ofSeconds(5))
            .until(() -> b0.signals().staleReason(SignalSource.AGENT) == null);
        await().until(() -> f.pool.weightPercent(b0) == 75);
      }
    }
  }

  @Test
  void specsRefuseBadValues() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> AgentCheckSpec.of(0))
        .hasMessage("port: 0 (expected: 1..65535)");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new AgentCheckSpec(1, Duration.ZERO, FAST, null))
        .hasMessage("interval: PT0S (expected: > 0)");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new PrometheusScrapeSpec(9100,
            "metrics", FAST, FAST, List.of(PrometheusGauge.of("cpu", "a", 1))))
        .hasMessageStartingWith("path: \"metrics\" (expected: starting with /");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new PrometheusScrapeSpec(9100,
            "/metrics", FAST, FAST, List.of(PrometheusGauge.of("cpu", "a", 1),
                PrometheusGauge.of("cpu", "b", 1))))
        .hasMessage("gauges: figure 'cpu' given twice (expected: one gauge per figure)");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new SignalsSpec("X Load", null, null, true, FAST))
        .hasMessage("loadReportHeader: \"X Load\" (expected: a header name such as X-Load-Report)");
    assertThat(SignalsSpec.defaultStaleAfter(AgentCheckSpec.of(1), null))
        .isEqualTo(Duration.ofSeconds(6));
  }

  @Test
  void prometheusGaugesBecomeFiguresAndGarbageIsStale() throws Exception {
    AtomicReference<String> page = new AtomicReference<>("""
        # HELP process_cpu_usage CPU
        # TYPE process_cpu_usage gauge
        process_cpu_usage 0.61
        cpu_percent{mode="user"} 45.5
        """);
    AtomicReference<String> asked = new AtomicReference<>();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/metrics", exchange -> {
      asked.set(exchange.getRequestMethod() + " " + exchange.getRequestURI());
      byte[] body = page.get().getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    try (ProxyFixture f = withHeader(null, 1)) {
      Backend b0 = f.members.get(0);
      SignalsSpec spec = new SignalsSpec(null, null, new PrometheusScrapeSpec(
          server.getAddress().getPort(), "/metrics", FAST, Duration.ofSeconds(1), List.of(
              PrometheusGauge.of("cpu", "process_cpu_usage", 1),
              PrometheusGauge.of("user", "cpu_percent{mode=\"user\"}", 0.01))), true,
          Duration.ofSeconds(1));
      try (SignalPollers pollers = f.proxy.signalPollers(f.pool, spec)) {
        await().atMost(Duration.ofSeconds(5))
            .until(() -> b0.signals().latest(SignalSource.PROMETHEUS) != null);
        assertThat(asked.get()).isEqualTo("GET /metrics");
        assertThat(b0.signals().latest(SignalSource.PROMETHEUS).figures())
            .containsEntry("cpu", 0.61).containsEntry("user", 0.455);

        page.set("<html>Internal error</html>\n");
        await().atMost(Duration.ofSeconds(5))
            .until(() -> b0.signals().staleReason(SignalSource.PROMETHEUS) != null);
        assertThat(b0.signals().staleReason(SignalSource.PROMETHEUS))
            .startsWith("unreadable page: line 1: '<html>Internal error</html>'");
        assertThat(b0.signals().figure("cpu", f.pool.nowNanos(), Long.MAX_VALUE)).isEmpty();
        assertThat(logLines("prometheus signal stale")).hasSize(1);

        page.set("other_metric 1\n");
        await().atMost(Duration.ofSeconds(5)).until(() -> b0.signals()
            .staleReason(SignalSource.PROMETHEUS).startsWith("no configured gauge"));
        assertThat(b0.signals().staleReason(SignalSource.PROMETHEUS)).isEqualTo(
            "no configured gauge on the page: cpu: process_cpu_usage not found;"
                + " user: cpu_percent{mode=\"user\"} not found");
      }
    } finally {
      server.stop(0);
    }
  }

  @Test
  void oversizedPrometheusPageIsStale() throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    byte[] big = ("a 1\n".repeat(PrometheusScrapeSpec.MAX_BODY / 4 + 10))
        .getBytes(StandardCharsets.US_ASCII);
    server.createContext("/metrics", exchange -> {
      exchange.sendResponseHeaders(200, big.length);
      try {
        exchange.getResponseBody().write(big);
      } catch (IOException e) {
        // The scraper hung up once it had enough.
      }
      exchange.close();
    });
    server.start();
    try (ProxyFixture f = withHeader(null, 1)) {
      Backend b0 = f.members.get(0);
      SignalsSpec spec = new SignalsSpec(null, null, new PrometheusScrapeSpec(
          server.getAddress().getPort(), "/metrics", FAST, Duration.ofSeconds(2),
          List.of(PrometheusGauge.of("a", "a", 1))), true, Duration.ofSeconds(1));
      try (SignalPollers pollers = f.proxy.signalPollers(f.pool, spec)) {
        await().atMost(Duration.ofSeconds(5))
            .until(() -> b0.signals().staleReason(SignalSource.PROMETHEUS) != null);
        assertThat(b0.signals().staleReason(SignalSource.PROMETHEUS))
            .isEqualTo("page larger than 1048576 bytes");
      }
    } finally {
      server.stop(0);
    }
  }
}
