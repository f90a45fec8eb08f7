package io.ballast.server.config;

import io.ballast.proxy.client.Cidr;
import io.ballast.proxy.client.CidrSet;
import io.ballast.proxy.ratelimit.RateLimitSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a {@code rate_limits} list (a listener's or a route's): each limit's {@code name}, what it
 * counts by ({@code by: client | header | global}, with {@code header} for {@code header}), its
 * {@code rate} ("100/s", "600/m", "10000/h"), {@code burst} (one period's worth by default),
 * {@code exempt} networks and {@code max_keys}. Not thread-safe: one load at a time.
 */
final class RateLimitReader {
  /** Buckets kept per limit by default: a few MiB at most. */
  static final int DEFAULT_MAX_KEYS = 100_000;
  static final int MAX_KEYS = 10_000_000;

  private static final Pattern RATE = Pattern.compile("([1-9][0-9]{0,8})\\s*/\\s*([smh])");
  private static final Map<String, RateLimitSpec.Key> KEYS = Map.of(
      "client", RateLimitSpec.Key.CLIENT, "header", RateLimitSpec.Key.HEADER,
      "global", RateLimitSpec.Key.GLOBAL);
  private static final Value<String> HEADER =
      Value.string("a header name", Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+"));
  private static final Value<List<Cidr>> NETWORKS = Value.networks(0);

  private final Problems problems;

  RateLimitReader(Problems problems) {
    this.problems = problems;
  }

  /** The {@code rate_limits} of {@code owner}: empty without one; null after reporting errors. */
  List<RateLimitSpec> read(Section owner) {
    Optional<YamlNode> node = owner.optional("rate_limits");
    if (node.isEmpty()) {
      return List.of();
    }
    int before = problems.errorCount();
    List<RateLimitSpec> out = new ArrayList<>();
    Map<String, Mark> names = new LinkedHashMap<>();
    for (Section s : Section.items(node.get(), owner.path("rate_limits"),
        "a list of rate limits", problems)) {
      String name = s.require("name", Names.VALUE);
      Names.unique(problems, s, name, names, "rate limit");
      RateLimitSpec.Key key = s.get("by", Value.choice("client, header or global", KEYS),
          RateLimitSpec.Key.CLIENT);
      String header = s.get("header", HEADER, null);
      long[] rate = s.require("rate", Value.textual(
          "a rate such as \"100/s\", \"600/m\" or \"10000/h\"", RateLimitReader::rate));
      Integer burst = s.get("burst", Value.integer(1, 1_000_000_000), null);
      List<Cidr> exempt = s.get("exempt", NETWORKS, List.of());
      Integer maxKeys = s.get("max_keys", Value.integer(1, MAX_KEYS), DEFAULT_MAX_KEYS);
      s.rejectUnknown();
      if (key == RateLimitSpec.Key.HEADER && header == null && s.optional("header").isEmpty()) {
        problems.error(s.markOf("by"), s.path("by"), "header, but no header field (expected: the"
            + " header to count by, such as header: X-Api-Key)");
      } else if (key != null && key != RateLimitSpec.Key.HEADER && header != null) {
        problems.error(s.markOf("header"), s.path("header"), "set with by: "
            + key.name().toLowerCase(java.util.Locale.ROOT)
            + " (expected: header only with by: header)");
      }
      if (problems.errorCount() != before) {
        continue;
      }
      long tokens = rate[0];
      Duration period = Duration.ofSeconds(rate[1]);
      RateLimitSpec spec = problems.build(s.mark(), s.path(), () -> new RateLimitSpec(name, key,
          key == RateLimitSpec.Key.HEADER ? header : null, tokens, period,
          burst == null ? tokens : burst, new CidrSet(exempt), maxKeys));
      if (spec != null) {
        out.add(spec);
      }
    }
    return problems.errorCount() == before ? List.copyOf(out) : null;
  }

  /** "100/s": {100, 1}; "600/m": {600, 60}; "10000/h": {10000, 3600}. */
  private static long[] rate(String text) {
    Matcher m = RATE.matcher(text.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + text + "' is not a rate (expected: a rate such as"
          + " \"100/s\", \"600/m\" or \"10000/h\")");
    }
    long seconds = switch (m.group(2)) {
      case "s" -> 1;
      case "m" -> 60;
      default -> 3600;
    };
    return new long[] {Long.parseLong(m.group(1)), seconds};
  }
}
