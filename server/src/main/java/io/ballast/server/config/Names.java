package io.ballast.server.config;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * The names of listeners, pools and health levels: their rule, and the checks that they are
 * unique and that a reference names something. Stateless.
 */
final class Names {
  static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");
  static final String NAME_EXPECTED = "a name of lowercase letters, digits, '-' and '_', starting"
      + " with a letter or digit, at most 63 characters";
  static final Value<String> VALUE = Value.string(NAME_EXPECTED, NAME);
  static final Value<String> POOL_REF = Value.string("the name of a pool", NAME);

  private Names() {}

  /** Remembers {@code s}'s {@code name} in {@code seen}; reports it when it was there already. */
  static void unique(Problems problems, Section s, String name, Map<String, Mark> seen,
      String what) {
    if (name == null) {
      return;
    }
    Mark first = seen.putIfAbsent(name, s.markOf("name"));
    if (first != null) {
      duplicate(problems, s, name, first, what);
    }
  }

  static void duplicate(Problems problems, Section s, String name, Mark first, String what) {
    problems.error(s.markOf("name"), s.path("name"), "duplicate " + what + " name '" + name
        + "' (first at " + first + "; expected: unique " + what + " names)");
  }

  /** "did you mean 'api'?" for a candidate within two edits of {@code name}, else otherwise. */
  static String suggest(String name, Iterable<String> candidates, String otherwise) {
    String best = null;
    int bestDistance = 3;
    for (String candidate : candidates) {
      int d = Section.distance(name, candidate);
      if (d < bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
    return best == null ? otherwise : "did you mean '" + best + "'?";
  }
}
