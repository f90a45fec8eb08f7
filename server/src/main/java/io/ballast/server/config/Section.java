package io.ballast.server.config;

import io.ballast.server.config.YamlNode.Entry;
import io.ballast.server.config.YamlNode.ListNode;
import io.ballast.server.config.YamlNode.MapNode;
import io.ballast.server.config.YamlNode.ScalarNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Strict reading of one YAML mapping: each field read through it becomes known, and
 * {@link #rejectUnknown()} then reports every other key at the key itself, with the closest
 * known name as a suggestion. Because the readers name the fields, the list of valid keys lives
 * in one place and cannot drift from what is read. Not thread-safe: one load at a time.
 */
final class Section {
  /** Typos worth a suggestion: "wieght" → "weight" is 2 edits, "timeout" → "timeouts" 1. */
  private static final int SUGGESTION_DISTANCE = 2;

  private final MapNode node;
  private final String path;
  private final Problems problems;
  private final Set<String> known = new LinkedHashSet<>();
  private final Set<String> retired = new LinkedHashSet<>();

  private Section(MapNode node, String path, Problems problems) {
    this.node = node;
    this.path = path;
    this.problems = problems;
  }

  /** A section over {@code node}, or empty after reporting that it is not a mapping. */
  static Optional<Section> of(YamlNode node, String path, Problems problems) {
    if (node instanceof MapNode map) {
      return Optional.of(new Section(map, path, problems));
    }
    problems.error(node.mark(), path, Value.wrongType(node, "a mapping"));
    return Optional.empty();
  }

  String path() {
    return path;
  }

  String path(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  Mark mark() {
    return node.mark();
  }

  /** Where the value of {@code key} starts, or where this mapping starts when it is absent. */
  Mark markOf(String key) {
    Entry entry = node.entries().get(key);
    return entry == null ? node.mark() : entry.value().mark();
  }

  /** Where {@code key} itself is written, or where this mapping starts when it is absent. */
  Mark keyMarkOf(String key) {
    Entry entry = node.entries().get(key);
    return entry == null ? node.mark() : entry.keyMark();
  }

  /** The node of an optional field; empty when absent or null (both mean "use the default"). */
  Optional<YamlNode> optional(String key) {
    known.add(key);
    Entry entry = node.entries().get(key);
    if (entry == null || entry.value() instanceof ScalarNode scalar && scalar.isNull()) {
      return Optional.empty();
    }
    return Optional.of(entry.value());
  }

  /** The node of a required field; empty after reporting it missing or null. */
  Optional<YamlNode> required(String key, String expected) {
    known.add(key);
    Entry entry = node.entries().get(key);
    if (entry == null) {
      problems.error(node.mark(), path(key), "required field is missing (expected: " + expected + ")");
      return Optional.empty();
    }
    if (entry.value() instanceof ScalarNode scalar && scalar.isNull()) {
      problems.error(entry.value().mark(), path(key), "found null (expected: " + expected + ")");
      return Optional.empty();
    }
    return Optional.of(entry.value());
  }

  /** An optional field's value, {@code fallback} when absent, null when invalid (reported). */
  <T> T get(String key, Value<T> value, T fallback) {
    Optional<YamlNode> present = optional(key);
    return present.isPresent() ? value.read(present.get(), path(key), problems) : fallback;
  }

  /**
   * The mapping of an optional field: empty when absent or null, and after reporting that it is
   * not a mapping.
   */
  Optional<Section> child(String key) {
    return optional(key).flatMap(n -> of(n, path(key), problems));
  }

  /**
   * The mappings of a required, non-empty list of {@code noun}s; empty after reporting that it is
   * missing, not a list or empty. Items that are not mappings are reported and left out.
   */
  List<Section> list(String key, String noun) {
    String expected = "a list of " + noun + "s";
    Optional<YamlNode> node = required(key, expected);
    if (node.isEmpty()) {
      return List.of();
    }
    if (!(node.get() instanceof ListNode list)) {
      problems.error(node.get().mark(), path(key), Value.wrongType(node.get(), expected));
      return List.of();
    }
    if (list.items().isEmpty()) {
      problems.error(list.mark(), path(key), "an empty list (expected: at least one " + noun + ")");
      return List.of();
    }
    return items(list, path(key), expected, problems);
  }

  /**
   * The mappings of a list node at {@code path}; empty after reporting that it is not a list
   * ("found a mapping (expected: a list of deny rules)" for {@code expected} "a list of deny
   * rules"). Items that are not mappings are reported and left out.
   */
  static List<Section> items(YamlNode node, String path, String expected, Problems problems) {
    List<Section> out = new ArrayList<>();
    if (!(node instanceof ListNode list)) {
      problems.error(node.mark(), path, Value.wrongType(node, expected));
      return out;
    }
    for (int i = 0; i < list.items().size(); i++) {
      of(list.items().get(i), path + "[" + i + "]", problems).ifPresent(out::add);
    }
    return out;
  }

  /** Which of {@code keys} are set, in that order; each becomes a known field. */
  List<String> present(List<String> keys) {
    List<String> out = new ArrayList<>();
    for (String key : keys) {
      if (optional(key).isPresent()) {
        out.add(key);
      }
    }
    return out;
  }

  /**
   * What to say when not exactly one of {@code keys} is set: {@code none} when none is ("no
   * condition"), else the first two found, with the choices: {@code "both prefix and exact
   * (expected: exactly one of prefix, exact, regex)"}.
   */
  static String notExactlyOne(List<String> found, String none, List<String> keys) {
    return (found.isEmpty() ? none : "both " + found.get(0) + " and " + found.get(1))
        + " (expected: exactly one of " + String.join(", ", keys) + ")";
  }

  /**
   * Reports {@code key}'s {@code value} above {@code boundKey}'s {@code bound} (a timeout longer
   * than its interval) at whichever of the two the file sets, since that is the one the operator
   * will edit; at {@code key} when both are set. Nothing when either is null (reported already).
   */
  void notAbove(String key, Duration value, String boundKey, Duration bound) {
    if (value == null || bound == null || value.compareTo(bound) <= 0) {
      return;
    }
    if (optional(key).isPresent()) {
      problems.error(markOf(key), path(key), Units.format(value) + " (expected: <= " + boundKey
          + " " + Units.format(bound) + ")");
    } else {
      problems.error(markOf(boundKey), path(boundKey), Units.format(bound) + " (expected: >= "
          + key + " " + Units.format(value) + ", the default " + key + ")");
    }
  }

  /** A required field's value, null when missing or invalid (reported). */
  <T> T require(String key, Value<T> value) {
    Optional<YamlNode> present = required(key, value.expected());
    return present.isPresent() ? value.read(present.get(), path(key), problems) : null;
  }

  /**
   * A key that older versions read and this one does not: when the file has it, the error says
   * what replaced it rather than "unknown field", and it is left out of the list of valid keys.
   */
  void retired(String key, String replacement) {
    retired.add(key);
    Entry entry = node.entries().get(key);
    if (entry != null) {
      problems.error(entry.keyMark(), path(key), "no longer read: " + replacement);
    }
  }

  /** Reports every key no reader asked for. Call after reading all fields. */
  void rejectUnknown() {
    for (Entry entry : node.entries().values()) {
      if (known.contains(entry.key()) || retired.contains(entry.key())) {
        continue;
      }
      String suggestion = closest(entry.key());
      String message = suggestion != null
          ? "unknown field '" + entry.key() + "' (did you mean '" + suggestion + "'?)"
          : "unknown field '" + entry.key() + "' (expected one of: " + String.join(", ", known) + ")";
      problems.error(entry.keyMark(), path(entry.key()), message);
    }
  }

  private String closest(String key) {
    String best = null;
    int bestDistance = SUGGESTION_DISTANCE + 1;
    for (String candidate : known) {
      int d = distance(key, candidate);
      if (d < bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
    return best;
  }

  /** Levenshtein distance, two-row dynamic programming; keys are short. */
  static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
