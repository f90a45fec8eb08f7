package io.ballast.server.config;

import java.util.List;
import java.util.Map;

/**
 * The YAML document as a small tree whose every node knows where it starts in the file.
 *
 * <p>Jackson's own tree drops positions, and its record binding reports unknown fields without
 * any; keeping the position on each node lets every error, including cross-field ones found long
 * after parsing, point at the right line and column. Immutable.
 */
sealed interface YamlNode {
  Mark mark();

  /** What an error message calls this node: {@code "string 'abc'"}, {@code "a list"}. */
  String describe();

  /** A mapping; {@code entries} keep file order, keys are unique (duplicates are errors). */
  record MapNode(Mark mark, Map<String, Entry> entries) implements YamlNode {
    @Override
    public String describe() {
      return "a mapping";
    }
  }

  /** One key of a mapping, with the key's own position (for "unknown field" errors). */
  record Entry(String key, Mark keyMark, YamlNode value) {}

  record ListNode(Mark mark, List<YamlNode> items) implements YamlNode {
    @Override
    public String describe() {
      return "a list";
    }
  }

  /** A scalar: {@code value} is a String, Long, BigInteger, Double, Boolean or null. */
  record ScalarNode(Mark mark, Object value) implements YamlNode {
    boolean isNull() {
      return value == null;
    }

    @Override
    public String describe() {
      if (value == null) {
        return "null";
      }
      if (value instanceof String s) {
        return "string '" + s + "'";
      }
      if (value instanceof Boolean) {
        return "boolean " + value;
      }
      if (value instanceof Double) {
        return "number " + value;
      }
      return "integer " + value;
    }
  }
}
