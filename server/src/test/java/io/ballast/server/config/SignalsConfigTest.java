package io.ballast.server.config;

import static io.ballast.server.config.ConfigLoaderTest.BASE;
import static io.ballast.server.config.ConfigLoaderTest.errors;
import static io.ballast.server.config.ConfigLoaderTest.valid;
import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.core.signal.PrometheusGauge;
import io.ballast.proxy.signals.AgentCheckSpec;
import io.ballast.proxy.signals.PrometheusScrapeSpec;
import io.ballast.proxy.signals.SignalsSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The signals block of a pool: values, defaults and every bad input with its line:col. */
class SignalsConfigTest {

  private static SignalsSpec signals(String block) {
    return valid(BASE + block).config().pools().get(0).signals().orElseThrow();
  }

  @Test
  void offByDefaultAndEveryKeyIsRead() {
    assertThat(valid(BASE).config().pools().get(0).signals()).isEmpty();
    SignalsSpec s = signals("""
            signals:
              load_header: {name: X-Backend-Load}
              stale_after: 20s
              agent:
                port: 9901
                interval: 3s
                timeout: 500ms
                send: "status\\n"
              prometheus:
                port: 9100
                path: /stats/prometheus
                interval: 10s
                timeout: 2s
                gauges:
                  cpu: process_cpu_usage
                  user:
                    metric: 'cpu_usage{mode="user"}'
                    scale: 0.01
        """);
    assertThat(s.loadReportHeader()).isEqualTo("X-Backend-Load");
    assertThat(s.staleAfter()).isEqualTo(Duration.ofSeconds(20));
    assertThat(s.applyAgentWeights()).isTrue();
    assertThat(s.agent()).isEqualTo(
        new AgentCheckSpec(9901, Duration.ofSeconds(3), Duration.ofMillis(500), "status\n"));
    assertThat(s.prometheus()).isEqualTo(new PrometheusScrapeSpec(9100, "/stats/prometheus",
        Duration.ofSeconds(10), Duration.ofSeconds(2), List.of(
            new PrometheusGauge("cpu", "process_cpu_usage", Map.of(), 1),
            new PrometheusGauge("user", "cpu_usage", Map.of("mode", "user"), 0.01))));
  }

  @Test
  void defaultsAndStaleAfterFromTheSlowestInterval() {
    SignalsSpec header = signals("""
            signals:
              load_header: true
        """);
    assertThat(header.loadReportHeader()).isEqualTo("X-Load-Report");
    assertThat(header.agent()).isNull();
    assertThat(header.staleAfter()).isEqualTo(SignalsSpec.HEADER_ONLY_STALE_AFTER);
    SignalsSpec both = signals("""
            signals:
              load_header: false
              agent: {port: 9901}
              prometheus: {port: 9100, gauges: {cpu: process_cpu_usage}}
        """);
    assertThat(both.loadReportHeader()).isNull();
    assertThat(both.agent()).isEqualTo(AgentCheckSpec.of(9901));
    assertThat(both.prometheus().path()).isEqualTo("/metrics");
    assertThat(both.prometheus().interval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(both.prometheus().timeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(both.staleAfter()).isEqualTo(Duration.ofSeconds(15));
  }

  @Test
  void everyBadFieldIsAnErrorWithItsPosition() {
    assertThat(errors(BASE + """
            signals:
              load_header: {name: "X Load"}
              stale_after: 0s
              agent:
                port: 70000
                interval: 0
                sned: x
              prometheus:
                port: 0
                path: metrics
                timeout: 10s
                gauges:
                  CPU: process_cpu_usage
                  load: 9lives
                  user: {metric: 'a{mode=user}', scale: 0}
                  mem: [a]
        """)).containsExactly(
        "test.yaml:10:27: pools[0].signals.load_header.name: 'X Load' (expected: a header name"
            + " such as X-Load-Report)",
        "test.yaml:11:20: pools[0].signals.stale_after: 0s (expected: a duration > 0)",
        "test.yaml:13:15: pools[0].signals.agent.port: 70000 (expected: 1..65535)",
        "test.yaml:14:19: pools[0].signals.agent.interval: 0 (expected: a duration > 0)",
        "test.yaml:15:9: pools[0].signals.agent.sned: unknown field 'sned' (did you mean"
            + " 'send'?)",
        "test.yaml:17:15: pools[0].signals.prometheus.port: 0 (expected: 1..65535)",
        "test.yaml:18:15: pools[0].signals.prometheus.path: 'metrics' (expected: a path"
            + " starting with '/', e.g. \"/metrics\")",
        "test.yaml:19:18: pools[0].signals.prometheus.timeout: 10s (expected: <= interval 5s)",
        "test.yaml:21:11: pools[0].signals.prometheus.gauges.CPU: figure name 'CPU' (expected:"
            + " 1..64 characters a-z 0-9 _ . -, as in the load-report format)",
        "test.yaml:22:17: pools[0].signals.prometheus.gauges.load: metric: '9lives' (expected:"
            + " a Prometheus metric name such as process_cpu_usage)",
        "test.yaml:23:49: pools[0].signals.prometheus.gauges.user.scale: 0 (expected: a number"
            + " > 0)",
        "test.yaml:24:16: pools[0].signals.prometheus.gauges.mem: found a list (expected: a"
            + " metric name such as process_cpu_usage, or {metric: ..., scale: ...})");
  }

  @Test
  void emptyOrMissingPartsAreErrors() {
    assertThat(errors(BASE + """
            signals: {}
        """)).containsExactly("test.yaml:9:14: pools[0].signals: no source set (expected: at"
            + " least one of load_header, agent, prometheus)");
    assertThat(errors(BASE + """
            signals:
              load_header: yes
              agent: {interval: 1s}
              prometheus: {port: 9100, gauges: {}}
        """)).containsExactly(
        "test.yaml:10:20: pools[0].signals.load_header: found string 'yes' (expected: true"
            + " (header X-Load-Report), false, or a mapping {name: ...})",
        "test.yaml:11:14: pools[0].signals.agent.port: required field is missing (expected:"
            + " an integer 1..65535)",
        "test.yaml:12:40: pools[0].signals.prometheus.gauges: no gauge (expected: at least one,"
            + " e.g. {cpu: process_cpu_usage})");
    assertThat(errors(BASE + """
            signals:
              prometheus: {port: 9100, gauges: {user: 'a{mode=user}'}}
        """)).containsExactly(
        "test.yaml:10:47: pools[0].signals.prometheus.gauges.user: selector: 'a{mode=user}':"
            + " labels: expected a quoted value for mode (expected: name{label=\"value\", ...})");
  }
}
