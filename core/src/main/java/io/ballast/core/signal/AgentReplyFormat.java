package io.ballast.core.signal;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The agent-check reply, as HAProxy's agent-check reads it, plus utilization figures: one line of
 * words separated by spaces, tabs or commas, case-insensitive:
 * <ul>
 *   <li>{@code 75%}: weight in percent of the configured weight, 0 to {@value #MAX_PERCENT}
 *       (0 drains, as in HAProxy);
 *   <li>{@code ready}, {@code drain}, {@code maint}: administrative state;
 *   <li>{@code up}, {@code down}, {@code fail}, {@code stopped}: operational state (the last three
 *       all take the backend down);
 *   <li>{@code maxconn:N}: understood by HAProxy, accepted and ignored here (ballast limits
 *       connections per pool, not per backend);
 *   <li>our extension, {@code name=value} figures in the load-report syntax of
 *       {@link LoadReportFormat} ({@code cpu=0.80});
 *   <li>{@code #} starts a free-text description that runs to the end of the line (HAProxy's
 *       "down#disk full"); it is ignored.
 * </ul>
 * Within each group the last word wins. An empty line is a valid reply that says nothing. Any
 * other word makes the whole reply invalid: an agent speaking garbage is treated as stale, not
 * half-obeyed.
 *
 * <p>Pure and thread-safe.
 */
public final class AgentReplyFormat {
  /** The largest weight percentage (10 times the configured weight). */
  public static final int MAX_PERCENT = 1000;
  /** The longest line read from an agent, in bytes; longer is garbage. */
  public static final int MAX_LINE = 1024;

  private AgentReplyFormat() {}

  /**
   * Parses one reply line (without its line end; a trailing CR is tolerated).
   *
   * @throws SignalFormatException naming the first word that is not understood
   */
  public static AgentReply parse(CharSequence line) {
    int n = line.length();
    for (int j = 0; j < n; j++) {
      if (line.charAt(j) == '#') {
        n = j;
        break;
      }
    }
    int weight = -1;
    AgentCommand admin = AgentCommand.NONE;
    AgentCommand health = AgentCommand.NONE;
    Map<String, Double> figures = new HashMap<>(4);
    int i = 0;
    while (true) {
      while (i < n && (LoadReportFormat.separator(line.charAt(i)) || line.charAt(i) == '\r')) {
        i++;
      }
      if (i >= n) {
        break;
      }
      int end = i;
      while (end < n && !LoadReportFormat.separator(line.charAt(end)) && line.charAt(end) != '\r') {
        end++;
      }
      String word = line.subSequence(i, end).toString();
      String lower = word.toLowerCase(Locale.ROOT);
      switch (lower) {
        case "ready" -> admin = AgentCommand.READY;
        case "drain" -> admin = AgentCommand.DRAIN;
        case "maint" -> admin = AgentCommand.MAINT;
        case "up" -> health = AgentCommand.UP;
        case "down", "fail", "stopped" -> health = AgentCommand.DOWN;
        default -> {
          if (lower.endsWith("%")) {
            weight = percent(word);
          } else if (lower.startsWith("maxconn:")) {
            maxconn(word);
          } else if (word.indexOf('=') >= 0) {
            LoadReportFormat.pair(line, i, end, figures);
          } else {
            throw new SignalFormatException("word '" + LoadReportFormat.printable(shorten(word))
                + "' (expected: a weight such as 75%, ready, drain, maint, up, down, fail,"
                + " stopped, maxconn:N or a figure such as cpu=0.80)");
          }
        }
      }
      i = end;
    }
    return new AgentReply(weight, admin, health, figures);
  }

  private static int percent(String word) {
    int value = 0;
    int digits = word.length() - 1;
    if (digits < 1 || digits > 4) {
      throw badPercent(word);
    }
    for (int j = 0; j < digits; j++) {
      char c = word.charAt(j);
      if (c < '0' || c > '9') {
        throw badPercent(word);
      }
      value = value * 10 + (c - '0');
    }
    if (value > MAX_PERCENT) {
      throw badPercent(word);
    }
    return value;
  }

  private static SignalFormatException badPercent(String word) {
    return new SignalFormatException("weight '" + LoadReportFormat.printable(shorten(word))
        + "' (expected: an integer percentage 0%.." + MAX_PERCENT + "%)");
  }

  private static void maxconn(String word) {
    String digits = word.substring("maxconn:".length());
    boolean ok = !digits.isEmpty() && digits.length() <= 9;
    for (int j = 0; ok && j < digits.length(); j++) {
      ok = digits.charAt(j) >= '0' && digits.charAt(j) <= '9';
    }
    if (!ok) {
      throw new SignalFormatException("word '" + LoadReportFormat.printable(shorten(word))
          + "' (expected: maxconn:N with N an integer)");
    }
  }

  private static String shorten(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }
}
