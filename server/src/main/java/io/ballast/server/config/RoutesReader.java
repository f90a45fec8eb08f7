package io.ballast.server.config;

import io.ballast.core.retry.RetrySettings;
import io.ballast.core.split.TrafficSplit;
import io.ballast.proxy.client.Cidr;
import io.ballast.proxy.routing.DenyRule;
import io.ballast.proxy.client.HashKey;
import io.ballast.proxy.routing.HeaderOps;
import io.ballast.proxy.routing.PathMatch;
import io.ballast.proxy.routing.PathRewrite;
import io.ballast.proxy.routing.RouteMatch;
import io.ballast.proxy.routing.TextMatch;
import io.ballast.server.config.YamlNode.Entry;
import io.ballast.server.config.YamlNode.ListNode;
import io.ballast.server.config.YamlNode.MapNode;
import io.ballast.server.config.YamlNode.ScalarNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads a listener's {@code routes}: match conditions, deny rules, the pool, split or blue-green
 * pair, per-route retries, timeout, header changes and path rewrite; warns about routes that can
 * never match. Not thread-safe: one load at a time.
 */
final class RoutesReader {
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");
  private static final String NAME_EXPECTED =
      "a name of lower-case letters, digits, '-' and '_', starting with a letter or digit";
  private static final Pattern HOST = Pattern.compile(
      "\\*|(\\*\\.)?[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\\.?");
  private static final String HOST_EXPECTED =
      "a host name without port, *.domain for any subdomain, or *";
  private static final Pattern PATH = Pattern.compile("/[!-~]*");
  private static final Pattern AFFINITY = Pattern.compile("strict|soft");
  private static final String TOKEN_EXPECTED =
      "a header name (letters, digits and !#$%&'*+.^_`|~-)";
  private static final Value<String> TOKEN = Value.string(TOKEN_EXPECTED, ForwardingConfig.TOKEN);
  private static final Value<String> METHOD = Value.string(
      "an HTTP method such as GET (letters, digits and !#$%&'*+.^_`|~-)", ForwardingConfig.TOKEN);
  private static final Value<String> PATH_VALUE =
      Value.string("a path starting with / (printable ASCII, no spaces)", PATH);

  private static final String PROTECTED_MESSAGE = "a framing or connection field (expected: a"
      + " header other than Content-Length, Transfer-Encoding, Connection, Keep-Alive, TE,"
      + " Trailer, Upgrade, Expect, Proxy-Connection: changing them could smuggle requests)";

  private final Problems problems;
  private final Map<String, Mark> poolNames;
  private final Function<Section, RetrySettings> retries;
  private final Function<Section, HashKey> keys;
  private final Set<String> stickyPools;

  /**
   * @param poolNames the pools of the file (their names and where they are), for references
   * @param retries reads a retries block as a pool's
   * @param keys reads a hash-key block (source, name, prefixes) as a pool's {@code hash_key}
   */
  RoutesReader(Problems problems, Map<String, Mark> poolNames,
      Function<Section, RetrySettings> retries, Function<Section, HashKey> keys) {
    this(problems, poolNames, retries, keys, Set.of());
  }

  /**
   * @param stickyPools the pools that remember sessions (affinity by cookie, ip or header): a
   *     route's {@code affinity} is only meaningful over them
   */
  RoutesReader(Problems problems, Map<String, Mark> poolNames,
      Function<Section, RetrySettings> retries, Function<Section, HashKey> keys,
      Set<String> stickyPools) {
    this.problems = problems;
    this.poolNames = poolNames;
    this.retries = retries;
    this.keys = keys;
    this.stickyPools = stickyPools;
  }

  /** The routes of {@code listener}'s {@code routes} list; null after reporting errors. */
  List<RouteConfig> routes(Section listener, List<Section> sections) {
    int before = problems.errorCount();
    List<RouteConfig> routes = new ArrayList<>();
    List<Mark> marks = new ArrayList<>();
    Map<String, Mark> names = new LinkedHashMap<>();
    for (Section s : sections) {
      RouteConfig r = route(s, names);
      if (r != null) {
        routes.add(r);
        marks.add(s.mark());
      }
    }
    if (problems.errorCount() != before) {
      return null;
    }
    warnUnreachable(listener, routes, marks);
    return routes;
  }

  private RouteConfig route(Section s, Map<String, Mark> names) {
    int before = problems.errorCount();
    String name = s.require("name", Value.string(NAME_EXPECTED, NAME));
    if (name != null) {
      Mark first = names.putIfAbsent(name, s.markOf("name"));
      if (first != null) {
        problems.error(s.markOf("name"), s.path("name"), "duplicate route name '" + name
            + "' (first at " + first + "; expected: unique route names within a listener)");
      }
    }
    RouteMatch match = s.optional("match").flatMap(n -> Section.of(n, s.path("match"), problems))
        .map(this::match).orElse(RouteMatch.ANY);
    List<DenyRule> deny = new ArrayList<>();
    Optional<YamlNode> denyNode = s.optional("deny");
    if (denyNode.isPresent()) {
      for (Section d : items(denyNode.get(), s.path("deny"), "deny rules")) {
        DenyRule rule = deny(d);
        if (rule != null) {
          deny.add(rule);
        }
      }
    }
    String pool = null;
    RouteConfig.SplitConfig split = null;
    List<String> targets = new ArrayList<>();
    for (String key : List.of("pool", "split", "blue_green")) {
      if (s.optional(key).isPresent()) {
        targets.add(key);
      }
    }
    if (targets.size() != 1) {
      problems.error(targets.isEmpty() ? s.mark() : s.keyMarkOf(targets.get(1)), s.path(),
          (targets.isEmpty() ? "no destination" : "both " + targets.get(0) + " and "
              + targets.get(1)) + " (expected: exactly one of pool, split, blue_green)");
    } else if (targets.get(0).equals("pool")) {
      pool = poolRef(s, "pool");
    } else if (targets.get(0).equals("split")) {
      split = Section.of(s.optional("split").get(), s.path("split"), problems)
          .map(sp -> split(sp, name == null ? "?" : name)).orElse(null);
    } else {
      split = Section.of(s.optional("blue_green").get(), s.path("blue_green"), problems)
          .map(this::blueGreen).orElse(null);
    }
    Optional<RetrySettings> retry = s.optional("retries")
        .flatMap(n -> Section.of(n, s.path("retries"), problems)).map(retries);
    Optional<Duration> responseTimeout = s.optional("timeouts")
        .flatMap(n -> Section.of(n, s.path("timeouts"), problems)).map(t -> {
          Duration d = t.require("response", Value.duration());
          t.rejectUnknown();
          if (d != null && d.isZero()) {
            problems.error(t.markOf("response"), t.path("response"), "0s (expected: > 0)");
          }
          return d;
        });
    HeaderOps requestHeaders = headerOps(s, "request_headers", false);
    HeaderOps responseHeaders = headerOps(s, "response_headers", true);
    Optional<PathRewrite> rewrite = s.optional("rewrite")
        .flatMap(n -> Section.of(n, s.path("rewrite"), problems)).map(this::rewrite);
    Optional<RouteConfig.MirrorConfig> mirror = s.optional("mirror")
        .flatMap(n -> Section.of(n, s.path("mirror"), problems)).map(this::mirror);
    String mode = s.get("affinity", Value.string("strict or soft", AFFINITY), null);
    s.rejectUnknown();
    if (problems.errorCount() != before) {
      return null;
    }
    String p = pool;
    RouteConfig.SplitConfig sp = split;
    RouteConfig route = problems.build(s.mark(), s.path(), () -> new RouteConfig(name, match,
        deny, p, sp, retry, responseTimeout, requestHeaders, responseHeaders, rewrite, mirror,
        Optional.ofNullable(mode).map("strict"::equals)));
    if (route != null && mode != null) {
      for (String target : route.pools()) {
        if (!stickyPools.contains(target)) {
          problems.error(s.markOf("affinity"), s.path("affinity"), mode + ", but pool '" + target
              + "' keeps no sessions (expected: only on routes whose pools set affinity by"
              + " cookie, ip or header)");
          return null;
        }
      }
    }
    return route;
  }

  private RouteConfig.MirrorConfig mirror(Section s) {
    int before = problems.errorCount();
    String pool = poolRef(s, "pool");
    Double percent = s.get("percent", Value.decimal(0, 100),
        RouteConfig.MirrorConfig.DEFAULT_PERCENT);
    Integer maxBody = s.get("max_body", Value.size(0, Integer.MAX_VALUE),
        RouteConfig.MirrorConfig.DEFAULT_MAX_BODY);
    Duration timeout = s.get("timeout", Value.duration(), RouteConfig.MirrorConfig.DEFAULT_TIMEOUT);
    Integer maxInFlight = s.get("max_in_flight", Value.integer(1, 100_000),
        RouteConfig.MirrorConfig.DEFAULT_MAX_IN_FLIGHT);
    if (timeout != null && timeout.isZero()) {
      problems.error(s.markOf("timeout"), s.path("timeout"), "0s (expected: > 0)");
    }
    s.rejectUnknown();
    if (problems.errorCount() != before) {
      return null;
    }
    return problems.build(s.mark(), s.path(), () -> new RouteConfig.MirrorConfig(pool, percent,
        maxBody, timeout, maxInFlight));
  }

  private String poolRef(Section s, String key) {
    String pool = s.require(key, Value.string("the name of a pool", NAME));
    if (pool != null && !poolNames.isEmpty() && !poolNames.containsKey(pool)) {
      problems.error(s.markOf(key), s.path(key), "no pool named '" + pool + "' (expected one of: "
          + String.join(", ", poolNames.keySet()) + ")");
    }
    return pool;
  }

  // ---- match -----------------------------------------------------------------------------

  private RouteMatch match(Section s) {
    int before = problems.errorCount();
    List<String> hosts = s.get("hosts", Value.list(Value.textual(HOST_EXPECTED, h -> {
      if (!HOST.matcher(h).matches()) {
        throw new IllegalArgumentException("'" + h + "' (expected: " + HOST_EXPECTED + ")");
      }
      String lower = h.toLowerCase(Locale.ROOT);
      return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }), 1), List.of());
    PathMatch path = s.optional("path").flatMap(n -> Section.of(n, s.path("path"), problems))
        .map(this::pathMatch).orElse(null);
    List<String> methods = s.get("methods", Value.list(METHOD, 1), List.of());
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
    s.rejectUnknown();
    if (problems.errorCount() != before) {
      return RouteMatch.ANY;
    }
    return problems.build(s.mark(), s.path(), () -> new RouteMatch(hosts, path,
        Set.copyOf(methods), headers, query));
  }

  private List<RouteMatch.HeaderMatch> headerMatches(Section s) {
    List<RouteMatch.HeaderMatch> out = new ArrayList<>();
    Optional<YamlNode> node = s.optional("headers");
    if (node.isEmpty()) {
      return out;
    }
    if (node.get() instanceof MapNode map) {
      for (Entry e : map.entries().values()) {
        if (!ForwardingConfig.TOKEN.matcher(e.key()).matches()) {
          problems.error(e.keyMark(), s.path("headers") + "." + e.key(),
              "'" + e.key() + "' (expected: " + TOKEN_EXPECTED + ")");
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
      List<String> kinds = new ArrayList<>();
      for (String k : headers ? List.of("exact", "prefix", "regex", "present", "absent")
          : List.of("exact", "prefix", "regex", "present")) {
        if (c.optional(k).isPresent()) {
          kinds.add(k);
        }
      }
      if (kinds.size() != 1) {
        problems.error(c.mark(), at, (kinds.isEmpty() ? "no condition" : "both " + kinds.get(0)
            + " and " + kinds.get(1)) + " (expected: exactly one of exact, prefix, regex, present"
            + (headers ? ", absent" : "") + ")");
        c.rejectUnknown();
        continue;
      }
      String kind = kinds.get(0);
      TextMatch m = switch (kind) {
        case "exact" -> textual(c, kind, TextMatch.Exact::new);
        case "prefix" -> textual(c, kind, TextMatch.Prefix::new);
        case "regex" -> {
          Pattern p = regex(c, kind);
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

  private Pattern regex(Section c, String key) {
    String v = c.require(key, Value.textual("a regular expression", t -> t));
    if (v == null) {
      return null;
    }
    try {
      return Pattern.compile(v);
    } catch (PatternSyntaxException e) {
      problems.error(c.markOf(key), c.path(key), "bad regular expression '" + v + "': "
          + e.getDescription() + (e.getIndex() >= 0 ? " at index " + e.getIndex() : "")
          + " (expected: a java.util.regex pattern)");
      return null;
    }
  }

  private PathMatch pathMatch(Section s) {
    List<String> kinds = new ArrayList<>();
    for (String k : List.of("prefix", "exact", "regex")) {
      if (s.optional(k).isPresent()) {
        kinds.add(k);
      }
    }
    s.rejectUnknown();
    if (kinds.size() != 1) {
      problems.error(s.mark(), s.path(), (kinds.isEmpty() ? "no condition" : "both "
          + kinds.get(0) + " and " + kinds.get(1)) + " (expected: exactly one of prefix, exact,"
          + " regex)");
      return null;
    }
    String kind = kinds.get(0);
    if (kind.equals("regex")) {
      Pattern p = regex(s, kind);
      return p == null ? null : new PathMatch.Regex(p);
    }
    String v = s.require(kind, PATH_VALUE);
    if (v == null) {
      return null;
    }
    return kind.equals("prefix") ? new PathMatch.Prefix(v) : new PathMatch.Exact(v);
  }

  // ---- deny ------------------------------------------------------------------------------

  private DenyRule deny(Section s) {
    int before = problems.errorCount();
    List<String> methods = s.get("methods", Value.list(METHOD, 1), List.of());
    PathMatch path = s.optional("path").flatMap(n -> Section.of(n, s.path("path"), problems))
        .map(this::pathMatch).orElse(null);
    List<RouteMatch.HeaderMatch> headers = headerMatches(s);
    List<Cidr> clients = s.get("clients", Value.list(Value.textual(
        "an address or network such as 10.0.0.0/8 or 2001:db8::/32", Cidr::parse), 1), List.of());
    Integer status = s.get("status", Value.integer(400, 599), 403);
    s.rejectUnknown();
    if (problems.errorCount() != before) {
      return null;
    }
    return problems.build(s.mark(), s.path(), () -> new DenyRule(Set.copyOf(methods), path,
        headers, clients, status));
  }

  // ---- split and blue-green --------------------------------------------------------------

  private RouteConfig.SplitConfig split(Section s, String route) {
    int before = problems.errorCount();
    List<RouteConfig.SplitConfig.Group> groups = new ArrayList<>();
    Map<String, Mark> names = new LinkedHashMap<>();
    Optional<YamlNode> groupsNode = s.required("groups", "a list of groups {pool, weight}");
    if (groupsNode.isPresent()) {
      for (Section g : items(groupsNode.get(), s.path("groups"), "groups")) {
        String pool = poolRef(g, "pool");
        String name = g.get("name", Value.string(NAME_EXPECTED, NAME), pool);
        Double weight = g.require("weight", Value.decimal(0, 100));
        g.rejectUnknown();
        if (name != null && names.putIfAbsent(name, g.mark()) != null) {
          problems.error(g.markOf("name"), g.path("name"), "duplicate group '" + name
              + "' (expected: unique group names; set name: when two groups share a pool)");
        }
        if (pool != null && name != null && weight != null) {
          groups.add(new RouteConfig.SplitConfig.Group(name, pool, weight));
        }
      }
      if (problems.errorCount() == before) {
        checkWeights(groupsNode.get(), s.path("groups"), groups, route);
      }
    }
    HashKey userKey = s.optional("user_key")
        .flatMap(n -> Section.of(n, s.path("user_key"), problems)).map(keys).orElse(null);
    String forceHeader = s.get("force_header", TOKEN, null);
    String forceCookie = s.get("force_cookie", TOKEN, null);
    String groupHeader = s.get("group_header", TOKEN, null);
    s.rejectUnknown();
    if (problems.errorCount() != before) {
      return null;
    }
    return problems.build(s.mark(), s.path(), () -> new RouteConfig.SplitConfig(groups, userKey,
        forceHeader, forceCookie, groupHeader, false));
  }

  private void checkWeights(YamlNode at, String path, List<RouteConfig.SplitConfig.Group> groups,
      String route) {
    Map<String, Double> weights = new LinkedHashMap<>();
    for (RouteConfig.SplitConfig.Group g : groups) {
      weights.put(g.name(), g.weight());
    }
    if (groups.size() < 2) {
      problems.error(at.mark(), path, groups.size() + " group(s) (expected: at least 2)");
      return;
    }
    problems.build(at.mark(), path, () -> new TrafficSplit(route, weights));
  }

  private RouteConfig.SplitConfig blueGreen(Section s) {
    int before = problems.errorCount();
    String blue = poolRef(s, "blue");
    String green = poolRef(s, "green");
    String active = s.require("active", Value.string("blue or green", Pattern.compile("blue|green")));
    String forceHeader = s.get("force_header", TOKEN, null);
    String groupHeader = s.get("group_header", TOKEN, null);
    s.rejectUnknown();
    if (blue != null && blue.equals(green)) {
      problems.error(s.markOf("green"), s.path("green"), "'" + green
          + "' is also blue (expected: two different pools)");
    }
    if (problems.errorCount() != before) {
      return null;
    }
    boolean isBlue = active.equals("blue");
    return problems.build(s.mark(), s.path(), () -> new RouteConfig.SplitConfig(List.of(
        new RouteConfig.SplitConfig.Group("blue", blue, isBlue ? 100 : 0),
        new RouteConfig.SplitConfig.Group("green", green, isBlue ? 0 : 100)), null, forceHeader,
        null, groupHeader, true));
  }

  // ---- header changes and rewrite --------------------------------------------------------

  private HeaderOps headerOps(Section route, String key, boolean response) {
    Optional<Section> section = route.optional(key)
        .flatMap(n -> Section.of(n, route.path(key), problems));
    if (section.isEmpty()) {
      return HeaderOps.NONE;
    }
    Section s = section.get();
    int before = problems.errorCount();
    List<String> remove = s.get("remove", Value.list(Value.textual(TOKEN_EXPECTED, n -> {
      if (!ForwardingConfig.TOKEN.matcher(n).matches()) {
        throw new IllegalArgumentException("'" + n + "' (expected: " + TOKEN_EXPECTED + ")");
      }
      if (HeaderOps.isProtected(n)) {
        throw new IllegalArgumentException("'" + n + "': " + PROTECTED_MESSAGE);
      }
      return n;
    }), 1), List.of());
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
      if (!ForwardingConfig.TOKEN.matcher(e.key()).matches()) {
        problems.error(e.keyMark(), at, "'" + e.key() + "' (expected: " + TOKEN_EXPECTED + ")");
        continue;
      }
      if (HeaderOps.isProtected(e.key())) {
        problems.error(e.keyMark(), at, PROTECTED_MESSAGE);
        continue;
      }
      HeaderOps.Template t = Value.textual("a header value (text, ${variables} allowed)",
          HeaderOps.Template::parse).read(e.value(), at, problems);
      if (t != null && !response && t.toString().contains("${backend}")) {
        problems.error(e.value().mark(), at, "${backend} in a request header (expected: only in"
            + " response_headers: the backend is not known before the request is sent)");
      } else if (t != null) {
        out.put(e.key(), t);
      }
    }
    return out;
  }

  private PathRewrite rewrite(Section s) {
    List<String> kinds = new ArrayList<>();
    for (String k : List.of("strip_prefix", "replace_prefix", "regex")) {
      if (s.optional(k).isPresent()) {
        kinds.add(k);
      }
    }
    if (kinds.size() != 1) {
      s.rejectUnknown();
      problems.error(s.mark(), s.path(), (kinds.isEmpty() ? "no rewrite" : "both " + kinds.get(0)
          + " and " + kinds.get(1)) + " (expected: exactly one of strip_prefix, replace_prefix,"
          + " regex)");
      return null;
    }
    PathRewrite out = switch (kinds.get(0)) {
      case "strip_prefix" -> {
        String p = s.require("strip_prefix", PATH_VALUE);
        yield p == null ? null : new PathRewrite.StripPrefix(p);
      }
      case "replace_prefix" -> Section.of(s.optional("replace_prefix").get(),
          s.path("replace_prefix"), problems).map(r -> {
            String from = r.require("from", PATH_VALUE);
            String to = r.require("to", PATH_VALUE);
            r.rejectUnknown();
            return from == null || to == null ? null : new PathRewrite.ReplacePrefix(from, to);
          }).orElse(null);
      default -> Section.of(s.optional("regex").get(), s.path("regex"), problems).map(r -> {
        Pattern p = regex(r, "pattern");
        String replacement = r.require("replacement", Value.textual(
            "a path without '?' or '#' ($1 for groups)", t -> {
              if (t.indexOf('?') >= 0 || t.indexOf('#') >= 0) {
                throw new IllegalArgumentException("'" + t
                    + "' (expected: a path without '?' or '#')");
              }
              return t;
            }));
        r.rejectUnknown();
        return p == null || replacement == null ? null
            : problems.build(r.mark(), r.path(), () -> new PathRewrite.RegexReplace(p, replacement));
      }).orElse(null);
    };
    s.rejectUnknown();
    return out;
  }

  // ---- helpers ---------------------------------------------------------------------------

  private List<Section> items(YamlNode node, String path, String what) {
    List<Section> out = new ArrayList<>();
    if (!(node instanceof ListNode list)) {
      problems.error(node.mark(), path, Value.wrongType(node, "a list of " + what));
      return out;
    }
    for (int i = 0; i < list.items().size(); i++) {
      Section.of(list.items().get(i), path + "[" + i + "]", problems).ifPresent(out::add);
    }
    return out;
  }

  /**
   * Warns about routes no request can reach: a route after one with no condition, or after one
   * whose conditions it only narrows (an earlier {@code /api} prefix shadows a later
   * {@code /api/v2}). Not an error: the file still works, but likely not as meant.
   */
  private void warnUnreachable(Section listener, List<RouteConfig> routes, List<Mark> marks) {
    for (int j = 1; j < routes.size(); j++) {
      for (int i = 0; i < j; i++) {
        if (shadows(routes.get(i).match(), routes.get(j).match())) {
          problems.warning(marks.get(j), listener.path("routes") + "[" + j + "]",
              "route '" + routes.get(j).name() + "' is unreachable: route '"
                  + routes.get(i).name() + "' at " + marks.get(i) + " takes every request it"
                  + " would (expected: the more specific route first)");
          break;
        }
      }
    }
  }

  /** True when every request {@code later} matches is also matched by {@code earlier}. */
  static boolean shadows(RouteMatch earlier, RouteMatch later) {
    if (!earlier.hosts().isEmpty() && (later.hosts().isEmpty() || !later.hosts().stream()
        .allMatch(h -> earlier.hosts().stream().anyMatch(p -> hostCovers(p, h))))) {
      return false;
    }
    if (earlier.path() != null && !pathCovers(earlier.path(), later.path())) {
      return false;
    }
    if (!earlier.methods().isEmpty() && (later.methods().isEmpty()
        || !earlier.methods().containsAll(later.methods()))) {
      return false;
    }
    return later.headers().containsAll(earlier.headers())
        && later.query().containsAll(earlier.query());
  }

  private static boolean hostCovers(String pattern, String host) {
    if (pattern.equals(host) || pattern.equals("*")) {
      return true;
    }
    if (host.startsWith("*.")) {
      return pattern.startsWith("*.") && host.endsWith(pattern.substring(1));
    }
    return !host.equals("*") && pattern.startsWith("*.") && host.endsWith(pattern.substring(1))
        && host.length() > pattern.length() - 1;
  }

  private static boolean pathCovers(PathMatch earlier, PathMatch later) {
    if (later == null) {
      return false;
    }
    if (earlier.equals(later)) {
      return true;
    }
    if (earlier instanceof PathMatch.Prefix p) {
      if (later instanceof PathMatch.Prefix lp) {
        return p.matches(lp.prefix());
      }
      if (later instanceof PathMatch.Exact le) {
        return p.matches(le.path());
      }
    }
    return false;
  }
}
