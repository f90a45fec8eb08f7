package io.ballast.server.config;

import io.ballast.proxy.routing.HeaderOps;
import io.ballast.server.config.YamlNode.Entry;
import io.ballast.server.config.YamlNode.MapNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a route's header changes, {@code request_headers} and {@code response_headers}: names to
 * remove, and templates to set or add. Framing and connection headers cannot be changed, and
 * {@code ${backend}} is only known for the response. Not thread-safe: one load at a time.
 */
final class HeaderOpsReader {
  private static final String PROTECTED_MESSAGE = "a framing or connection field (expected: a"
      + " header other than Content-Length, Transfer-Encoding, Connection, Keep-Alive, TE,"
      + " Trailer, Upgrade, Expect, Proxy-Connection: changing them could smuggle requests)";
  private static final Value<String> REMOVABLE = Value.textual(HttpValues.HEADER_EXPECTED, n -> {
    if (!HttpValues.isHeader(n)) {
      throw new IllegalArgumentException("'" + n + "' (expected: " + HttpValues.HEADER_EXPECTED
          + ")");
    }
    if (HeaderOps.isProtected(n)) {
      throw new IllegalArgumentException("'" + n + "': " + PROTECTED_MESSAGE);
    }
    return n;
  });
  private static final Value<HeaderOps.Template> TEMPLATE = Value.textual(
      "a header value (text, ${variables} allowed)", HeaderOps.Template::parse);

  private final Problems problems;

  HeaderOpsReader(Problems problems) {
    this.problems = problems;
  }

  /** The changes under {@code route}'s {@code key}; none when absent or after errors. */
  HeaderOps headerOps(Section route, String key, boolean response) {
    Optional<Section> section = route.child(key);
    if (section.isEmpty()) {
      return HeaderOps.NONE;
    }
    Section s = section.get();
    int before = problems.errorCount();
    List<String> remove = s.get("remove", Value.list(REMOVABLE, 1), List.of());
    Map<String, HeaderOps.Template> set = templates(s, "set", response);
    Map<String, HeaderOps.Template> add = templates(s, "add", response);
    s.rejectUnknown();
    if (problems.errorCount() != before) {
      return HeaderOps.NONE;
    }
    HeaderOps ops = problems.build(s.mark(), s.path(), () -> new HeaderOps(remove, set, add));
    return ops == null ? HeaderOps.NONE : ops;
  }

  private Map<String, HeaderOps.Template> templates(Section s, String key, boolean response) {
    Map<String, HeaderOps.Template> out = new LinkedHashMap<>();
    Optional<YamlNode> node = s.optional(key);
    if (node.isEmpty()) {
      return out;
    }
    if (!(node.get() instanceof MapNode map)) {
      problems.error(node.get().mark(), s.path(key),
          Value.wrongType(node.get(), "a mapping of header names to values"));
      return out;
    }
    for (Entry e : map.entries().values()) {
      String at = s.path(key) + "." + e.key();
      if (!HttpValues.isHeader(e.key())) {
        problems.error(e.keyMark(), at, "'" + e.key() + "' (expected: "
            + HttpValues.HEADER_EXPECTED + ")");
        continue;
      }
      if (HeaderOps.isProtected(e.key())) {
        problems.error(e.keyMark(), at, PROTECTED_MESSAGE);
        continue;
      }
      HeaderOps.Template t = TEMPLATE.read(e.value(), at, problems);
      if (t != null && !response && t.toString().contains("${backend}")) {
        problems.error(e.value().mark(), at, "${backend} in a request header (expected: only in"
            + " response_headers: the backend is not known before the request is sent)");
      } else if (t != null) {
        out.put(e.key(), t);
      }
    }
    return out;
  }
}
