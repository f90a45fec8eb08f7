package io.ballast.sim;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as written in scenarios: {@code 250ms}, {@code 1.5s}, {@code 2m}, {@code 500us}, {@code 0}. */
final class Durations {
  private static final Pattern FORMAT =
      Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(us|µs|ms|s|m|h)");

  private Durations() {}

  static Duration parse(String field, Object value) {
    if (value instanceof Long l && l == 0) {
      return Duration.ZERO;
    }
    if (value instanceof String s) {
      Matcher m = FORMAT.matcher(s.trim());
      if (m.matches()) {
        double n = Double.parseDouble(m.group(1));
        double unitNanos = switch (m.group(2)) {
          case "us", "µs" -> 1e3;
          case "ms" -> 1e6;
          case "s" -> 1e9;
          case "m" -> 60e9;
          default -> 3600e9;
        };
        double nanos = n * unitNanos;
        if (nanos < Long.MAX_VALUE / 4) {
          return Duration.ofNanos(Math.round(nanos));
        }
      }
    }
    throw new IllegalArgumentException(field + ": " + describe(value)
        + " (expected: a duration such as 250ms, 1.5s, 2m)");
  }

  static String describe(Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof String s) {
      return "'" + s + "'";
    }
    if (v instanceof java.util.Map) {
      return "a mapping";
    }
    if (v instanceof java.util.List) {
      return "a list";
    }
    return v.toString();
  }

  /** "1.5 s", "250 ms": for tables and messages. */
  static String format(Duration d) {
    long n = d.toNanos();
    if (n % 1_000_000_000L == 0) {
      return n / 1_000_000_000L + "s";
    }
    return (float) (n / 1e6) + "ms";
  }
}
