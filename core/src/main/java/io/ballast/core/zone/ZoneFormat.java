package io.ballast.core.zone;

import java.time.Duration;
import java.util.Locale;

/** Number formats of plan lines: short, stable, no locale surprises. */
final class ZoneFormat {
  private ZoneFormat() {}

  /** A share as a percentage with at most one decimal: "85.7%", "100%", "0.1%". */
  static String percent(double share) {
    String s = String.format(Locale.ROOT, "%.1f", share * 100);
    return (s.endsWith(".0") ? s.substring(0, s.length() - 2) : s) + "%";
  }

  /** A latency in milliseconds: "2 ms", "0.5 ms", "120 ms". */
  static String millis(Duration d) {
    long nanos = d.toNanos();
    if (nanos % 1_000_000 == 0) {
      return nanos / 1_000_000 + " ms";
    }
    String s = String.format(Locale.ROOT, "%.3f", nanos / 1e6);
    s = s.replaceAll("0+$", "");
    return s + " ms";
  }
}
