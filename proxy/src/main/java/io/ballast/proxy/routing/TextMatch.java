package io.ballast.proxy.routing;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How a header or query value is matched by a route or a deny rule. Immutable and thread-safe.
 */
public sealed interface TextMatch {
  boolean matches(String value);

  /** The whole value equals this one (case-sensitive, as header values are). */
  record Exact(String value) implements TextMatch {
    public Exact {
      Objects.requireNonNull(value, "value");
    }

    @Override
    public boolean matches(String v) {
      return value.equals(v);
    }
  }

  /** The value starts with this. */
  record Prefix(String prefix) implements TextMatch {
    public Prefix {
      Objects.requireNonNull(prefix, "prefix");
    }

    @Override
    public boolean matches(String v) {
      return v.startsWith(prefix);
    }
  }

  /** The whole value matches the regular expression (java.util.regex, full match). */
  record Regex(Pattern pattern) implements TextMatch {
    public Regex {
      Objects.requireNonNull(pattern, "pattern");
    }

    @Override
    public boolean matches(String v) {
      return pattern.matcher(v).matches();
    }

    @Override
    public String toString() {
      return "Regex[" + pattern.pattern() + "]";
    }
  }

  /** Any value: the header or parameter only has to be there. */
  record Present() implements TextMatch {
    @Override
    public boolean matches(String v) {
      return true;
    }
  }
}
