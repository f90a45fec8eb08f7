package io.ballast.server.config;

import io.ballast.core.pick.Algorithm;
import io.ballast.proxy.client.Cidr;
import io.ballast.proxy.probe.StatusRange;
import io.ballast.server.config.YamlNode.ListNode;
import io.ballast.server.config.YamlNode.ScalarNode;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * How to read one kind of field from a YAML node: the type check, the parse and the range
 * check, reporting what was found and what was expected. Stateless, thread-safe.
 *
 * @param <T> the parsed type
 */
interface Value<T> {
  /** What the field takes, for messages: "an integer 1..256". */
  String expected();

  /** The parsed value, or null after reporting why the node is not one. */
  T read(YamlNode node, String path, Problems problems);

  /** Reads one node: the parsed value, or null after reporting why the node is not one. */
  @FunctionalInterface
  interface Reader<T> {
    T read(YamlNode node, String path, Problems problems);
  }

  /** A value that takes what {@code expected} says and is read by {@code reader}. */
  static <T> Value<T> of(String expected, Reader<T> reader) {
    return new Value<>() {
      @Override
      public String expected() {
        return expected;
      }

      @Override
      public T read(YamlNode node, String path, Problems problems) {
        return reader.read(node, path, problems);
      }
    };
  }

  static Value<String> string(String expected, Pattern pattern) {
    return textual(expected, text -> {
      if (!pattern.matcher(text).matches()) {
        throw new IllegalArgumentException("'" + text + "' (expected: " + expected + ")");
      }
      return text;
    });
  }

  /** One of the keys of {@code choices}; anything else is "'x' (expected: {@code expected})". */
  static <T> Value<T> choice(String expected, Map<String, T> choices) {
    return textual(expected, text -> {
      T value = choices.get(text);
      if (value == null) {
        throw new IllegalArgumentException("'" + text + "' (expected: " + expected + ")");
      }
      return value;
    });
  }

  /** A string turned into T by {@code parse}, whose IllegalArgumentException message is the error. */
  static <T> Value<T> textual(String expected, Function<String, T> parse) {
    return of(expected, (node, path, problems) -> {
      if (!(node instanceof ScalarNode scalar) || !(scalar.value() instanceof String text)) {
        problems.error(node.mark(), path, wrongType(node, expected));
        return null;
      }
      try {
        return parse.apply(text);
      } catch (IllegalArgumentException e) {
        problems.error(node.mark(), path, e.getMessage());
        return null;
      }
    });
  }

  /** A java.util.regex pattern, compiled; a syntax error says what and where. */
  static Value<Pattern> regex() {
    return textual("a regular expression", text -> {
      try {
        return Pattern.compile(text);
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException("bad regular expression '" + text + "': "
            + e.getDescription() + (e.getIndex() >= 0 ? " at index " + e.getIndex() : "")
            + " (expected: a java.util.regex pattern)");
      }
    });
  }

  static Value<Integer> integer(int min, int max) {
    String expected = max == Integer.MAX_VALUE ? "an integer >= " + min : "an integer " + min + ".." + max;
    return of(expected, (node, path, problems) -> {
      if (!(node instanceof ScalarNode scalar)
          || !(scalar.value() instanceof Long || scalar.value() instanceof BigInteger)) {
        problems.error(node.mark(), path, wrongType(node, expected));
        return null;
      }
      if (!(scalar.value() instanceof Long n) || n < min || n > max) {
        problems.error(node.mark(), path, scalar.value() + " (expected: " + range(min, max) + ")");
        return null;
      }
      return (int) (long) n;
    });
  }

  /** A number (integer or decimal) in [min, max]. */
  static Value<Double> decimal(double min, double max) {
    String expected = "a number " + trim(min) + ".." + trim(max);
    return of(expected, (node, path, problems) -> {
      Object v = node instanceof ScalarNode scalar ? scalar.value() : null;
      if (!(v instanceof Long || v instanceof Double)) {
        problems.error(node.mark(), path, wrongType(node, expected));
        return null;
      }
      double d = ((Number) v).doubleValue();
      if (!(d >= min && d <= max)) {
        problems.error(node.mark(), path, v + " (expected: " + trim(min) + ".." + trim(max) + ")");
        return null;
      }
      return d;
    });
  }

  private static String trim(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }

  /** A percentage 0..100: an integer ({@code 50}) or a string with a sign ({@code "50%"}). */
  static Value<Integer> percent() {
    return percentIn(0, 100, 50);
  }

  /**
   * A percentage in {@code min..max}, which may exceed 100 (a weight ceiling of 400%): an integer
   * ({@code 400}) or a string with a sign ({@code "400%"}).
   */
  static Value<Integer> percentIn(int min, int max) {
    return percentIn(min, max, max);
  }

  private static Value<Integer> percentIn(int min, int max, int example) {
    String expected =
        "a percentage " + min + ".." + max + ", such as " + example + " or \"" + example + "%\"";
    return of(expected, (node, path, problems) -> {
      Object value = node instanceof ScalarNode scalar ? scalar.value() : null;
      long n;
      if (value instanceof Long l) {
        n = l;
      } else if (value instanceof String text && text.strip().matches("\\d{1,9}\\s*%")) {
        n = Long.parseLong(text.strip().replaceAll("\\s*%", ""));
      } else {
        problems.error(node.mark(), path, wrongType(node, expected));
        return null;
      }
      if (n < min || n > max) {
        problems.error(node.mark(), path, value + " (expected: " + min + ".." + max + "%)");
        return null;
      }
      return (int) n;
    });
  }

  /** A size in bytes: an integer or a string with a binary unit ("8KiB"). */
  static Value<Integer> size(int min, int max) {
    Value<Long> bytes = bytes(min, max);
    return of(bytes.expected(), (node, path, problems) -> {
      Long n = bytes.read(node, path, problems);
      return n == null ? null : (int) (long) n;
    });
  }

  /** A size in bytes as {@link #size}, beyond an int's range. */
  static Value<Long> bytes(long min, long max) {
    String expected = "a size in bytes " + min + ".." + max + " (an integer or \"8KiB\", \"1MiB\")";
    return of(expected, (node, path, problems) -> {
      Long bytes = number(node, path, problems, expected, Units::parseSize);
      if (bytes != null && (bytes < min || bytes > max)) {
        Object value = ((ScalarNode) node).value();
        String found = value instanceof String s ? "'" + s + "' = " + bytes + " bytes" : value.toString();
        problems.error(node.mark(), path, found + " (expected: " + min + ".." + max + " bytes)");
        return null;
      }
      return bytes;
    });
  }

  /**
   * A rate in bytes per second: an integer of bytes per second or a size per second
   * ("1KiB/s"), in {@code 0..max}.
   */
  static Value<Long> byteRate(long max) {
    String expected = "a rate such as \"1KiB/s\" or \"512B/s\", or an integer of bytes per second";
    return of(expected, (node, path, problems) -> {
      Long rate = number(node, path, problems, expected, Units::parseRate);
      if (rate != null && (rate < 0 || rate > max)) {
        problems.error(node.mark(), path, ((ScalarNode) node).value() + " (expected: 0.." + max
            + " bytes/s)");
        return null;
      }
      return rate;
    });
  }

  /**
   * A number written as an integer (one too large to be a long reads as the largest) or as text
   * that {@code parse} reads (its IllegalArgumentException message is the error); null after
   * reporting why the node is neither.
   */
  private static Long number(YamlNode node, String path, Problems problems, String expected,
      java.util.function.ToLongFunction<String> parse) {
    Object value = node instanceof ScalarNode scalar ? scalar.value() : null;
    if (value instanceof Long n) {
      return n;
    }
    if (value instanceof BigInteger) {
      return Long.MAX_VALUE;
    }
    if (value instanceof String text) {
      try {
        return parse.applyAsLong(text);
      } catch (IllegalArgumentException e) {
        problems.error(node.mark(), path, e.getMessage());
        return null;
      }
    }
    problems.error(node.mark(), path, wrongType(node, expected));
    return null;
  }

  /** {@code value}, or the word {@code off} for {@code off} (no limit). */
  static <T> Value<T> orOff(Value<T> value, T off) {
    return of(value.expected() + ", or off", (node, path, problems) -> {
      Object v = node instanceof ScalarNode scalar ? scalar.value() : null;
      return "off".equals(v) ? off : value.read(node, path, problems);
    });
  }

  /** A positive duration: an integer of milliseconds or a string with a unit ("2s"). */
  static Value<Duration> duration() {
    String expectedText = "a duration such as \"250ms\", \"2s\", \"1m\", \"1h\", or an integer of milliseconds";
    return of(expectedText, (node, path, problems) -> {
      Object value = node instanceof ScalarNode scalar ? scalar.value() : null;
      Duration duration;
      if (value instanceof Long ms) {
        duration = Duration.ofMillis(ms);
      } else if (value instanceof String text) {
        try {
          duration = Units.parseDuration(text);
        } catch (IllegalArgumentException e) {
          problems.error(node.mark(), path, e.getMessage());
          return null;
        }
      } else {
        problems.error(node.mark(), path, wrongType(node, expectedText));
        return null;
      }
      if (duration.isNegative() || duration.isZero()) {
        problems.error(node.mark(), path, value + " (expected: a duration > 0)");
        return null;
      }
      return duration;
    });
  }

  /** A duration as {@link #duration()}, or {@code off} / {@code 0} for none ({@link Duration#ZERO}). */
  static Value<Duration> durationOrOff() {
    Value<Duration> positive = duration();
    return of(positive.expected() + ", or off", (node, path, problems) -> {
      Object value = node instanceof ScalarNode scalar ? scalar.value() : null;
      if ("off".equals(value) || Long.valueOf(0).equals(value) || "0".equals(value)) {
        return Duration.ZERO;
      }
      return positive.read(node, path, problems);
    });
  }

  static Value<Boolean> bool() {
    String expectedText = "true or false";
    return of(expectedText, (node, path, problems) -> {
      if (node instanceof ScalarNode scalar && scalar.value() instanceof Boolean b) {
        return b;
      }
      problems.error(node.mark(), path, wrongType(node, expectedText));
      return null;
    });
  }

  static Value<HostPort> hostPort(boolean bind) {
    return textual("host:port, e.g. \"" + (bind ? "0.0.0.0:8080" : "10.0.0.5:8080") + "\"", text -> {
      HostPort hostPort = HostPort.parse(text);
      if (!bind && hostPort.port() == 0) {
        throw new IllegalArgumentException("'" + text + "': port 0 (expected: 1..65535)");
      }
      return hostPort;
    });
  }

  static Value<Algorithm> algorithm() {
    // The accepted names come from core, so a new algorithm needs no change here.
    String expected = "one of " + Algorithm.configNames();
    return textual(expected, text -> Algorithm.byConfigName(text).orElseThrow(
        () -> new IllegalArgumentException("unknown algorithm '" + text + "' (expected: " + expected + ")")));
  }

  /** Status codes: 200, "200-399", or a list of those. */
  static Value<StatusRanges> statusRanges() {
    String expected = "a status code (200), a range (\"200-399\"), or a list of those";
    Value<StatusRange> one = of(expected, (node, path, problems) -> {
      Object value = node instanceof ScalarNode scalar ? scalar.value() : null;
      try {
        if (value instanceof Long code) {
          return StatusRange.parse(code.toString());
        }
        if (value instanceof String text) {
          return StatusRange.parse(text);
        }
      } catch (IllegalArgumentException e) {
        problems.error(node.mark(), path, e.getMessage());
        return null;
      }
      problems.error(node.mark(), path, wrongType(node, expected));
      return null;
    });
    Value<List<StatusRange>> many = list(one, 1);
    return of(expected, (node, path, problems) -> {
      if (node instanceof ListNode) {
        List<StatusRange> ranges = many.read(node, path, problems);
        return ranges == null ? null : new StatusRanges(ranges);
      }
      StatusRange range = one.read(node, path, problems);
      return range == null ? null : new StatusRanges(List.of(range));
    });
  }

  /** A list of at least {@code minSize} IP addresses or networks ("10.0.0.0/8", "::1"). */
  static Value<List<Cidr>> networks(int minSize) {
    return list(textual("an address or network such as 10.0.0.0/8 or 2001:db8::/32",
        Cidr::parse), minSize);
  }

  /** A list of at least {@code minSize} items; null if the list or any item is wrong. */
  static <T> Value<List<T>> list(Value<T> item, int minSize) {
    String expected = "a list of " + item.expected();
    return of(expected, (node, path, problems) -> {
      if (!(node instanceof ListNode list)) {
        problems.error(node.mark(), path, wrongType(node, expected));
        return null;
      }
      if (list.items().size() < minSize) {
        problems.error(node.mark(), path, "an empty list (expected: at least " + minSize + " item"
            + (minSize == 1 ? "" : "s") + ")");
        return null;
      }
      int errorsBefore = problems.errorCount();
      List<T> values = new ArrayList<>();
      for (int i = 0; i < list.items().size(); i++) {
        values.add(item.read(list.items().get(i), path + "[" + i + "]", problems));
      }
      return problems.errorCount() == errorsBefore ? List.copyOf(values) : null;
    });
  }

  static String wrongType(YamlNode node, String expected) {
    return "found " + node.describe() + " (expected: " + expected + ")";
  }

  private static String range(int min, int max) {
    return max == Integer.MAX_VALUE ? ">= " + min : min + ".." + max;
  }
}
