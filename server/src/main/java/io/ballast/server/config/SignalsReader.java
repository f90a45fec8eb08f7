package io.ballast.server.config;

import io.ballast.core.signal.PrometheusGauge;
import io.ballast.proxy.signals.AgentCheckSpec;
import io.ballast.proxy.signals.PrometheusScrapeSpec;
import io.ballast.proxy.signals.SignalsSpec;
import io.ballast.server.config.YamlNode.Entry;
import io.ballast.server.config.YamlNode.MapNode;
import io.ballast.server.config.YamlNode.ScalarNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads a pool's {@code signals:} section: the load-report header, the agent check and the
 * Prometheus scrape, each optional, and {@code stale_after}. Every bad field is reported with its
 * path and position. Not thread-safe: one load at a time (as {@link ConfigReader}).
 */
final class SignalsReader {
  private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}");
  private static final Pattern HTTP_PATH = Pattern.compile("/[!-~]*");
  private static final Pattern FIGURE = Pattern.compile("[a-z0-9_.-]{1,64}");
  private static final Pattern SEND = Pattern.compile("(?s).{1," + AgentCheckSpec.MAX_SEND + "}");
  private static final Value<Duration> DURATION = Value.duration();
  private static final Value<Integer> PORT = Value.integer(1, 65535);

  private final Problems problems;

  SignalsReader(Problems problems) {
    this.problems = problems;
  }

  /** The section, or null after reporting its problems. */
  SignalsSpec signals(Section s) {
    int before = problems.errorCount();
    String header = s.optional("load_header").map(n -> loadHeader(n, s.path("load_header")))
        .orElse(Optional.empty()).orElse(null);
    AgentCheckSpec agent = s.optional("agent")
        .flatMap(n -> Section.of(n, s.path("agent"), problems)).map(this::agent).orElse(null);
    PrometheusScrapeSpec prometheus = s.optional("prometheus")
        .flatMap(n -> Section.of(n, s.path("prometheus"), problems)).map(this::prometheus)
        .orElse(null);
    Duration staleAfter = s.get("stale_after", DURATION, null);
    s.rejectUnknown();
    if (problems.errorCount() != before) {
      return null;
    }
    if (header == null && agent == null && prometheus == null) {
      problems.error(s.mark(), s.path(), "no source set (expected: at least one of load_header,"
          + " agent, prometheus)");
      return null;
    }
    Duration stale = staleAfter != null ? staleAfter
        : SignalsSpec.defaultStaleAfter(agent, prometheus);
    // Weight percentages from an agent apply directly unless a weight controller takes them.
    return build(s, () -> new SignalsSpec(header, agent, prometheus, true, stale));
  }

  /** {@code true}, {@code false}, or {@code {name: X-Load}}; empty when off or invalid. */
  private Optional<String> loadHeader(YamlNode node, String path) {
    if (node instanceof ScalarNode scalar && scalar.value() instanceof Boolean on) {
      return on ? Optional.of(SignalsSpec.DEFAULT_HEADER) : Optional.empty();
    }
    if (node instanceof MapNode) {
      Optional<Section> section = Section.of(node, path, problems);
      if (section.isEmpty()) {
        return Optional.empty();
      }
      Section h = section.get();
      String name = h.get("name", Value.string("a header name such as X-Load-Report",
          HEADER_NAME), SignalsSpec.DEFAULT_HEADER);
      h.rejectUnknown();
      return Optional.ofNullable(name);
    }
    problems.error(node.mark(), path, Value.wrongType(node,
        "true (header " + SignalsSpec.DEFAULT_HEADER + "), false, or a mapping {name: ...}"));
    return Optional.empty();
  }

  private AgentCheckSpec agent(Section s) {
    int before = problems.errorCount();
    Integer port = s.require("port", PORT);
    Duration interval = s.get("interval", DURATION, AgentCheckSpec.DEFAULT_INTERVAL);
    Duration timeout = s.get("timeout", DURATION, AgentCheckSpec.DEFAULT_TIMEOUT);
    String send = s.get("send", Value.string("a text of 1.." + AgentCheckSpec.MAX_SEND
        + " characters sent after connecting, e.g. \"status\\n\"", SEND), null);
    s.notAbove("timeout", timeout, "interval", interval);
    s.rejectUnknown();
    if (problems.errorCount() != before) {
      return null;
    }
    return build(s, () -> new AgentCheckSpec(port, interval, timeout, send));
  }

  private PrometheusScrapeSpec prometheus(Section s) {
    int before = problems.errorCount();
    Integer port = s.require("port", PORT);
    String path = s.get("path", Value.string("a path starting with '/', e.g. \"/metrics\"",
        HTTP_PATH), PrometheusScrapeSpec.DEFAULT_PATH);
    Duration interval = s.get("interval", DURATION, PrometheusScrapeSpec.DEFAULT_INTERVAL);
    Duration timeout = s.get("timeout", DURATION, PrometheusScrapeSpec.DEFAULT_TIMEOUT);
    List<PrometheusGauge> gauges = s.required("gauges",
        "a mapping of figure names to metric names, e.g. {cpu: process_cpu_usage}")
        .map(n -> gauges(n, s.path("gauges"))).orElse(null);
    s.notAbove("timeout", timeout, "interval", interval);
    s.rejectUnknown();
    if (problems.errorCount() != before) {
      return null;
    }
    return build(s, () -> new PrometheusScrapeSpec(port, path, interval, timeout, gauges));
  }

  /**
   * {@code {cpu: process_cpu_usage, user: {metric: 'cpu_usage{mode="user"}', scale: 0.01}}}: each
   * key a figure name, each value a selector or a mapping of selector and scale.
   */
  private List<PrometheusGauge> gauges(YamlNode node, String path) {
    if (!(node instanceof MapNode map)) {
      problems.error(node.mark(), path, Value.wrongType(node,
          "a mapping of figure names to metric names, e.g. {cpu: process_cpu_usage}"));
      return null;
    }
    if (map.entries().isEmpty()) {
      problems.error(node.mark(), path, "no gauge (expected: at least one, e.g."
          + " {cpu: process_cpu_usage})");
      return null;
    }
    List<PrometheusGauge> gauges = new ArrayList<>();
    for (Entry e : map.entries().values()) {
      String gaugePath = path + "." + e.key();
      if (!FIGURE.matcher(e.key()).matches()) {
        problems.error(e.keyMark(), gaugePath, "figure name '" + e.key()
            + "' (expected: 1..64 characters a-z 0-9 _ . -, as in the load-report format)");
        continue;
      }
      String selector;
      double scale = 1;
      YamlNode value = e.value();
      Mark selectorMark = value.mark();
      if (value instanceof ScalarNode scalar && scalar.value() instanceof String text) {
        selector = text;
      } else if (value instanceof MapNode) {
        Optional<Section> g = Section.of(value, gaugePath, problems);
        if (g.isEmpty()) {
          continue;
        }
        Section gs = g.get();
        selector = gs.require("metric", Value.string("a metric name with optional labels, e.g."
            + " cpu_usage{mode=\"user\"}", Pattern.compile("(?s).+")));
        selectorMark = gs.markOf("metric");
        Double sc = gs.get("scale", Value.decimal(0, 1e6), 1.0);
        gs.rejectUnknown();
        if (sc != null && sc == 0) {
          problems.error(gs.markOf("scale"), gs.path("scale"), "0 (expected: a number > 0)");
          continue;
        }
        if (selector == null || sc == null) {
          continue;
        }
        scale = sc;
      } else {
        problems.error(value.mark(), gaugePath, Value.wrongType(value,
            "a metric name such as process_cpu_usage, or {metric: ..., scale: ...}"));
        continue;
      }
      try {
        gauges.add(PrometheusGauge.of(e.key(), selector, scale));
      } catch (IllegalArgumentException ex) {
        problems.error(selectorMark, gaugePath, ex.getMessage());
      }
    }
    return gauges;
  }

  private <T> T build(Section s, java.util.function.Supplier<T> constructor) {
    return problems.build(s.mark(), s.path(), constructor);
  }
}
