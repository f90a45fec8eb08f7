package io.ballast.sim;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Typed values out of a {@link YamlNode} tree, each check failing with a
 * {@link ScenarioException} that names the source, the node's line and column, and its field:
 * {@code "slow.yaml:14:12: backends[1].slots: 0 (expected: an integer in 1..1000000)"}. A
 * mapping read with its known keys rejects any other key (a typo must not silently fall back to
 * a default).
 *
 * <p>Immutable and thread-safe: it holds only the source's name.
 */
final class NodeReader {
  private final String source;

  /** Reads nodes of the text named {@code source} (a file name, as errors show it). */
  NodeReader(String source) {
    this.source = source;
  }

  /** An error at {@code n}: its place, its field, and {@code problem}. */
  ScenarioException error(YamlNode n, String problem) {
    return new ScenarioException(source, n.path(), n.line(), n.column(), problem);
  }

  /** A mapping's entries, in file order; a key outside {@code known} is an error. */
  Map<String, YamlNode> map(YamlNode n, Set<String> known) {
    if (!(n.value() instanceof Map)) {
      throw error(n, describe(n) + " (expected: a mapping)");
    }
    for (Map.Entry<String, YamlNode> e : n.map().entrySet()) {
      if (!known.contains(e.getKey())) {
        throw error(e.getValue(), "unknown field (expected one of: "
            + String.join(", ", new TreeSet<>(known)) + ")");
      }
    }
    return n.map();
  }

  List<YamlNode> list(YamlNode n) {
    if (!(n.value() instanceof List)) {
      throw error(n, describe(n) + " (expected: a list)");
    }
    return n.list();
  }

  /** {@code m}'s value at {@code key}; missing or empty is an error at {@code parent}. */
  YamlNode required(YamlNode parent, Map<String, YamlNode> m, String key) {
    YamlNode n = m.get(key);
    if (n == null || n.value() == null) {
      throw new ScenarioException(source, parent.path().isEmpty() ? key : parent.path() + "." + key,
          parent.line(), parent.column(), "missing (expected: a value)");
    }
    return n;
  }

  /** The node's value as errors quote it. */
  static String describe(YamlNode n) {
    return Durations.describe(n.value());
  }

  String string(YamlNode n) {
    if (!(n.value() instanceof String s) || s.isBlank()) {
      throw error(n, describe(n) + " (expected: a non-empty string)");
    }
    return s;
  }

  long integer(YamlNode n, long min, long max) {
    if (!(n.value() instanceof Long v) || v < min || v > max) {
      throw error(n, describe(n) + " (expected: an integer in " + min + ".." + max + ")");
    }
    return v;
  }

  double number(YamlNode n, double min, double max) {
    if (!(n.value() instanceof Number v) || !(v.doubleValue() >= min && v.doubleValue() <= max)) {
      throw error(n, describe(n) + " (expected: a number in " + min + ".." + max + ")");
    }
    return v.doubleValue();
  }

  boolean bool(YamlNode n) {
    if (!(n.value() instanceof Boolean b)) {
      throw error(n, describe(n) + " (expected: true or false)");
    }
    return b;
  }

  Duration duration(YamlNode n) {
    try {
      return Durations.parse(n.path(), n.value());
    } catch (IllegalArgumentException e) {
      throw error(n, describe(n) + " (expected: a duration such as 250ms, 1.5s, 2m)");
    }
  }

  /** {@code m}'s value at {@code key} read by {@code read}, or {@code fallback} when absent. */
  <T> T opt(Map<String, YamlNode> m, String key, Function<YamlNode, T> read, T fallback) {
    YamlNode n = m.get(key);
    return n == null || n.value() == null ? fallback : read.apply(n);
  }

  /**
   * Builds a value, turning a constructor's IllegalArgumentException into an error at {@code n}.
   */
  <T> T build(YamlNode n, Supplier<T> constructor) {
    try {
      return constructor.get();
    } catch (IllegalArgumentException e) {
      throw error(n, e.getMessage());
    }
  }

  /** A feature's settings as plain values: maps, lists, strings, numbers, booleans. */
  Map<String, Object> plainMap(YamlNode n) {
    if (!(n.value() instanceof Map)) {
      throw error(n, describe(n) + " (expected: true, false or a mapping of settings)");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, YamlNode> e : n.map().entrySet()) {
      out.put(e.getKey(), plain(e.getValue()));
    }
    return Collections.unmodifiableMap(out);
  }

  private Object plain(YamlNode n) {
    if (n.value() instanceof Map) {
      return plainMap(n);
    }
    if (n.value() instanceof List) {
      List<Object> out = new ArrayList<>();
      for (YamlNode i : n.list()) {
        out.add(plain(i));
      }
      return Collections.unmodifiableList(out);
    }
    return n.value();
  }
}
