package io.ballast.server.config;

import io.ballast.proxy.client.Cidr;
import io.ballast.proxy.routing.DenyRule;
import io.ballast.proxy.routing.PathMatch;
import io.ballast.proxy.routing.RouteMatch;
import io.ballast.proxy.routing.TextMatch;
import io.ballast.server.config.YamlNode.Entry;
import io.ballast.server.config.YamlNode.MapNode;
import io.ballast.server.config.YamlNode.ScalarNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Reads the conditions on a request: a route's {@code match} (hosts, path, methods, headers,
 * query) and its {@code deny} rules (methods, path, headers, client networks, the status to
 * answer). Not thread-safe: one load at a time.
 */
final class MatchReader {
  private static final Pattern HOST = Pattern.compile(
      "\\*|(\\*\\.)?[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\\.?");
  private static final String HOST_EXPECTED =
      "a host name without port, *.domain for any subdomain, or *";
  private static final Value<String> HOST_VALUE = Value.textual(HOST_EXPECTED, h -> {
    if (!HOST.matcher(h).matches()) {
      throw new IllegalArgumentException("'" + h + "' (expected: " + HOST_EXPECTED + ")");
    }
    String lower = h.toLowerCase(Locale.ROOT);
    return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
  });
  private static final List<String> PATH_KINDS = List.of("prefix", "exact", "regex");
  private static final List<String> QUERY_KINDS = List.of("exact", "prefix", "regex", "present");
  private static final List<String> HEADER_KINDS =
      List.of("exact", "prefix", "regex", "present", "absent");

  private final Problems problems;

  MatchReader(Problems problems) {
    this.problems = problems;
  }

  /** A route's {@code match}; {@link RouteMatch#ANY} after reporting errors. */
  RouteMatch match(Section s) {
    int before = problems.errorCount();
    List<String> hosts = s.get("hosts", Value.list(HOST_VALUE, 1), List.of());
    PathMatch path = s.child("path").map(this::pathMatch).orElse(null);
    List<String> methods = s.get("methods", Value.list(HttpValues.METHOD, 1), List.of());
    List<RouteMatch.HeaderMatch> headers = headerMatches(s);
    List<RouteMatch.QueryMatch> query = new ArrayList<>();
    Optional<YamlNode> queryNode = s.optional("query");
    if (queryNode.isPresent()) {
      for (Map.Entry<String, TextMatch> e : textMatches(queryNode.get(), s.path("query"), false)
          .entrySet()) {
        query.add(problems.build(queryNode.get().mark(), s.path("query"),
            () -> new RouteMatch.QueryMatch(e.getKey(), e.getValue())));
      }
    }
    TextMatch clientSubject = clientSubject(s);
    s.rejectUnknown();
    if (problems.errorCount() != before) {
      return RouteMatch.ANY;
    }
    return problems.build(s.mark(), s.path(), () -> new RouteMatch(hosts, path,
        Set.copyOf(methods), headers, query, clientSubject));
  }

  /**
   * {@code client_cert: {subject: CONDITION}}: a condition on the verified client certificate's
   * subject, in the syntax of a query condition (a string is exact; or exact, prefix, regex,
   * present: true). Null when absent or after reporting errors.
   */
  private TextMatch clientSubject(Section s) {
    Optional<YamlNode> node = s.optional("client_cert");
    if (node.isEmpty()) {
      return null;
    }
    Map<String, TextMatch> conditions = textMatches(node.get(), s.path("client_cert"), false);
    for (String key : conditions.keySet()) {
      if (!key.equals("subject")) {
        problems.error(node.get().mark(), s.path("client_cert") + "." + key,
            "unknown condition '" + key + "' (expected: subject)");
        return null;
      }
    }
    if (conditions.isEmpty() && node.get() instanceof MapNode) {
      problems.error(node.get().mark(), s.path("client_cert"),
          "no condition (expected: subject)");
    }
    return conditions.get("subject");
  }

  /** One rule of a route's {@code deny} list; null after reporting errors. */
  DenyRule deny(Section s) {
    int before = problems.errorCount();
    List<String> methods = s.get("methods", Value.list(HttpValues.METHOD, 1), List.of());
    PathMatch path = s.child("path").map(this::pathMatch).orElse(null);
    List<RouteMatch.HeaderMatch> headers = headerMatches(s);
    List<Cidr> clients = s.get("clients", Value.networks(1), List.of());
    Integer status = s.get("status", Value.integer(400, 599), 403);
    s.rejectUnknown();
    if (problems.errorCount() != before) {
      return null;
    }
    return problems.build(s.mark(), s.path(), () -> new DenyRule(Set.copyOf(methods), path,
        headers, clients, status));
  }

  private List<RouteMatch.HeaderMatch> headerMatches(Section s) {
    List<RouteMatch.HeaderMatch> out = new ArrayList<>();
    Optional<YamlNode> node = s.optional("headers");
    if (node.isEmpty()) {
      return out;
    }
    if (node.get() instanceof MapNode map) {
      for (Entry e : map.entries().values()) {
        if (!HttpValues.isHeader(e.key())) {
          problems.error(e.keyMark(), s.path("headers") + "." + e.key(),
              "'" + e.key() + "' (expected: " + HttpValues.HEADER_EXPECTED + ")");
        }
      }
    }
    for (Map.Entry<String, TextMatch> e : textMatches(node.get(), s.path("headers"), true)
        .entrySet()) {
      out.add(problems.build(node.get().mark(), s.path("headers"),
          () -> new RouteMatch.HeaderMatch(e.getKey(), e.getValue())));
    }
    return out;
  }

  /**
   * A mapping of names to value conditions: a plain string is an exact value; a mapping has one
   * of exact, prefix, regex, present: true, and for headers absent: true (a null condition).
   */
  private Map<String, TextMatch> textMatches(YamlNode node, String path, boolean headers) {
    Map<String, TextMatch> out = new LinkedHashMap<>();
    if (!(node instanceof MapNode map)) {
      problems.error(node.mark(), path, Value.wrongType(node, "a mapping of names to conditions"));
      return out;
    }
    List<String> choices = headers ? HEADER_KINDS : QUERY_KINDS;
    for (Entry e : map.entries().values()) {
      String at = path + "." + e.key();
      if (e.value() instanceof ScalarNode scalar && scalar.value() instanceof String text) {
        out.put(e.key(), new TextMatch.Exact(text));
        continue;
      }
      Optional<Section> section = Section.of(e.value(), at, problems);
      if (section.isEmpty()) {
        continue;
      }
      Section c = section.get();
      List<String> kinds = c.present(choices);
      if (kinds.size() != 1) {
        problems.error(c.mark(), at, Section.notExactlyOne(kinds, "no condition", choices));
        c.rejectUnknown();
        continue;
      }
      String kind = kinds.get(0);
      TextMatch m = switch (kind) {
        case "exact" -> textual(c, kind, TextMatch.Exact::new);
        case "prefix" -> textual(c, kind, TextMatch.Prefix::new);
        case "regex" -> {
          Pattern p = c.require(kind, Value.regex());
          yield p == null ? null : new TextMatch.Regex(p);
        }
        default -> {
          Boolean on = c.require(kind, Value.bool());
          if (on != null && !on) {
            problems.error(c.markOf(kind), c.path(kind), "false (expected: true, or leave the"
                + " condition out)");
          }
          yield kind.equals("present") ? new TextMatch.Present() : null;
        }
      };
      c.rejectUnknown();
      if (m != null || kind.equals("absent")) {
        out.put(e.key(), m);
      }
    }
    return out;
  }

  private TextMatch textual(Section c, String key, Function<String, TextMatch> make) {
    String v = c.require(key, Value.textual("a string", t -> t));
    return v == null ? null : make.apply(v);
  }

  private PathMatch pathMatch(Section s) {
    List<String> kinds = s.present(PATH_KINDS);
    s.rejectUnknown();
    if (kinds.size() != 1) {
      problems.error(s.mark(), s.path(), Section.notExactlyOne(kinds, "no condition", PATH_KINDS));
      return null;
    }
    String kind = kinds.get(0);
    if (kind.equals("regex")) {
      Pattern p = s.require(kind, Value.regex());
      return p == null ? null : new PathMatch.Regex(p);
    }
    String v = s.require(kind, HttpValues.PATH);
    if (v == null) {
      return null;
    }
    return kind.equals("prefix") ? new PathMatch.Prefix(v) : new PathMatch.Exact(v);
  }
}
