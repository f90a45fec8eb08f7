package io.ballast.core.zone;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Plan lines and their numbers: short, stable, no locale surprises. */
final class ZoneFormat {
  private ZoneFormat() {}

  /**
   * The decision-log line of one client zone's plan: "clients in eu-1a: 85.7% stay (6 of 7
   * backends up, 85.7% of weight >= 70%), 14.3% -> eu-1b (2 ms)".
   *
   * @param members the backends in the client's zone, {@code up} of them available, with
   *     {@code weight} and {@code upWeight} of weight in all
   * @param overflow some traffic found no zone with room and was spread by available weight
   */
  static String planLine(Locality client, List<ZoneShare> shares, boolean overflow, int members,
      int up, long weight, long upWeight, long minHealthyPercent) {
    String counts = " (" + up + " of " + members + " backends up";
    List<String> parts = new ArrayList<>();
    if (members > 0 && shares.stream().noneMatch(s -> s.zone().equals(client))) {
      parts.add("0% stay" + counts + ")");
    }
    for (ZoneShare s : shares) {
      String share = percent(s.share());
      if (!s.zone().equals(client)) {
        parts.add(share + " -> " + s.zone() + " (" + millis(s.latency()) + ")");
      } else if (up == members) {
        parts.add(share + " stay" + counts + ")");
      } else {
        parts.add(share + " stay" + counts + ", " + percent((double) upWeight / weight)
            + " of weight " + (upWeight * 100 >= minHealthyPercent * weight ? ">= " : "< ")
            + minHealthyPercent + "%)");
      }
    }
    return "clients in " + client + (members == 0 ? " (no backends there)" : "") + ": "
        + String.join(", ", parts)
        + (overflow ? "; short of capacity everywhere: the overflow is spread by available weight"
            : "");
  }

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
