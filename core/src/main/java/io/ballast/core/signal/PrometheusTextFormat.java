package io.ballast.core.signal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads configured gauges from a page in the Prometheus text exposition format (version 0.0.4,
 * and the sample lines of OpenMetrics):
 * <pre>
 * # HELP process_cpu_usage The recent CPU usage of the process
 * # TYPE process_cpu_usage gauge
 * process_cpu_usage 0.42
 * cpu_usage{mode="user",core="0"} 7.5e1 1700000000000
 * </pre>
 * Comment and blank lines are skipped; a sample is a metric name, optional labels in braces
 * (values in double quotes with {@code \\}, {@code \"} and {@code \n} escapes), a value
 * ({@code NaN}, {@code +Inf}, {@code -Inf} or a decimal with optional exponent), an optional
 * timestamp, and in OpenMetrics an optional exemplar after {@code #}. Every sample line is
 * checked, so an HTML error page or a truncated body is refused as a whole rather than
 * half-read. The first sample that matches a gauge gives its value.
 *
 * <p>Parsed by hand (no regular expressions). Pure and thread-safe.
 */
public final class PrometheusTextFormat {
  private PrometheusTextFormat() {}

  /**
   * What a page gave for the configured gauges.
   *
   * @param figures scaled values by figure name, finite and non-negative
   * @param problems one line per gauge that gave nothing ("cpu: process_cpu_usage not found",
   *     "cpu: process_cpu_usage is NaN")
   */
  public record Extract(Map<String, Double> figures, List<String> problems) {
    public Extract {
      figures = Map.copyOf(figures);
      problems = List.copyOf(problems);
    }
  }

  /**
   * Reads the gauges from a page.
   *
   * @throws SignalFormatException naming the line that is not in the format
   */
  public static Extract extract(CharSequence page, List<PrometheusGauge> gauges) {
    Map<PrometheusGauge, Double> found = new LinkedHashMap<>();
    Map<String, String> labels = new HashMap<>();
    int n = page.length();
    int lineNo = 0;
    int i = 0;
    while (i < n) {
      lineNo++;
      int end = i;
      while (end < n && page.charAt(end) != '\n') {
        end++;
      }
      int stop = end > i && page.charAt(end - 1) == '\r' ? end - 1 : end;
      try {
        sample(page, i, stop, gauges, found, labels);
      } catch (SignalFormatException e) {
        throw new SignalFormatException("line " + lineNo + ": " + e.getMessage());
      }
      i = end + 1;
    }
    Map<String, Double> figures = new HashMap<>();
    List<String> problems = new ArrayList<>();
    for (PrometheusGauge g : gauges) {
      Double v = found.get(g);
      String what = g.figure() + ": " + g.selector();
      if (v == null) {
        problems.add(what + " not found");
      } else if (!Double.isFinite(v * g.scale()) || v < 0) {
        problems.add(what + " is " + v + " (expected: a finite number >= 0)");
      } else {
        figures.put(g.figure(), v * g.scale());
      }
    }
    return new Extract(figures, problems);
  }

  /** One line from {@code start} to {@code end}: a comment, blank, or a checked sample. */
  private static void sample(CharSequence page, int start, int end, List<PrometheusGauge> gauges,
      Map<PrometheusGauge, Double> found, Map<String, String> labels) {
    int i = skipBlanks(page, start, end);
    if (i >= end || page.charAt(i) == '#') {
      return;
    }
    int nameStart = i;
    while (i < end && nameChar(page.charAt(i), i == nameStart)) {
      i++;
    }
    if (i == nameStart) {
      throw new SignalFormatException("'" + excerpt(page, start, end)
          + "' (expected: a metric name, a comment or a blank line)");
    }
    String name = page.subSequence(nameStart, i).toString();
    labels.clear();
    if (i < end && page.charAt(i) == '{') {
      i = labels(page, i, labels);
    }
    int blank = i;
    i = skipBlanks(page, i, end);
    if (i == blank) {
      throw new SignalFormatException("'" + excerpt(page, start, end)
          + "' (expected: a space and a value after " + name + ")");
    }
    int valueStart = i;
    while (i < end && page.charAt(i) != ' ' && page.charAt(i) != '\t') {
      i++;
    }
    double value = value(page, valueStart, i);
    i = skipBlanks(page, i, end);
    if (i < end && page.charAt(i) != '#') {
      int tsStart = i;
      while (i < end && page.charAt(i) != ' ' && page.charAt(i) != '\t') {
        i++;
      }
      if (!timestamp(page, tsStart, i)) {
        throw new SignalFormatException("timestamp '" + page.subSequence(tsStart, i)
            + "' (expected: a number)");
      }
      i = skipBlanks(page, i, end);
      if (i < end && page.charAt(i) != '#') {
        throw new SignalFormatException("'" + excerpt(page, start, end)
            + "' (expected: name, labels, value and an optional timestamp)");
      }
    }
    for (PrometheusGauge g : gauges) {
      if (!found.containsKey(g) && g.matches(name, labels)) {
        found.put(g, value);
      }
    }
  }

  /**
   * Reads {@code {a="b",c="d"}} starting at the brace; returns the index after the closing brace.
   * Also reads config selectors.
   */
  static int labels(CharSequence s, int brace, Map<String, String> into) {
    int n = s.length();
    int i = brace + 1;
    StringBuilder value = new StringBuilder();
    while (true) {
      i = skipBlanks(s, i, n);
      if (i < n && s.charAt(i) == '}') {
        return i + 1;
      }
      int nameStart = i;
      while (i < n && labelChar(s.charAt(i), i == nameStart)) {
        i++;
      }
      if (i == nameStart) {
        throw new SignalFormatException("labels: expected a label name at column " + (i + 1));
      }
      String label = s.subSequence(nameStart, i).toString();
      i = skipBlanks(s, i, n);
      if (i >= n || s.charAt(i) != '=') {
        throw new SignalFormatException("labels: expected '=' after " + label);
      }
      i = skipBlanks(s, i + 1, n);
      if (i >= n || s.charAt(i) != '"') {
        throw new SignalFormatException("labels: expected a quoted value for " + label);
      }
      i++;
      value.setLength(0);
      while (true) {
        if (i >= n || s.charAt(i) == '\n') {
          throw new SignalFormatException("labels: unterminated value of " + label);
        }
        char c = s.charAt(i++);
        if (c == '"') {
          break;
        }
        if (c == '\\') {
          if (i >= n) {
            throw new SignalFormatException("labels: unterminated value of " + label);
          }
          char e = s.charAt(i++);
          switch (e) {
            case '\\' -> value.append('\\');
            case '"' -> value.append('"');
            case 'n' -> value.append('\n');
            default -> throw new SignalFormatException(
                "labels: escape '\\" + e + "' in the value of " + label
                    + " (expected: \\\\, \\\" or \\n)");
          }
        } else {
          value.append(c);
        }
      }
      into.put(label, value.toString());
      i = skipBlanks(s, i, n);
      if (i < n && s.charAt(i) == ',') {
        i++;
      } else if (!(i < n && s.charAt(i) == '}')) {
        throw new SignalFormatException("labels: expected ',' or '}' after the value of " + label);
      }
    }
  }

  /** A sample value: NaN, +Inf, -Inf, Inf or a decimal with optional sign and exponent. */
  static double value(CharSequence s, int start, int end) {
    String text = s.subSequence(start, end).toString();
    switch (text) {
      case "NaN", "nan" -> {
        return Double.NaN;
      }
      case "+Inf", "Inf", "+inf", "inf" -> {
        return Double.POSITIVE_INFINITY;
      }
      case "-Inf", "-inf" -> {
        return Double.NEGATIVE_INFINITY;
      }
      default -> { }
    }
    boolean digit = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c >= '0' && c <= '9') {
        digit = true;
      } else if (c != '.' && c != 'e' && c != 'E' && c != '+' && c != '-') {
        digit = false;
        break;
      }
    }
    if (digit && text.length() <= 64) {
      try {
        // Characters are checked above, so the JDK's own suffixes (1d, 0x1p3) cannot slip in.
        return Double.parseDouble(text);
      } catch (NumberFormatException e) {
        // Falls through to the error below.
      }
    }
    throw new SignalFormatException("value '" + LoadReportFormat.printable(
        text.length() > 40 ? text.substring(0, 40) + "..." : text)
        + "' (expected: a number, NaN, +Inf or -Inf)");
  }

  private static boolean timestamp(CharSequence s, int start, int end) {
    try {
      value(s, start, end);
      return true;
    } catch (SignalFormatException e) {
      return false;
    }
  }

  /** True for a metric name: {@code [a-zA-Z_:][a-zA-Z0-9_:]*}. */
  public static boolean metricName(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (!nameChar(s.charAt(i), i == 0)) {
        return false;
      }
    }
    return true;
  }

  /** True for a label name: {@code [a-zA-Z_][a-zA-Z0-9_]*}. */
  public static boolean labelName(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (!labelChar(s.charAt(i), i == 0)) {
        return false;
      }
    }
    return true;
  }

  private static boolean nameChar(char c, boolean first) {
    return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':'
        || !first && c >= '0' && c <= '9';
  }

  private static boolean labelChar(char c, boolean first) {
    return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
        || !first && c >= '0' && c <= '9';
  }

  private static int skipBlanks(CharSequence s, int i, int end) {
    while (i < end && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
      i++;
    }
    return i;
  }

  private static String excerpt(CharSequence s, int start, int end) {
    return LoadReportFormat.printable(end - start > 60 ? s.subSequence(start, start + 60) + "..."
        : s.subSequence(start, end));
  }
}
