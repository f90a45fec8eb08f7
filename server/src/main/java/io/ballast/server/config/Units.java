package io.ballast.server.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations and byte sizes as the config file writes them. Stateless, thread-safe.
 *
 * <ul>
 *   <li>Durations: {@code "250ms"}, {@code "2s"}, {@code "1m"}, {@code "1h"}; a bare integer
 *       means milliseconds.
 *   <li>Sizes: {@code "512B"}, {@code "8KiB"}, {@code "1MiB"}, {@code "1GiB"}; a bare integer
 *       means bytes. Only binary units: "KB" is ambiguous (1000 or 1024?), so it is refused.
 * </ul>
 */
final class Units {
  static final String DURATION_EXPECTED =
      "expected: a duration such as \"250ms\", \"2s\", \"1m\", \"1h\", or an integer of milliseconds";
  static final String SIZE_EXPECTED =
      "expected: a size such as \"8KiB\", \"1MiB\", or an integer of bytes";

  private static final Pattern DURATION = Pattern.compile("(\\d{1,12})\\s*(ms|s|m|h)");
  private static final Pattern SIZE = Pattern.compile("(\\d{1,12})\\s*(B|KiB|MiB|GiB)");

  private Units() {}

  /** @throws IllegalArgumentException when the text is not a duration */
  static Duration parseDuration(String text) {
    Matcher m = DURATION.matcher(text.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + text + "' is not a duration (" + DURATION_EXPECTED + ")");
    }
    long amount = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(amount);
      case "s" -> Duration.ofSeconds(amount);
      case "m" -> Duration.ofMinutes(amount);
      default -> Duration.ofHours(amount);
    };
  }

  /** @throws IllegalArgumentException when the text is not a size */
  static long parseSize(String text) {
    Matcher m = SIZE.matcher(text.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + text + "' is not a size (" + SIZE_EXPECTED + ")");
    }
    long amount = Long.parseLong(m.group(1));
    int shift = switch (m.group(2)) {
      case "B" -> 0;
      case "KiB" -> 10;
      case "MiB" -> 20;
      default -> 30;
    };
    // 12 digits shifted by at most 30 bits stays far below Long.MAX_VALUE.
    return amount << shift;
  }

  /** Bytes per second: a size followed by {@code /s} ("1KiB/s", "512B/s"). */
  static long parseRate(String text) {
    String t = text.strip();
    int slash = t.lastIndexOf('/');
    if (slash < 0 || !t.substring(slash + 1).strip().equals("s")) {
      throw new IllegalArgumentException("'" + text + "' is not a rate (expected: a rate such as"
          + " \"1KiB/s\" or \"512B/s\")");
    }
    return parseSize(t.substring(0, slash));
  }

  /** The shortest exact form: 2000 ms prints as "2s", 90 s as "90s", 1500 ms as "1500ms". */
  static String format(Duration d) {
    long ms = d.toMillis();
    if (ms != 0 && ms % 3_600_000 == 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms != 0 && ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    if (ms != 0 && ms % 1000 == 0) {
      return ms / 1000 + "s";
    }
    return ms + "ms";
  }
}
