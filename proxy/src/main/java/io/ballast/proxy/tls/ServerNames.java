package io.ballast.proxy.tls;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Values chosen by the server name a TLS client sends (SNI, RFC 6066 section 3): a listener's
 * certificates ({@link ServerTls}), a TCP listener's pools when it routes TLS passthrough by
 * name. One matching rule for both, so that a name that picks a certificate on one listener
 * picks a route on another:
 * <ul>
 *   <li>names compare case-insensitively, and a trailing dot is ignored ({@code API.Example.com.}
 *       is {@code api.example.com});
 *   <li>an exact name wins over a wildcard;
 *   <li>{@code *.example.com} matches one label: {@code a.example.com}, not {@code example.com}
 *       nor {@code a.b.example.com}, as certificate wildcards do (RFC 6125 section 6.4.3).
 * </ul>
 * A lookup is at most two hash lookups and one substring.
 *
 * <p>Immutable and thread-safe once built; the {@link Builder} is not thread-safe.
 *
 * @param <T> what a name chooses
 */
public final class ServerNames<T> {
  /**
   * How a configured name is written: labels of letters, digits and inner hyphens, optionally
   * after one leading {@code *.} (so {@code a.*.example.com} and {@code *example.com} are not
   * names).
   */
  public static final Pattern SYNTAX = Pattern.compile(
      "(\\*\\.)?([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}"
          + "[a-zA-Z0-9])?)*");

  private final Map<String, T> exact;
  /** By the domain under the wildcard: {@code example.com} for {@code *.example.com}. */
  private final Map<String, T> wildcard;

  private ServerNames(Map<String, T> exact, Map<String, T> wildcard) {
    this.exact = Map.copyOf(exact);
    this.wildcard = Map.copyOf(wildcard);
  }

  public static <T> Builder<T> builder() {
    return new Builder<>();
  }

  /** The value of {@code hostname} (null: the client sent none), or null when no name matches. */
  public T lookup(String hostname) {
    if (hostname == null) {
      return null;
    }
    String name = normalise(hostname);
    T v = exact.get(name);
    if (v != null) {
      return v;
    }
    int dot = name.indexOf('.');
    return dot > 0 ? wildcard.get(name.substring(dot + 1)) : null;
  }

  /**
   * The configured name that {@code hostname} matches (itself, or the {@code *.} wildcard), or
   * null when none does.
   */
  public String matchedName(String hostname) {
    if (hostname == null) {
      return null;
    }
    String name = normalise(hostname);
    if (exact.containsKey(name)) {
      return name;
    }
    int dot = name.indexOf('.');
    return dot > 0 && wildcard.containsKey(name.substring(dot + 1))
        ? "*." + name.substring(dot + 1) : null;
  }

  /** True when no name was added. */
  public boolean isEmpty() {
    return exact.isEmpty() && wildcard.isEmpty();
  }

  /**
   * Returns {@code names}, copied, when it is a non-empty list of names written as
   * {@link #SYNTAX} says.
   *
   * @throws IllegalArgumentException naming {@code field} and the first name that is not one
   */
  public static List<String> requireNames(String field, List<String> names) {
    List<String> copy = List.copyOf(names);
    if (copy.isEmpty()) {
      throw new IllegalArgumentException(field + ": [] (expected: at least one name)");
    }
    for (String name : copy) {
      if (!SYNTAX.matcher(name).matches()) {
        throw new IllegalArgumentException(field + ": '" + name
            + "' (expected: a host name such as api.example.com or *.example.com)");
      }
    }
    return copy;
  }

  /** A name as it is compared: lower case, without a trailing dot. */
  public static String normalise(String hostname) {
    String name = hostname.toLowerCase(Locale.ROOT);
    return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
  }

  @Override
  public String toString() {
    return exact.size() + " exact names, " + wildcard.size() + " wildcards";
  }

  /** Collects names; the first value to claim a name keeps it. Not thread-safe. */
  public static final class Builder<T> {
    private final Map<String, T> exact = new HashMap<>();
    private final Map<String, T> wildcard = new HashMap<>();

    private Builder() {}

    /**
     * Adds {@code name} (exact, or {@code *.} and a domain) for {@code value}; false, and nothing
     * changed, when the name was claimed already. The name's syntax is the caller's to check (a
     * certificate may carry names no client sends; they are kept and never match).
     */
    public boolean add(String name, T value) {
      Objects.requireNonNull(value, "value");
      String n = normalise(name);
      if (n.startsWith("*.")) {
        return wildcard.putIfAbsent(n.substring(2), value) == null;
      }
      return exact.putIfAbsent(n, value) == null;
    }

    public ServerNames<T> build() {
      return new ServerNames<>(exact, wildcard);
    }
  }
}
