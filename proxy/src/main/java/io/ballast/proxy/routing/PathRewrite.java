package io.ballast.proxy.routing;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How a route changes the path before the request goes to the backend. Applied to the
 * normalised path; the query is kept as it was. Immutable and thread-safe.
 */
public sealed interface PathRewrite {
  /** The new path; always starts with {@code /}. */
  String apply(String path);

  /**
   * Drops a leading prefix at a segment boundary: {@code /api} turns {@code /api/users} into
   * {@code /users} and {@code /api} into {@code /}. A path without the prefix is left alone.
   */
  record StripPrefix(String prefix) implements PathRewrite {
    public StripPrefix {
      requirePath("strip_prefix", prefix);
    }

    @Override
    public String apply(String path) {
      String p = prefix.endsWith("/") && prefix.length() > 1
          ? prefix.substring(0, prefix.length() - 1) : prefix;
      if (!new PathMatch.Prefix(p).matches(path)) {
        return path;
      }
      String rest = path.substring(p.length());
      return rest.isEmpty() ? "/" : rest.startsWith("/") ? rest : "/" + rest;
    }
  }

  /**
   * Replaces a leading prefix (segment-aware, as {@link PathMatch.Prefix}) with another:
   * {@code /v1} to {@code /api/v2} turns {@code /v1/users} into {@code /api/v2/users}.
   */
  record ReplacePrefix(String from, String to) implements PathRewrite {
    public ReplacePrefix {
      requirePath("from", from);
      requirePath("to", to);
    }

    @Override
    public String apply(String path) {
      if (!new PathMatch.Prefix(from).matches(path)) {
        return path;
      }
      String rest = path.substring(from.length());
      if (to.endsWith("/") && rest.startsWith("/")) {
        rest = rest.substring(1);
      }
      return to + rest;
    }
  }

  /**
   * Replaces every match of a regular expression ({@code $1} refers to groups): pattern
   * {@code ^/users/([0-9]+)$}, replacement {@code /profile?id=$1} is not allowed (no query), but
   * {@code /profiles/$1} is.
   */
  record RegexReplace(Pattern pattern, String replacement) implements PathRewrite {
    public RegexReplace {
      Objects.requireNonNull(pattern, "pattern");
      Objects.requireNonNull(replacement, "replacement");
      if (replacement.indexOf('?') >= 0 || replacement.indexOf('#') >= 0) {
        throw new IllegalArgumentException("replacement: '" + replacement
            + "' (expected: a path without '?' or '#')");
      }
    }

    @Override
    public String apply(String path) {
      String out = pattern.matcher(path).replaceAll(replacement);
      return out.startsWith("/") ? out : "/" + out;
    }

    @Override
    public String toString() {
      return "RegexReplace[" + pattern.pattern() + " -> " + replacement + "]";
    }
  }

  private static void requirePath(String field, String path) {
    Objects.requireNonNull(path, field);
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException(field + ": '" + path
          + "' (expected: a path starting with /)");
    }
  }
}
