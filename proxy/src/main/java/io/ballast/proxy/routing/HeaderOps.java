package io.ballast.proxy.routing;

import io.ballast.proxy.http1.HeaderRewriter;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Header changes a route makes to requests (before they go to the backend) or responses (before
 * they go to the client): remove, then set (replace), then add (append another line). Values
 * are templates: {@code ${client_ip}} (the client, behind trusted proxies the one they forwarded
 * for), {@code ${request_id}}, {@code ${route}}, {@code ${group}} (the split group, empty when
 * the route does not split), {@code ${pool}}, {@code ${backend}} (response only: who answered),
 * {@code $$} for a literal {@code $}.
 *
 * <p>Framing and connection fields cannot be changed: letting a route set Content-Length or
 * Transfer-Encoding would let configuration smuggle requests. Immutable and thread-safe.
 *
 * @param remove header names to remove
 * @param set headers to set, replacing any value (name to template)
 * @param add headers to append (name to template)
 */
public record HeaderOps(List<String> remove, Map<String, Template> set, Map<String, Template> add) {
  public static final HeaderOps NONE = new HeaderOps(List.of(), Map.of(), Map.of());

  /** Fields no route may touch. */
  static final Set<String> PROTECTED = Set.of("content-length", "transfer-encoding", "connection",
      "keep-alive", "proxy-connection", "te", "trailer", "upgrade", "expect");

  public HeaderOps {
    remove = List.copyOf(remove);
    set = Map.copyOf(set);
    add = Map.copyOf(add);
    for (String name : remove) {
      requireChangeable("remove", name);
    }
    for (String name : set.keySet()) {
      requireChangeable("set", name);
    }
    for (String name : add.keySet()) {
      requireChangeable("add", name);
    }
  }

  /** True for a field no route may change (framing and connection fields). */
  public static boolean isProtected(String name) {
    return PROTECTED.contains(name.toLowerCase(Locale.ROOT));
  }

  public boolean isEmpty() {
    return remove.isEmpty() && set.isEmpty() && add.isEmpty();
  }

  /** True when a value uses {@code ${backend}}, which requests cannot know yet. */
  public boolean usesBackend() {
    return set.values().stream().anyMatch(Template::usesBackend)
        || add.values().stream().anyMatch(Template::usesBackend);
  }

  private static void requireChangeable(String field, String name) {
    Objects.requireNonNull(name, field);
    if (!HeaderRewriter.isToken(name)) {
      throw new IllegalArgumentException(field + ": '" + name + "' (expected: a header name)");
    }
    if (PROTECTED.contains(name.toLowerCase(Locale.ROOT))) {
      throw new IllegalArgumentException(field + ": '" + name
          + "' (expected: a header other than framing and connection fields "
          + String.join(", ", new java.util.TreeSet<>(PROTECTED)) + ")");
    }
  }

  void apply(HttpHeaders h, Values values) {
    for (String name : remove) {
      h.remove(name);
    }
    for (Map.Entry<String, Template> e : set.entrySet()) {
      h.set(e.getKey(), e.getValue().render(values));
    }
    for (Map.Entry<String, Template> e : add.entrySet()) {
      h.add(e.getKey(), e.getValue().render(values));
    }
  }

  /** What templates read. */
  record Values(String clientIp, String requestId, String route, String group, String pool,
      String backend) {}

  /** A header value with variables, parsed once. Immutable. */
  public static final class Template {
    static final List<String> VARIABLES =
        List.of("client_ip", "request_id", "route", "group", "pool", "backend");
    private final String source;
    /** Literal text and variable indexes (Integer) alternating as parsed. */
    private final List<Object> parts;

    private Template(String source, List<Object> parts) {
      this.source = source;
      this.parts = parts;
    }

    /**
     * Parses {@code text}.
     *
     * @throws IllegalArgumentException naming an unknown or unclosed variable
     */
    public static Template parse(String text) {
      Objects.requireNonNull(text, "text");
      List<Object> parts = new ArrayList<>();
      StringBuilder literal = new StringBuilder();
      for (int i = 0; i < text.length(); i++) {
        char c = text.charAt(i);
        if (c != '$') {
          literal.append(c);
          continue;
        }
        if (i + 1 < text.length() && text.charAt(i + 1) == '$') {
          literal.append('$');
          i++;
          continue;
        }
        int close = text.indexOf('}', i);
        if (i + 1 >= text.length() || text.charAt(i + 1) != '{' || close < 0) {
          throw new IllegalArgumentException("'" + text + "': '$' at " + i
              + " (expected: ${variable} or $$ for a literal $)");
        }
        String name = text.substring(i + 2, close);
        int index = VARIABLES.indexOf(name);
        if (index < 0) {
          throw new IllegalArgumentException("'" + text + "': unknown variable ${" + name
              + "} (expected one of: " + String.join(", ", VARIABLES) + ")");
        }
        if (literal.length() > 0) {
          parts.add(literal.toString());
          literal.setLength(0);
        }
        parts.add(index);
        i = close;
      }
      if (literal.length() > 0) {
        parts.add(literal.toString());
      }
      for (Object p : parts) {
        if (p instanceof String s && !HeaderRewriter.isFieldValue(s)) {
          throw new IllegalArgumentException("'" + text + "' (expected: printable characters)");
        }
      }
      return new Template(text, List.copyOf(parts));
    }

    boolean usesBackend() {
      return parts.contains(VARIABLES.indexOf("backend"));
    }

    String render(Values v) {
      if (parts.size() == 1 && parts.get(0) instanceof String s) {
        return s;
      }
      StringBuilder sb = new StringBuilder();
      for (Object p : parts) {
        if (p instanceof String s) {
          sb.append(s);
        } else {
          String value = switch ((Integer) p) {
            case 0 -> v.clientIp();
            case 1 -> v.requestId();
            case 2 -> v.route();
            case 3 -> v.group();
            case 4 -> v.pool();
            default -> v.backend();
          };
          sb.append(value == null ? "" : value);
        }
      }
      return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Template t && t.source.equals(source);
    }

    @Override
    public int hashCode() {
      return source.hashCode();
    }

    @Override
    public String toString() {
      return source;
    }
  }
}
