package io.ballast.core.pool;

import io.ballast.core.Backend;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A pool's members at one moment, with their lookups: by name (affinity pins, the admin API) and
 * by identity to their place (the published weights). Immutable; a membership update publishes a
 * new one.
 *
 * @param list the members in pool order
 * @param byName each member by its name
 * @param index each member's place in {@code list}
 */
record Members(List<Backend> list, Map<String, Backend> byName, Map<Backend, Integer> index) {
  static final Members NONE = of(List.of());

  static Members of(List<Backend> backends) {
    List<Backend> list = List.copyOf(backends);
    Map<String, Backend> byName = new HashMap<>();
    Map<Backend, Integer> index = new IdentityHashMap<>();
    for (int i = 0; i < list.size(); i++) {
      Backend b = list.get(i);
      if (byName.put(b.name(), b) != null) {
        throw new IllegalArgumentException("backends: " + b.name() + " listed twice");
      }
      index.put(b, i);
    }
    return new Members(list, Map.copyOf(byName), index);
  }
}
