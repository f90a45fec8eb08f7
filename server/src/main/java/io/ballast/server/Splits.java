package io.ballast.server;

import io.ballast.core.split.TrafficSplit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every traffic split of the running config, by listener and route, for the admin listener
 * (read the weights, set them, switch blue-green) and the metrics.
 *
 * <p>One per running route config: built at start and by each reload that changes routes (a
 * route whose split config is unchanged keeps its {@link TrafficSplit}, weights set through the
 * admin listener included). Immutable and thread-safe to read (each split swaps its own weights
 * atomically).
 */
public final class Splits {
  /** One split: where it is, and whether it was written as blue-green. */
  public record Entry(String listener, String route, TrafficSplit split, boolean blueGreen,
      List<String> pools) {}

  private final Map<String, Entry> entries;

  Splits(List<Entry> entries) {
    Map<String, Entry> m = new LinkedHashMap<>();
    for (Entry e : entries) {
      m.put(key(e.listener(), e.route()), e);
    }
    this.entries = Collections.unmodifiableMap(m);
  }

  /** No split at all. */
  public static Splits none() {
    return new Splits(List.of());
  }

  public Optional<Entry> find(String listener, String route) {
    return Optional.ofNullable(entries.get(key(listener, route)));
  }

  public List<Entry> all() {
    return new ArrayList<>(entries.values());
  }

  private static String key(String listener, String route) {
    return listener + "/" + route;
  }
}
