package io.ballast.core.optimizer;

import java.util.Locale;

/** Number formats of decision messages: short, stable, and without locale surprises. */
final class Format {
  private Format() {}

  /** Nanoseconds as milliseconds: "240 ms", "2.4 ms", "0.35 ms". */
  static String millis(double nanos) {
    double ms = nanos / 1e6;
    if (ms >= 100) {
      return Math.round(ms) + " ms";
    }
    if (ms >= 10) {
      return String.format(Locale.ROOT, "%.0f ms", ms);
    }
    if (ms >= 1) {
      return String.format(Locale.ROOT, "%.1f ms", ms);
    }
    return String.format(Locale.ROOT, "%.2f ms", ms);
  }

  /** A utilization or ratio with two decimals: "0.91". */
  static String ratio(double v) {
    return String.format(Locale.ROOT, "%.2f", v);
  }

  /** A share in percent: "3.5%". */
  static String percent(double share) {
    return String.format(Locale.ROOT, "%.1f%%", share * 100);
  }
}
