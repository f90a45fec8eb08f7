package io.ballast.server.config;

import io.ballast.core.retry.RetrySettings;
import io.ballast.proxy.client.HashKey;
import io.ballast.proxy.routing.DenyRule;
import io.ballast.proxy.routing.HeaderOps;
import io.ballast.proxy.routing.HttpsRedirect;
import io.ballast.proxy.routing.PathMatch;
import io.ballast.proxy.routing.PathRewrite;
import io.ballast.proxy.routing.RouteMatch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Reads a listener's {@code routes}: each route's name, destination (pool, split, blue-green
 * pair, or an https redirect instead of any pool), per-route retries, timeout, mirror and
 * affinity mode, handing the match and deny rules, splits, header changes and path rewrite to
 * their readers; warns about routes that can never match. Not thread-safe: one load at a time.
 */
final class RoutesReader {
  static final Pattern NAME = Names.NAME;
  static final String NAME_EXPECTED =
      "a name of lower-case letters, digits, '-' and '_', starting with a letter or digit";
  private static final Pattern AFFINITY = Pattern.compile("strict|soft");
  private static final List<String> DESTINATIONS =
      List.of("pool", "split", "blue_green", "https_redirect");
  private static final String REDIRECT_EXPECTED =
      "true, false, or a mapping {port: 1..65535, status: 301|302|303|307|308}";
  /** A redirect's status: one of {@link HttpsRedirect#STATUSES}. */
  private static final Value<Integer> REDIRECT_STATUS =
      Value.of(HttpsRedirect.STATUSES_EXPECTED, (node, path, problems) -> {
        Object v = node instanceof YamlNode.ScalarNode scalar ? scalar.value() : null;
        if (!(v instanceof Long code)) {
          problems.error(node.mark(), path, Value.wrongType(node,
              HttpsRedirect.STATUSES_EXPECTED));
          return null;
        }
        if (code > 999 || !HttpsRedirect.STATUSES.contains((int) (long) code)) {
          problems.error(node.mark(), path, code + " (expected: "
              + HttpsRedirect.STATUSES_EXPECTED + ")");
          return null;
        }
        return (int) (long) code;
      });

  private final Problems problems;
  private final PoolRefs pools;
  private final Function<Section, RetrySettings> retries;
  private final Set<String> stickyPools;
  private final MatchReader matches;
  private final SplitReader splits;
  private final HeaderOpsReader headers;
  private final RewriteReader rewrites;

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
    this.pools = new PoolRefs(problems, poolNames);
    this.retries = retries;
    this.stickyPools = stickyPools;
    this.matches = new MatchReader(problems);
    this.splits = new SplitReader(problems, pools, keys);
    this.headers = new HeaderOpsReader(problems);
    this.rewrites = new RewriteReader(problems);
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
    RouteMatch match = s.child("match").map(matches::match).orElse(RouteMatch.ANY);
    List<DenyRule> deny = new ArrayList<>();
    Optional<YamlNode> denyNode = s.optional("deny");
    if (denyNode.isPresent()) {
      for (Section d : Section.items(denyNode.get(), s.path("deny"), "a list of deny rules",
          problems)) {
        Optional.ofNullable(matches.deny(d)).ifPresent(deny::add);
      }
    }
    String pool = null;
    RouteConfig.SplitConfig split = null;
    List<String> targets = s.present(DESTINATIONS);
    Optional<YamlNode> redirectNode = s.optional("https_redirect");
    if (redirectNode.isPresent() && isFalse(redirectNode.get())) {
      // https_redirect: false is the same as leaving it out: the route needs a destination.
      targets.remove("https_redirect");
      redirectNode = Optional.empty();
    }
    HttpsRedirect redirect = redirectNode
        .map(n -> httpsRedirect(n, s.path("https_redirect"))).orElse(null);
    if (targets.size() != 1) {
      problems.error(targets.isEmpty() ? s.mark() : s.keyMarkOf(targets.get(1)), s.path(),
          Section.notExactlyOne(targets, "no destination", DESTINATIONS));
    } else if (targets.get(0).equals("https_redirect")) {
      // A redirect sends nothing to a pool: what only proxied requests use would be ignored.
      for (String key : s.present(RouteConfig.NOT_WITH_REDIRECT)) {
        problems.error(s.keyMarkOf(key), s.path(key), "set together with https_redirect"
            + " (expected: a route that redirects has only name, match, deny and"
            + " https_redirect: it sends nothing to a pool)");
      }
    } else if (targets.get(0).equals("pool")) {
      pool = pools.read(s, "pool");
    } else if (targets.get(0).equals("split")) {
      split = s.child("split").map(sp -> splits.split(sp, name == null ? "?" : name))
          .orElse(null);
    } else {
      split = s.child("blue_green").map(splits::blueGreen).orElse(null);
    }
    Optional<RetrySettings> retry = s.child("retries").map(retries);
    Optional<Duration> responseTimeout = s.child("timeouts").map(this::responseTimeout);
    HeaderOps requestHeaders = headers.headerOps(s, "request_headers", false);
    HeaderOps responseHeaders = headers.headerOps(s, "response_headers", true);
    Optional<PathRewrite> rewrite = s.child("rewrite").map(rewrites::rewrite);
    Optional<RouteConfig.MirrorConfig> mirror = s.child("mirror").map(this::mirror);
    String mode = s.get("affinity", Value.string("strict or soft", AFFINITY), null);
    AccessConfig access = new AccessReader(problems).read(s);
    List<io.ballast.proxy.ratelimit.RateLimitSpec> limits = new RateLimitReader(problems).read(s);
    Long maxBody = new LimitsReader(problems).route(s);
    s.rejectUnknown();
    if (problems.errorCount() != before) {
      return null;
    }
    String p = pool;
    RouteConfig.SplitConfig sp = split;
    RouteConfig route = problems.build(s.mark(), s.path(), () -> new RouteConfig(name, match,
        deny, p, sp, retry, responseTimeout, requestHeaders, responseHeaders, rewrite, mirror,
        Optional.ofNullable(mode).map("strict"::equals), Optional.ofNullable(redirect), access,
        limits, maxBody));
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

  private static boolean isFalse(YamlNode node) {
    return node instanceof YamlNode.ScalarNode scalar && Boolean.FALSE.equals(scalar.value());
  }

  /**
   * A route's {@code https_redirect}: {@code true} (port 443, status 301) or a mapping of
   * {@code port} and {@code status}; null after reporting why it is neither. ({@code false} is
   * taken as absent before this is called.)
   */
  private HttpsRedirect httpsRedirect(YamlNode node, String path) {
    if (node instanceof YamlNode.ScalarNode scalar && Boolean.TRUE.equals(scalar.value())) {
      return HttpsRedirect.DEFAULT;
    }
    if (!(node instanceof YamlNode.MapNode)) {
      problems.error(node.mark(), path, Value.wrongType(node, REDIRECT_EXPECTED));
      return null;
    }
    Section r = Section.of(node, path, problems).orElseThrow();
    int before = problems.errorCount();
    Integer port = r.get("port", Value.integer(1, 65535), HttpsRedirect.DEFAULT_PORT);
    Integer status = r.get("status", REDIRECT_STATUS, HttpsRedirect.DEFAULT_STATUS);
    r.rejectUnknown();
    if (problems.errorCount() != before) {
      return null;
    }
    return problems.build(r.mark(), path, () -> new HttpsRedirect(port, status));
  }

  /** A route's {@code timeouts}: only {@code response}, which it requires. */
  private Duration responseTimeout(Section t) {
    Duration d = t.require("response", Value.duration());
    t.rejectUnknown();
    if (d != null && d.isZero()) {
      problems.error(t.markOf("response"), t.path("response"), "0s (expected: > 0)");
    }
    return d;
  }

  private RouteConfig.MirrorConfig mirror(Section s) {
    int before = problems.errorCount();
    String pool = pools.read(s, "pool");
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
