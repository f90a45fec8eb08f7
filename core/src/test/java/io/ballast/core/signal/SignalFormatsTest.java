package io.ballast.core.signal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SignalFormatsTest {

  // ---- load-report header

  @Test
  void headerPairsSeparatedByCommasAndOrSpaces() {
    assertThat(LoadReportFormat.parse("cpu=0.72, mem=0.40, qps=120"))
        .containsExactlyInAnyOrderEntriesOf(Map.of("cpu", 0.72, "mem", 0.40, "qps", 120.0));
    assertThat(LoadReportFormat.parse("cpu=0.5 mem=.25,,q_1.x-y=3.\t"))
        .containsExactlyInAnyOrderEntriesOf(Map.of("cpu", 0.5, "mem", 0.25, "q_1.x-y", 3.0));
    assertThat(LoadReportFormat.parse("big=123456789012345678"))
        .containsEntry("big", 1.23456789012345678e17);
  }

  @Test
  void headerGarbageNamesTheOffendingPair() {
    assertThatThrownBy(() -> LoadReportFormat.parse("cpu=0.7, mem=high"))
        .isInstanceOf(SignalFormatException.class)
        .hasMessage("pair 'mem=high': value 'high' (expected: a decimal >= 0 such as 0.72 or 120)");
    assertThatThrownBy(() -> LoadReportFormat.parse("cpu=-1"))
        .hasMessageStartingWith("pair 'cpu=-1': value '-1'");
    assertThatThrownBy(() -> LoadReportFormat.parse("cpu=1e3"))
        .hasMessageStartingWith("pair 'cpu=1e3': value");
    assertThatThrownBy(() -> LoadReportFormat.parse("cpu=NaN")).hasMessageStartingWith("pair 'cpu=NaN'");
    assertThatThrownBy(() -> LoadReportFormat.parse("CPU=1"))
        .hasMessage("pair 'CPU=1': name 'CPU' (expected: characters a-z 0-9 _ . -)");
    assertThatThrownBy(() -> LoadReportFormat.parse("cpu 0.7"))
        .hasMessage("pair 'cpu': no '=' (expected: name=value)");
    assertThatThrownBy(() -> LoadReportFormat.parse("=1")).hasMessage("pair '=1': empty name");
    assertThatThrownBy(() -> LoadReportFormat.parse("cpu=1,cpu=2"))
        .hasMessage("pair 'cpu=2': figure 'cpu' given twice");
    assertThatThrownBy(() -> LoadReportFormat.parse("cpu=1.2.3")).hasMessageContaining("value '1.2.3'");
    assertThatThrownBy(() -> LoadReportFormat.parse("cpu=.")).hasMessageContaining("value '.'");
    assertThatThrownBy(() -> LoadReportFormat.parse(" , ")).hasMessageStartingWith("no figures");
    assertThatThrownBy(() -> LoadReportFormat.parse("c\u00e9=1")).hasMessageStartingWith("pair 'c?=1'");
    StringBuilder many = new StringBuilder();
    for (int i = 0; i <= LoadReportFormat.MAX_FIGURES; i++) {
      many.append("f").append(i).append("=1 ");
    }
    assertThatThrownBy(() -> LoadReportFormat.parse(many)).hasMessageContaining("more than 32 figures");
  }

  // ---- agent reply

  @Test
  void agentWordsWeightsAndFigures() {
    AgentReply r = AgentReplyFormat.parse("50% drain cpu=0.8");
    assertThat(r.weightPercent()).isEqualTo(50);
    assertThat(r.admin()).isEqualTo(AgentCommand.DRAIN);
    assertThat(r.health()).isEqualTo(AgentCommand.NONE);
    assertThat(r.figures()).containsExactlyEntriesOf(Map.of("cpu", 0.8));
    LoadReport report = r.toReport(42);
    assertThat(report.source()).isEqualTo(SignalSource.AGENT);
    assertThat(report.atNanos()).isEqualTo(42);
    assertThat(report.weightPercent()).isEqualTo(50);
    assertThat(report.command()).isEqualTo(AgentCommand.DRAIN);

    AgentReply both = AgentReplyFormat.parse("UP,Ready\t75%,maxconn:30\r");
    assertThat(both.health()).isEqualTo(AgentCommand.UP);
    assertThat(both.admin()).isEqualTo(AgentCommand.READY);
    assertThat(both.weightPercent()).isEqualTo(75);
    assertThat(both.toReport(0).command()).isEqualTo(AgentCommand.READY);

    assertThat(AgentReplyFormat.parse("stopped#disk full, going away").health())
        .isEqualTo(AgentCommand.DOWN);
    assertThat(AgentReplyFormat.parse("fail maint").toReport(0).command())
        .isEqualTo(AgentCommand.DOWN);
    assertThat(AgentReplyFormat.parse("drain ready").admin()).isEqualTo(AgentCommand.READY);
    assertThat(AgentReplyFormat.parse("0%").weightPercent()).isZero();
    assertThat(AgentReplyFormat.parse("1000%").weightPercent()).isEqualTo(1000);
    AgentReply empty = AgentReplyFormat.parse("");
    assertThat(empty.weightPercent()).isEqualTo(-1);
    assertThat(empty.toReport(0).command()).isEqualTo(AgentCommand.NONE);
  }

  @Test
  void agentGarbageNamesTheWord() {
    assertThatThrownBy(() -> AgentReplyFormat.parse("ok"))
        .isInstanceOf(SignalFormatException.class)
        .hasMessageStartingWith("word 'ok' (expected: a weight such as 75%");
    assertThatThrownBy(() -> AgentReplyFormat.parse("1001%"))
        .hasMessage("weight '1001%' (expected: an integer percentage 0%..1000%)");
    assertThatThrownBy(() -> AgentReplyFormat.parse("-5%")).hasMessageStartingWith("weight '-5%'");
    assertThatThrownBy(() -> AgentReplyFormat.parse("%")).hasMessageStartingWith("weight '%'");
    assertThatThrownBy(() -> AgentReplyFormat.parse("up cpu=lots"))
        .hasMessageStartingWith("pair 'cpu=lots': value 'lots'");
    assertThatThrownBy(() -> AgentReplyFormat.parse("maxconn:x"))
        .hasMessage("word 'maxconn:x' (expected: maxconn:N with N an integer)");
    assertThatThrownBy(() -> AgentReplyFormat.parse("HTTP/1.1 400 Bad Request"))
        .hasMessageStartingWith("word 'HTTP/1.1'");
  }

  // ---- Prometheus text format

  private static final String PAGE = """
      # HELP process_cpu_usage The recent CPU usage of the process
      # TYPE process_cpu_usage gauge
      process_cpu_usage 0.42
      node_load1 1.5e0 1700000000000
      cpu_usage{mode="system",core="0"} 12
      cpu_usage{core="0",mode="user"} 75
      cpu_usage{mode="user",core="1"} 99
      weird{path="a \\"quoted\\" \\\\ value\\n",x="}"} +Inf
      gone NaN
      negative -3

      http_requests_total{code="200"} 1027 # {trace_id="abc"} 1 1700000000.1
      """;

  @Test
  void prometheusGaugesWithLabelsScalesAndFirstMatch() {
    PrometheusTextFormat.Extract e = PrometheusTextFormat.extract(PAGE, List.of(
        PrometheusGauge.of("cpu", "process_cpu_usage", 1),
        PrometheusGauge.of("load", "node_load1", 1),
        PrometheusGauge.of("user", "cpu_usage{mode=\"user\"}", 0.01),
        PrometheusGauge.of("q", "weird{path=\"a \\\"quoted\\\" \\\\ value\\n\"}", 1),
        PrometheusGauge.of("g", "gone", 1),
        PrometheusGauge.of("neg", "negative", 1),
        PrometheusGauge.of("m", "missing_metric", 1),
        PrometheusGauge.of("reqs", "http_requests_total{code=\"200\"}", 1)));
    assertThat(e.figures()).containsOnlyKeys("cpu", "load", "user", "reqs");
    assertThat(e.figures().get("cpu")).isEqualTo(0.42);
    assertThat(e.figures().get("load")).isEqualTo(1.5);
    assertThat(e.figures().get("user")).isEqualTo(0.75);
    assertThat(e.figures().get("reqs")).isEqualTo(1027.0);
    assertThat(e.problems()).containsExactly(
        "q: weird{path=\"a \\\"quoted\\\" \\\\ value\\n\"} is Infinity (expected: a finite number >= 0)",
        "g: gone is NaN (expected: a finite number >= 0)",
        "neg: negative is -3.0 (expected: a finite number >= 0)",
        "m: missing_metric not found");
  }

  @Test
  void prometheusGarbageNamesTheLine() {
    List<PrometheusGauge> cpu = List.of(PrometheusGauge.of("cpu", "process_cpu_usage", 1));
    assertThatThrownBy(() -> PrometheusTextFormat.extract("<html><body>Oops</body></html>\n", cpu))
        .isInstanceOf(SignalFormatException.class)
        .hasMessage("line 1: '<html><body>Oops</body></html>' (expected: a metric name, a comment"
            + " or a blank line)");
    assertThatThrownBy(() -> PrometheusTextFormat.extract("# c\nprocess_cpu_usage high\n", cpu))
        .hasMessage("line 2: value 'high' (expected: a number, NaN, +Inf or -Inf)");
    assertThatThrownBy(() -> PrometheusTextFormat.extract("a{b=\"c} 1\n", cpu))
        .hasMessageStartingWith("line 1: labels: unterminated value of b");
    assertThatThrownBy(() -> PrometheusTextFormat.extract("a{b=c} 1\n", cpu))
        .hasMessage("line 1: labels: expected a quoted value for b");
    assertThatThrownBy(() -> PrometheusTextFormat.extract("a 1 2 3\n", cpu))
        .hasMessageStartingWith("line 1: 'a 1 2 3' (expected: name, labels, value");
    assertThatThrownBy(() -> PrometheusTextFormat.extract("process_cpu_usage\n", cpu))
        .hasMessageStartingWith("line 1: 'process_cpu_usage' (expected: a space and a value");
    assertThatThrownBy(() -> PrometheusTextFormat.extract("a 0x1p3\n", cpu))
        .hasMessageStartingWith("line 1: value '0x1p3'");
  }

  @Test
  void gaugeSelectorsAreValidated() {
    PrometheusGauge g = PrometheusGauge.of("cpu", "cpu_usage{mode=\"user\", core=\"0\"}", 0.01);
    assertThat(g.metric()).isEqualTo("cpu_usage");
    assertThat(g.labels()).containsExactlyInAnyOrderEntriesOf(Map.of("mode", "user", "core", "0"));
    assertThatThrownBy(() -> PrometheusGauge.of("cpu", "9lives", 1))
        .hasMessage("metric: '9lives' (expected: a Prometheus metric name such as process_cpu_usage)");
    assertThatThrownBy(() -> PrometheusGauge.of("cpu", "a{mode=user}", 1))
        .hasMessageStartingWith("selector: 'a{mode=user}': labels: expected a quoted value");
    assertThatThrownBy(() -> PrometheusGauge.of("cpu", "a{mode=\"x\"", 1))
        .hasMessageStartingWith("selector: 'a{mode=\"x\"' (expected: name{label=\"value\"}");
    assertThatThrownBy(() -> PrometheusGauge.of("CPU", "a", 1))
        .hasMessageStartingWith("figure: 'CPU'");
    assertThatThrownBy(() -> PrometheusGauge.of("cpu", "a", 0))
        .hasMessage("scale: 0.0 (expected: a finite number > 0)");
  }
}
