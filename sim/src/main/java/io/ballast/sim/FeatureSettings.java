package io.ballast.sim;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Typed reading of a feature's settings map (plain values from the scenario file), with errors
 * that name the field: {@code "interval: 'soon' (expected: a duration such as 250ms, 2s, 1m)"}.
 * Immutable view; not thread-safe beyond that.
 */
public final class FeatureSettings {
  private final Map<String, Object> values;

  public FeatureSettings(Map<String, Object> values, Set<String> known) {
    this.values = Objects.requireNonNull(values, "values");
    List<String> unknown = new ArrayList<>();
    for (String k : values.keySet()) {
      if (!known.contains(k)) {
        unknown.add(k);
      }
    }
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException(unknown.get(0) + ": unknown field (expected one of: "
          + String.join(", ", new java.util.TreeSet<>(known)) + ")");
    }
  }

  public boolean has(String key) {
    return values.containsKey(key);
  }

  public Duration duration(String key, Duration fallback) {
    Object v = values.get(key);
    return v == null ? fallback : Durations.parse(key, v);
  }

  public int integer(String key, int fallback) {
    Object v = values.get(key);
    if (v == null) {
      return fallback;
    }
    if (v instanceof Long l && l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE) {
      return (int) (long) l;
    }
    if (v instanceof Integer i) {
      return i;
    }
    throw new IllegalArgumentException(key + ": " + Durations.describe(v) + " (expected: an integer)");
  }

  public double number(String key, double fallback) {
    Object v = values.get(key);
    if (v == null) {
      return fallback;
    }
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    throw new IllegalArgumentException(key + ": " + Durations.describe(v) + " (expected: a number)");
  }

  public boolean bool(String key, boolean fallback) {
    Object v = values.get(key);
    if (v == null) {
      return fallback;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    throw new IllegalArgumentException(key + ": " + Durations.describe(v) + " (expected: true or false)");
  }

  @Override
  public String toString() {
    return values.toString();
  }
}
