package io.ballast.proxy.routing;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How a route or a deny rule matches the request path. The path is matched after normalisation
 * (see {@link RequestFacts}): {@code /api/../admin} is {@code /admin} here and at the backend.
 * The query is never part of it. Immutable and thread-safe.
 */
public sealed interface PathMatch {
  boolean matches(String path);

  /**
   * The path is {@code prefix} or continues it at a segment boundary: prefix {@code /api}
   * matches {@code /api}, {@code /api/} and {@code /api/users}, not {@code /apis}. A prefix that
   * ends with {@code /} (and {@code /} itself) matches every path that starts with it.
   */
  record Prefix(String prefix) implements PathMatch {
    public Prefix {
      requirePath(prefix);
    }

    @Override
    public boolean matches(String path) {
      if (!path.startsWith(prefix)) {
        return false;
      }
      return path.length() == prefix.length() || prefix.endsWith("/")
          || path.charAt(prefix.length()) == '/';
    }
  }

  /** The path is exactly this. */
  record Exact(String path) implements PathMatch {
    public Exact {
      requirePath(path);
    }

    @Override
    public boolean matches(String p) {
      return path.equals(p);
    }
  }

  /** The whole path matches the regular expression. */
  record Regex(Pattern pattern) implements PathMatch {
    public Regex {
      Objects.requireNonNull(pattern, "pattern");
    }

    @Override
    public boolean matches(String path) {
      return pattern.matcher(path).matches();
    }

    @Override
    public String toString() {
      return "Regex[" + pattern.pattern() + "]";
    }
  }

  private static void requirePath(String path) {
    Objects.requireNonNull(path, "path");
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException("path: '" + path + "' (expected: a path starting with /)");
    }
  }
}
