package io.ballast.core.signal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One gauge to read from a backend's Prometheus page: the figure it becomes, the metric name with
 * optional label matchers ({@code node_load1}, {@code cpu_usage{mode="user"}}), and a scale
 * applied to the value ({@code 0.01} turns a percentage into a fraction). Immutable.
 *
 * @param figure our figure name, as in the load-report format ({@code cpu})
 * @param metric the Prometheus metric name
 * @param labels label values a sample must carry (others may be present too); copied
 * @param scale multiplies the sample's value; finite and > 0
 */
public record PrometheusGauge(String figure, String metric, Map<String, String> labels,
    double scale) {
  public PrometheusGauge {
    Objects.requireNonNull(figure, "figure");
    Objects.requireNonNull(metric, "metric");
    labels = Map.copyOf(labels);
    if (figure.isEmpty() || figure.length() > LoadReportFormat.MAX_NAME
        || !figure.chars().allMatch(c -> LoadReportFormat.nameChar((char) c))) {
      throw new IllegalArgumentException("figure: '" + figure + "' (expected: 1.."
          + LoadReportFormat.MAX_NAME + " characters a-z 0-9 _ . -)");
    }
    if (!PrometheusTextFormat.metricName(metric)) {
      throw new IllegalArgumentException("metric: '" + metric
          + "' (expected: a Prometheus metric name such as process_cpu_usage)");
    }
    for (String label : labels.keySet()) {
      if (!PrometheusTextFormat.labelName(label)) {
        throw new IllegalArgumentException("label: '" + label
            + "' (expected: a Prometheus label name such as mode)");
      }
    }
    if (!Double.isFinite(scale) || scale <= 0) {
      throw new IllegalArgumentException("scale: " + scale + " (expected: a finite number > 0)");
    }
  }

  /**
   * A gauge from a selector as written in config: {@code name} or {@code name{label="value",
   * ...}} (values in double quotes, with {@code \"}, {@code \\} and {@code \n} escapes).
   *
   * @throws IllegalArgumentException saying what is wrong with the selector
   */
  public static PrometheusGauge of(String figure, String selector, double scale) {
    Objects.requireNonNull(selector, "selector");
    int brace = selector.indexOf('{');
    String metric = brace < 0 ? selector.strip() : selector.substring(0, brace).strip();
    Map<String, String> labels = new LinkedHashMap<>();
    if (brace >= 0) {
      if (!selector.endsWith("}")) {
        throw new IllegalArgumentException("selector: '" + selector
            + "' (expected: name{label=\"value\"} ending with '}')");
      }
      try {
        int end = PrometheusTextFormat.labels(selector, brace, labels);
        if (end != selector.length()) {
          throw new SignalFormatException("text after the labels");
        }
      } catch (SignalFormatException e) {
        throw new IllegalArgumentException("selector: '" + selector + "': " + e.getMessage()
            + " (expected: name{label=\"value\", ...})");
      }
    }
    return new PrometheusGauge(figure, metric, labels, scale);
  }

  /** True when a sample of {@code name} with these labels is this gauge. */
  boolean matches(String name, Map<String, String> sampleLabels) {
    if (!metric.equals(name)) {
      return false;
    }
    for (Map.Entry<String, String> e : labels.entrySet()) {
      if (!e.getValue().equals(sampleLabels.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }

  /** The selector as written in config: {@code cpu_usage{mode="user"}}. */
  public String selector() {
    StringBuilder sb = new StringBuilder(metric);
    if (!labels.isEmpty()) {
      sb.append('{');
      labels.forEach((k, v) -> sb.append(k).append("=\"").append(v.replace("\\", "\\\\")
          .replace("\"", "\\\"").replace("\n", "\\n")).append("\","));
      sb.setLength(sb.length() - 1);
      sb.append('}');
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return figure + ": " + selector() + (scale == 1 ? "" : " x " + scale);
  }
}
