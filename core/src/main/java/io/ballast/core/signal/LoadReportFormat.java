package io.ballast.core.signal;

import java.util.HashMap;
import java.util.Map;

/**
 * The load-report format: utilization figures as {@code name=value} pairs separated by commas
 * and/or spaces, as a backend writes them in its load-report response header
 * ({@code X-Load-Report: cpu=0.72, mem=0.40, qps=120}) or an agent in its reply.
 *
 * <p>A name is 1 to {@value #MAX_NAME} characters of {@code [a-z0-9_.-]}; a value is a finite,
 * non-negative decimal ({@code 120}, {@code 0.72}, {@code .5}; no sign, no exponent). A name
 * appears at most once, at most {@value #MAX_FIGURES} pairs per report. Anything else is refused
 * whole with a message naming the offending pair: a half-understood report is worse than none.
 *
 * <p>Parsed by hand, without regular expressions, because it runs on the response path. Pure and
 * thread-safe.
 */
public final class LoadReportFormat {
  /** Longest figure name. */
  public static final int MAX_NAME = 64;
  /** Most figures in one report. */
  public static final int MAX_FIGURES = 32;
  /** Longest value text (digits and point). */
  static final int MAX_VALUE = 32;

  private LoadReportFormat() {}

  /**
   * The figures of a whole report, in a fresh mutable map.
   *
   * @throws SignalFormatException naming the first offending pair, or when there is no pair
   */
  public static Map<String, Double> parse(CharSequence text) {
    Map<String, Double> figures = new HashMap<>(8);
    int i = 0;
    int n = text.length();
    while (true) {
      i = skipSeparators(text, i, n);
      if (i >= n) {
        break;
      }
      int end = pairEnd(text, i, n);
      pair(text, i, end, figures);
      i = end;
    }
    if (figures.isEmpty()) {
      throw new SignalFormatException("no figures (expected: name=value pairs such as"
          + " \"cpu=0.72, mem=0.40\")");
    }
    return figures;
  }

  /**
   * Reads one {@code name=value} pair from {@code text[start, end)} into {@code figures}.
   *
   * @throws SignalFormatException naming the pair
   */
  static void pair(CharSequence text, int start, int end, Map<String, Double> figures) {
    int eq = -1;
    for (int j = start; j < end; j++) {
      if (text.charAt(j) == '=') {
        eq = j;
        break;
      }
    }
    if (eq < 0) {
      throw bad(text, start, end, "no '=' (expected: name=value)");
    }
    if (eq == start) {
      throw bad(text, start, end, "empty name");
    }
    if (eq - start > MAX_NAME) {
      throw bad(text, start, end, "name longer than " + MAX_NAME + " characters");
    }
    for (int j = start; j < eq; j++) {
      if (!nameChar(text.charAt(j))) {
        throw bad(text, start, end, "name '" + text.subSequence(start, eq)
            + "' (expected: characters a-z 0-9 _ . -)");
      }
    }
    double value = decimal(text, eq + 1, end);
    if (Double.isNaN(value)) {
      throw bad(text, start, end, "value '" + text.subSequence(eq + 1, end)
          + "' (expected: a decimal >= 0 such as 0.72 or 120)");
    }
    if (figures.size() >= MAX_FIGURES) {
      throw bad(text, start, end, "more than " + MAX_FIGURES + " figures");
    }
    String name = text.subSequence(start, eq).toString();
    if (figures.putIfAbsent(name, value) != null) {
      throw bad(text, start, end, "figure '" + name + "' given twice");
    }
  }

  /**
   * The decimal in {@code text[start, end)}: digits with at most one point and at least one
   * digit; NaN when it is not one (NaN itself is never a valid figure, so it can mean "invalid").
   */
  static double decimal(CharSequence text, int start, int end) {
    int len = end - start;
    if (len <= 0 || len > MAX_VALUE) {
      return Double.NaN;
    }
    boolean point = false;
    boolean digit = false;
    long whole = 0;
    boolean small = true;
    for (int j = start; j < end; j++) {
      char c = text.charAt(j);
      if (c >= '0' && c <= '9') {
        digit = true;
        if (!point) {
          whole = whole * 10 + (c - '0');
          small &= whole < 1_000_000_000_000L;
        }
      } else if (c == '.' && !point) {
        point = true;
        small = false;
      } else {
        return Double.NaN;
      }
    }
    if (!digit) {
      return Double.NaN;
    }
    // Integers (qps=120) need no conversion; decimals go through the JDK for exact rounding.
    return small ? whole : Double.parseDouble(text.subSequence(start, end).toString());
  }

  static boolean nameChar(char c) {
    return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-';
  }

  static boolean separator(char c) {
    return c == ',' || c == ' ' || c == '\t';
  }

  static int skipSeparators(CharSequence text, int i, int n) {
    while (i < n && separator(text.charAt(i))) {
      i++;
    }
    return i;
  }

  static int pairEnd(CharSequence text, int i, int n) {
    while (i < n && !separator(text.charAt(i))) {
      i++;
    }
    return i;
  }

  private static SignalFormatException bad(CharSequence text, int start, int end, String what) {
    CharSequence pair = end - start > 80 ? text.subSequence(start, start + 80) + "..."
        : text.subSequence(start, end);
    return new SignalFormatException("pair '" + printable(pair) + "': " + what);
  }

  /** Control characters and non-ASCII shown as '?', so a log line stays one line. */
  static String printable(CharSequence s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      sb.append(c < ' ' || c > '~' ? '?' : c);
    }
    return sb.toString();
  }
}
