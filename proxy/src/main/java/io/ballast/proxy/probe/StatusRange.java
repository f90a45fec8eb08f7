package io.ballast.proxy.probe;

import java.util.Objects;

/**
 * An inclusive range of HTTP status codes, such as 200-399.
 *
 * <p>Immutable.
 */
public record StatusRange(int from, int to) {
  public StatusRange {
    if (from < 100 || from > 599) {
      throw new IllegalArgumentException("from: " + from + " (expected: 100..599)");
    }
    if (to < from || to > 599) {
      throw new IllegalArgumentException("to: " + to + " (expected: " + from + "..599)");
    }
  }

  /**
   * Parses {@code "200"} or {@code "200-299"}.
   *
   * @throws IllegalArgumentException saying what was found and what was expected
   */
  public static StatusRange parse(String text) {
    Objects.requireNonNull(text, "text");
    String trimmed = text.strip();
    int dash = trimmed.indexOf('-');
    String first = dash < 0 ? trimmed : trimmed.substring(0, dash).strip();
    String last = dash < 0 ? trimmed : trimmed.substring(dash + 1).strip();
    if (!isCode(first) || !isCode(last)) {
      throw new IllegalArgumentException("'" + text
          + "' is not a status code or range (expected: a code such as \"200\" or a range such as \"200-399\")");
    }
    int from = Integer.parseInt(first);
    int to = Integer.parseInt(last);
    if (from < 100 || to > 599 || from > to) {
      throw new IllegalArgumentException(
          "'" + text + "' (expected: codes 100..599, the lower one first)");
    }
    return new StatusRange(from, to);
  }

  private static boolean isCode(String s) {
    return s.length() == 3 && s.chars().allMatch(c -> c >= '0' && c <= '9');
  }

  public boolean contains(int status) {
    return status >= from && status <= to;
  }

  @Override
  public String toString() {
    return from == to ? Integer.toString(from) : from + "-" + to;
  }
}
