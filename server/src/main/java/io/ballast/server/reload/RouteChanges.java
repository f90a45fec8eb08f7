package io.ballast.server.reload;

import io.ballast.server.config.BallastConfig;
import io.ballast.server.config.ListenerConfig;
import io.ballast.server.config.RouteConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a reload changes in the listeners' routes: per listener, the routes added, removed and
 * changed, and whether the order of the routes both configs have moved (first match wins, so an
 * order change is a change). Immutable.
 *
 * @param listeners the listeners whose routes change, in config order; empty when none does
 */
public record RouteChanges(List<Listener> listeners) {
  public RouteChanges {
    listeners = List.copyOf(listeners);
  }

  /**
   * One listener's route changes; never all empty.
   *
   * @param name the listener
   * @param added routes only the new config has, in its order
   * @param removed routes only the running config has
   * @param changed routes both have, configured differently
   * @param reordered true when routes both have come in another order
   */
  public record Listener(String name, List<String> added, List<String> removed,
      List<String> changed, boolean reordered) {
    public Listener {
      Objects.requireNonNull(name, "name");
      added = List.copyOf(added);
      removed = List.copyOf(removed);
      changed = List.copyOf(changed);
    }

    /** "added [canary]; changed [api]; removed [old]; reordered", the parts that apply. */
    public String describe() {
      List<String> parts = new ArrayList<>();
      if (!added.isEmpty()) {
        parts.add("added " + added);
      }
      if (!changed.isEmpty()) {
        parts.add("changed " + changed);
      }
      if (!removed.isEmpty()) {
        parts.add("removed " + removed);
      }
      if (reordered) {
        parts.add("reordered");
      }
      return String.join("; ", parts);
    }
  }

  /**
   * The route changes from {@code running} to {@code next} of the listeners both have; a
   * listener added or removed is a changed section ({@link ConfigDiff#changedSections}).
   */
  public static RouteChanges between(BallastConfig running, BallastConfig next) {
    List<Listener> out = new ArrayList<>();
    for (ListenerConfig after : next.listeners()) {
      ListenerConfig before = running.listener(after.name()).orElse(null);
      if (before == null) {
        continue;
      }
      Map<String, RouteConfig> old = byName(before.routes());
      Map<String, RouteConfig> now = byName(after.routes());
      List<String> added = new ArrayList<>();
      List<String> changed = new ArrayList<>();
      List<String> kept = new ArrayList<>();
      for (RouteConfig r : after.routes()) {
        RouteConfig was = old.get(r.name());
        if (was == null) {
          added.add(r.name());
        } else {
          kept.add(r.name());
          if (!ConfigDiff.same(was, r)) {
            changed.add(r.name());
          }
        }
      }
      List<String> removed = new ArrayList<>();
      List<String> keptBefore = new ArrayList<>();
      for (RouteConfig r : before.routes()) {
        if (now.containsKey(r.name())) {
          keptBefore.add(r.name());
        } else {
          removed.add(r.name());
        }
      }
      boolean reordered = !kept.equals(keptBefore);
      if (!added.isEmpty() || !removed.isEmpty() || !changed.isEmpty() || reordered) {
        out.add(new Listener(after.name(), added, removed, changed, reordered));
      }
    }
    return new RouteChanges(out);
  }

  public boolean isEmpty() {
    return listeners.isEmpty();
  }

  /** "listener web: added [canary]; listener admin: removed [x]", or "no route changes". */
  public String describe() {
    if (listeners.isEmpty()) {
      return "no route changes";
    }
    List<String> parts = new ArrayList<>();
    for (Listener l : listeners) {
      parts.add("listener " + l.name() + ": " + l.describe());
    }
    return String.join("; ", parts);
  }

  private static Map<String, RouteConfig> byName(List<RouteConfig> routes) {
    Map<String, RouteConfig> m = new LinkedHashMap<>();
    for (RouteConfig r : routes) {
      m.put(r.name(), r);
    }
    return m;
  }
}
