package io.ballast.server.reload;

import io.ballast.server.config.BallastConfig;
import io.ballast.server.config.ListenerConfig;
import io.ballast.server.config.PoolConfig;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where two configurations differ, by section path ({@code pools.api.backends},
 * {@code listeners.web.bind}, {@code timeouts.connect}).
 *
 * <p>Config values are records, compared component by component. Java records compare with
 * {@code equals}, except where they hold a {@link Pattern} (a route's regex match or rewrite):
 * {@code Pattern} has identity equality, so two readings of the same file would never be equal;
 * here two patterns are the same when their text and flags are. Elements of lists of named
 * records (listeners, pools, backends, routes, groups) are named by their {@code name} in the
 * path; other list elements by index. Anything else compares with {@code equals}.
 *
 * <p>Stateless and thread-safe.
 */
public final class ConfigDiff {
  private ConfigDiff() {}

  /**
   * The sections a reload cannot apply: the admin listener's address, and whether it runs (a
   * reload may arrive over that very listener, and it is where an operator would look to see the
   * reload's outcome). Everything else applies live.
   */
  public static List<String> restartSections(BallastConfig running, BallastConfig next) {
    List<String> out = new ArrayList<>();
    firstDifference("admin.enabled", running.admin().enabled(), next.admin().enabled())
        .ifPresent(out::add);
    firstDifference("admin.bind", running.admin().bind(), next.admin().bind())
        .ifPresent(out::add);
    return out;
  }

  /**
   * Where {@code next} differs from {@code running} outside the listeners' routes (those are
   * {@link RouteChanges}'), one path per changed section, pool or listener:
   * {@code pools.api.backends}, {@code listeners.web.bind.port}, {@code timeouts.connect},
   * {@code pools.canary (added)}, {@code listeners.old (removed)}.
   */
  public static List<String> changedSections(BallastConfig running, BallastConfig next) {
    List<String> out = new ArrayList<>();
    named(out, "listeners", byName(running.listeners(), ListenerConfig::name),
        byName(next.listeners(), ListenerConfig::name), (path, a, b) -> {
          for (RecordComponent c : ListenerConfig.class.getRecordComponents()) {
            if (!c.getName().equals("routes")) {
              firstDifference(path + "." + key(c.getName()), get(c, a), get(c, b))
                  .ifPresent(out::add);
            }
          }
        });
    named(out, "pools", byName(running.pools(), PoolConfig::name),
        byName(next.pools(), PoolConfig::name),
        (path, a, b) -> firstDifference(path, a, b).ifPresent(out::add));
    for (RecordComponent c : BallastConfig.class.getRecordComponents()) {
      if (!c.getName().equals("listeners") && !c.getName().equals("pools")) {
        firstDifference(key(c.getName()), get(c, running), get(c, next)).ifPresent(out::add);
      }
    }
    return out;
  }

  /** Compares the elements of two lists of named sections, reporting added and removed ones. */
  private static <T> void named(List<String> out, String section, Map<String, T> before,
      Map<String, T> after, Compare<T> compare) {
    for (Map.Entry<String, T> e : before.entrySet()) {
      T b = after.get(e.getKey());
      String path = section + "." + e.getKey();
      if (b == null) {
        out.add(path + " (removed)");
      } else {
        compare.differences(path, e.getValue(), b);
      }
    }
    for (String name : after.keySet()) {
      if (!before.containsKey(name)) {
        out.add(section + "." + name + " (added)");
      }
    }
  }

  @FunctionalInterface
  private interface Compare<T> {
    void differences(String path, T a, T b);
  }

  private static <T> Map<String, T> byName(List<T> list, java.util.function.Function<T, String> name) {
    Map<String, T> out = new java.util.LinkedHashMap<>();
    list.forEach(t -> out.put(name.apply(t), t));
    return out;
  }

  /** True when the two values are the same configuration. */
  public static boolean same(Object a, Object b) {
    return firstDifference("", a, b).isEmpty();
  }

  /**
   * The path of the first place where {@code a} and {@code b} differ, starting from
   * {@code path}; empty when they are the same configuration.
   */
  public static Optional<String> firstDifference(String path, Object a, Object b) {
    if (a == b) {
      return Optional.empty();
    }
    if (a == null || b == null || a.getClass() != b.getClass()) {
      return Optional.of(path);
    }
    if (a instanceof Pattern p) {
      Pattern q = (Pattern) b;
      return p.pattern().equals(q.pattern()) && p.flags() == q.flags()
          ? Optional.empty() : Optional.of(path);
    }
    if (a instanceof Optional<?> o) {
      Optional<?> p = (Optional<?>) b;
      return o.isPresent() && p.isPresent() ? firstDifference(path, o.get(), p.get())
          : o.isPresent() == p.isPresent() ? Optional.empty() : Optional.of(path);
    }
    if (a instanceof List<?> l) {
      return listDifference(path, l, (List<?>) b);
    }
    if (a instanceof Map<?, ?> m) {
      Map<?, ?> n = (Map<?, ?>) b;
      if (!m.keySet().equals(n.keySet())) {
        return Optional.of(path);
      }
      for (Map.Entry<?, ?> e : m.entrySet()) {
        Optional<String> d = firstDifference(child(path, String.valueOf(e.getKey())), e.getValue(),
            n.get(e.getKey()));
        if (d.isPresent()) {
          return d;
        }
      }
      return Optional.empty();
    }
    if (a.getClass().isRecord()) {
      for (RecordComponent c : a.getClass().getRecordComponents()) {
        Optional<String> d = firstDifference(child(path, key(c.getName())), get(c, a), get(c, b));
        if (d.isPresent()) {
          return d;
        }
      }
      return Optional.empty();
    }
    return a.equals(b) ? Optional.empty() : Optional.of(path);
  }

  private static Optional<String> listDifference(String path, List<?> a, List<?> b) {
    List<String> namesA = names(a);
    List<String> namesB = names(b);
    boolean named = namesA != null && namesB != null;
    if (a.size() != b.size() || named && !namesA.equals(namesB)) {
      return Optional.of(path);
    }
    for (int i = 0; i < a.size(); i++) {
      String at = named ? child(path, namesA.get(i)) : path + "[" + i + "]";
      Optional<String> d = firstDifference(at, a.get(i), b.get(i));
      if (d.isPresent()) {
        return d;
      }
    }
    return Optional.empty();
  }

  /** The elements' names when every element is a record with a unique String name, else null. */
  private static List<String> names(List<?> list) {
    List<String> out = new ArrayList<>(list.size());
    Set<String> seen = new HashSet<>();
    for (Object o : list) {
      if (o == null || !o.getClass().isRecord()) {
        return null;
      }
      Object name = null;
      for (RecordComponent c : o.getClass().getRecordComponents()) {
        if (c.getName().equals("name") && c.getType() == String.class) {
          name = get(c, o);
        }
      }
      if (!(name instanceof String s) || !seen.add(s)) {
        return null;
      }
      out.add(s);
    }
    return out;
  }

  private static String child(String path, String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  /** A component name as the YAML file spells it: accessLog is access_log. */
  static String key(String component) {
    StringBuilder sb = new StringBuilder(component.length() + 4);
    for (int i = 0; i < component.length(); i++) {
      char ch = component.charAt(i);
      if (Character.isUpperCase(ch)) {
        sb.append('_').append(Character.toLowerCase(ch));
      } else {
        sb.append(ch);
      }
    }
    return sb.toString().toLowerCase(Locale.ROOT);
  }

  private static Object get(RecordComponent c, Object record) {
    Method accessor = c.getAccessor();
    try {
      if (!accessor.canAccess(record)) {
        // Records of other packages may be package-private; config is not a module.
        accessor.setAccessible(true);
      }
      return accessor.invoke(record);
    } catch (IllegalAccessException | InvocationTargetException e) {
      throw new IllegalStateException("cannot read " + c + " of " + record.getClass(), e);
    }
  }
}
