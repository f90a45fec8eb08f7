package io.ballast.server.config;

import io.ballast.core.affinity.AffinitySettings;
import io.ballast.core.pick.Algorithm;
import io.ballast.proxy.affinity.AffinitySpec;
import io.ballast.proxy.client.HashKey;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads a pool's {@code affinity} block: which strategy recognises a session (cookie, ip, header,
 * hash), the cookie's attributes and keys, the IP masks, the header and its fallback, the sticky
 * table's bounds, strict default, bounded load and rebalancing. Every error names the field and
 * its line; a key that is not base64 or not 16 or 32 bytes is pointed at in the list. Not
 * thread-safe: one load at a time.
 */
final class AffinityReader {
  private static final Map<String, AffinitySpec.Strategy> STRATEGIES = Map.of(
      "cookie", AffinitySpec.Strategy.COOKIE, "ip", AffinitySpec.Strategy.IP,
      "header", AffinitySpec.Strategy.HEADER, "hash", AffinitySpec.Strategy.HASH);
  private static final Pattern STRATEGY = Pattern.compile("cookie|ip|header|hash");
  private static final Pattern FALLBACK = Pattern.compile("cookie|ip|none");
  private static final Pattern SAME_SITE = Pattern.compile("(?i)strict|lax|none");
  private static final Pattern COOKIE_NAME = ForwardingConfig.TOKEN;
  private static final Pattern ATTRIBUTE = Pattern.compile("[!-~&&[^;,]]+");
  private static final Value<String> KEY = Value.textual(
      "a base64 AES key of 16 or 32 bytes (e.g. from: openssl rand -base64 32)", text -> {
        byte[] bytes;
        try {
          bytes = Base64.getDecoder().decode(text.strip());
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("not base64 (expected: a base64 AES key of 16 or 32"
              + " bytes, e.g. from: openssl rand -base64 32)");
        }
        if (bytes.length != 16 && bytes.length != 32) {
          throw new IllegalArgumentException(bytes.length + " bytes (expected: 16 or 32 bytes,"
              + " e.g. from: openssl rand -base64 32)");
        }
        return text.strip();
      });

  private final Problems problems;

  AffinityReader(Problems problems) {
    this.problems = problems;
  }

  /** The block of a pool balanced by {@code algorithm}; null after reporting errors. */
  AffinitySpec affinity(Section s, Algorithm algorithm) {
    int before = problems.errorCount();
    String by = s.require("by", Value.string("cookie, ip, header or hash", STRATEGY));
    AffinitySpec.Strategy strategy = by == null ? null : STRATEGIES.get(by);
    String header = strategy == AffinitySpec.Strategy.HEADER
        ? s.require("header", Value.string("a header name such as X-Tenant-Id",
            ForwardingConfig.TOKEN))
        : notSet(s, "header", "only with by: header", null);
    String fallbackName = strategy == AffinitySpec.Strategy.HEADER
        ? s.get("fallback", Value.string("cookie, ip or none", FALLBACK), "none")
        : notSet(s, "fallback", "only with by: header", null);
    AffinitySpec.Strategy fallback = fallbackName == null || fallbackName.equals("none")
        ? null : STRATEGIES.get(fallbackName);
    boolean wantsCookie = strategy == AffinitySpec.Strategy.COOKIE
        || fallback == AffinitySpec.Strategy.COOKIE;
    AffinitySpec.Cookie cookie = null;
    if (wantsCookie) {
      cookie = s.optional("cookie").flatMap(n -> Section.of(n, s.path("cookie"), problems))
          .map(this::cookie).orElse(null);
      if (s.optional("cookie").isEmpty()) {
        problems.error(s.mark(), s.path("cookie"), "missing (expected: a cookie block with at"
            + " least keys: [a base64 key of 16 or 32 bytes])");
      }
    } else {
      notSet(s, "cookie", "only with by: cookie, or by: header with fallback: cookie", null);
    }
    boolean usesIp = strategy == AffinitySpec.Strategy.IP || fallback == AffinitySpec.Strategy.IP;
    HashKey.ClientIp ip = usesIp
        ? s.optional("client_ip").flatMap(n -> Section.of(n, s.path("client_ip"), problems))
            .map(this::clientIp).orElse(AffinitySpec.DEFAULT_CLIENT_IP)
        : notSet(s, "client_ip", "only with by: ip, or by: header with fallback: ip",
            AffinitySpec.DEFAULT_CLIENT_IP);
    boolean usesTable = strategy == AffinitySpec.Strategy.IP
        || strategy == AffinitySpec.Strategy.HEADER;
    long[] size = {AffinitySpec.DEFAULT_TABLE_SIZE};
    Duration[] idle = {AffinitySpec.DEFAULT_TABLE_IDLE};
    if (usesTable) {
      s.optional("table").flatMap(n -> Section.of(n, s.path("table"), problems)).ifPresent(t -> {
        Integer n = t.get("size", Value.integer(1, 100_000_000), (int) size[0]);
        Duration d = t.get("idle", Value.duration(), idle[0]);
        t.rejectUnknown();
        if (d != null && d.isZero()) {
          problems.error(t.markOf("idle"), t.path("idle"), "0s (expected: > 0)");
        }
        size[0] = n == null ? size[0] : n;
        idle[0] = d == null ? idle[0] : d;
      });
    } else {
      notSet(s, "table", "only with by: ip or header, whose sessions live in a table", null);
    }
    Boolean strict = s.get("strict", Value.bool(), false);
    Double boundedLoad = s.get("bounded_load", Value.decimal(1.0001, 100),
        AffinitySettings.DEFAULT_BOUNDED_LOAD);
    AffinitySettings.Rebalance rebalance = s.optional("rebalance")
        .flatMap(n -> Section.of(n, s.path("rebalance"), problems)).map(this::rebalance)
        .orElse(AffinitySettings.Rebalance.DEFAULTS);
    if (strategy == AffinitySpec.Strategy.HASH) {
      if (algorithm != null && !algorithm.hashBased()) {
        problems.error(s.markOf("by"), s.path("by"), "hash, but the pool's algorithm is "
            + algorithm + " (expected: algorithm ring-hash, maglev or bounded-load-hash, whose"
            + " ring or table keeps each key on its backend)");
      }
      if (Boolean.TRUE.equals(strict)) {
        problems.error(s.markOf("strict"), s.path("strict"), "true, but by: hash remembers no pin"
            + " to refuse on (expected: strict only with by: cookie, ip or header)");
      }
    }
    s.rejectUnknown();
    if (problems.errorCount() != before) {
      return null;
    }
    AffinitySpec.Cookie c = cookie;
    return problems.build(s.mark(), s.path(), () -> new AffinitySpec(strategy, c, ip, header,
        fallback, size[0], idle[0],
        new AffinitySettings(boundedLoad, strict, rebalance)));
  }

  /** Reports {@code key} as misplaced when set; returns {@code value}. */
  private <T> T notSet(Section s, String key, String expected, T value) {
    if (s.optional(key).isPresent()) {
      problems.error(s.keyMarkOf(key), s.path(key), "set, but not used here (expected: "
          + expected + ")");
    }
    return value;
  }

  private AffinitySpec.Cookie cookie(Section c) {
    int before = problems.errorCount();
    String name = c.get("name", Value.string("a cookie name (letters, digits and"
        + " !#$%&'*+.^_`|~-)", COOKIE_NAME), AffinitySpec.Cookie.DEFAULT_NAME);
    String path = c.get("path", Value.string("a path without spaces, ';' or ','", ATTRIBUTE), "/");
    String domain = c.get("domain", Value.string("a domain such as example.com", ATTRIBUTE),
        null);
    Boolean secure = c.get("secure", Value.bool(), false);
    Boolean httpOnly = c.get("http_only", Value.bool(), true);
    String sameSite = c.get("same_site", Value.string("strict, lax or none", SAME_SITE), "lax");
    Duration maxAge = c.get("max_age", Value.duration(), null);
    List<String> keys = c.require("keys", Value.list(KEY, 1));
    if (maxAge != null && maxAge.getSeconds() < 1) {
      problems.error(c.markOf("max_age"), c.path("max_age"), maxAge.toMillis() + " ms (expected:"
          + " at least 1s, or leave it out for a cookie that lives until the browser closes)");
    }
    if (sameSite != null && sameSite.equalsIgnoreCase("none") && Boolean.FALSE.equals(secure)) {
      problems.error(c.markOf("same_site"), c.path("same_site"), "none, but secure is false"
          + " (expected: secure: true with same_site: none; browsers drop such cookies)");
    }
    c.rejectUnknown();
    if (problems.errorCount() != before) {
      return null;
    }
    String site = sameSite.substring(0, 1).toUpperCase(Locale.ROOT)
        + sameSite.substring(1).toLowerCase(Locale.ROOT);
    return problems.build(c.mark(), c.path(), () -> new AffinitySpec.Cookie(name, path, domain,
        secure, httpOnly, site, maxAge, keys));
  }

  private HashKey.ClientIp clientIp(Section s) {
    Integer v4 = s.get("ipv4_prefix", Value.integer(0, 32),
        AffinitySpec.DEFAULT_CLIENT_IP.ipv4Prefix());
    Integer v6 = s.get("ipv6_prefix", Value.integer(0, 128),
        AffinitySpec.DEFAULT_CLIENT_IP.ipv6Prefix());
    s.rejectUnknown();
    return v4 == null || v6 == null ? AffinitySpec.DEFAULT_CLIENT_IP : new HashKey.ClientIp(v4, v6);
  }

  private AffinitySettings.Rebalance rebalance(Section s) {
    AffinitySettings.Rebalance d = AffinitySettings.Rebalance.DEFAULTS;
    Boolean enabled = s.get("enabled", Value.bool(), true);
    Double above = s.get("above", Value.decimal(1.0001, 1000), d.above());
    Duration after = s.get("after", Value.duration(), d.after());
    Integer step = s.get("step", Value.percentIn(1, 100), (int) Math.round(d.step() * 100));
    Integer maxShare = s.get("max_share", Value.percentIn(1, 100),
        (int) Math.round(d.maxShare() * 100));
    Duration interval = s.get("interval", Value.duration(), d.interval());
    s.rejectUnknown();
    if (enabled == null || above == null || after == null || step == null || maxShare == null
        || interval == null) {
      return d;
    }
    return Optional.ofNullable(problems.build(s.mark(), s.path(),
        () -> new AffinitySettings.Rebalance(enabled, above, after, step / 100.0,
            maxShare / 100.0, interval))).orElse(d);
  }
}
