package io.ballast.server.config;

import io.ballast.core.retry.RetrySettings;
import io.ballast.proxy.client.HashKey;
import io.ballast.proxy.routing.DenyRule;
import io.ballast.proxy.routing.HeaderOps;
import io.ballast.proxy.routing.HttpsRedirect;
import io.ballast.proxy.routing.PathRewrite;
import io.ballast.proxy.routing.RouteMatch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One route of a listener, as configured: which requests it takes, which it refuses, the pool or
 * split they go to and what it changes on the way, or the https redirect it answers with
 * instead. Immutable.
 *
 * @param name unique within the listener; the {@code route} label of the metrics
 * @param match which requests the route takes
 * @param deny requests it refuses, in order
 * @param pool the pool's name, or null when {@code split} or {@code httpsRedirect} is set
 * @param split a split over several pools, or null when {@code pool} or {@code httpsRedirect}
 *     is set
 * @param retries the route's own retry settings, or empty for the pool's
 * @param responseTimeout the route's response timeout, or empty for {@code timeouts.response}
 * @param requestHeaders changes to requests
 * @param responseHeaders changes to responses
 * @param rewrite how the path changes, or empty
 * @param mirror where a share of the route's requests is copied, or empty
 * @param strictAffinity true: a session whose backend is gone gets 503 instead of moving; false:
 *     it moves; empty: the pool's {@code affinity.strict}
 * @param httpsRedirect the redirect to https every request the route takes (and does not deny)
 *     gets instead of going to a pool; empty for a route that proxies. A redirecting route has
 *     no pool, split, retries, timeouts, header changes, rewrite, mirror or affinity mode
 * @param access which client addresses the route serves; null for every one
 * @param rateLimits the route's own rate limits (its listener's come first)
 * @param maxRequestBody the route's request body limit in bytes ({@code limits.max_request_body};
 *     {@link io.ballast.proxy.routing.RouteSpec#NO_BODY_LIMIT} for {@code off}), or null for its
 *     listener's
 */
public record RouteConfig(String name, RouteMatch match, List<DenyRule> deny, String pool,
    SplitConfig split, Optional<RetrySettings> retries, Optional<Duration> responseTimeout,
    HeaderOps requestHeaders, HeaderOps responseHeaders, Optional<PathRewrite> rewrite,
    Optional<MirrorConfig> mirror, Optional<Boolean> strictAffinity,
    Optional<HttpsRedirect> httpsRedirect, AccessConfig access,
    List<io.ballast.proxy.ratelimit.RateLimitSpec> rateLimits, Long maxRequestBody) {
  /** What a route that redirects cannot have, as the file spells it. */
  public static final List<String> NOT_WITH_REDIRECT = List.of("retries", "timeouts", "rewrite",
      "request_headers", "response_headers", "mirror", "affinity", "limits");

  public RouteConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(match, "match");
    deny = List.copyOf(deny);
    rateLimits = rateLimits == null ? List.of() : List.copyOf(rateLimits);
    Objects.requireNonNull(retries, "retries");
    Objects.requireNonNull(responseTimeout, "responseTimeout");
    Objects.requireNonNull(requestHeaders, "requestHeaders");
    Objects.requireNonNull(responseHeaders, "responseHeaders");
    Objects.requireNonNull(rewrite, "rewrite");
    Objects.requireNonNull(mirror, "mirror");
    Objects.requireNonNull(strictAffinity, "strictAffinity");
    Objects.requireNonNull(httpsRedirect, "httpsRedirect");
    int destinations = (pool != null ? 1 : 0) + (split != null ? 1 : 0)
        + (httpsRedirect.isPresent() ? 1 : 0);
    if (destinations != 1) {
      throw new IllegalArgumentException("route " + name
          + ": pool, split, blue_green and https_redirect (expected: exactly one of them)");
    }
    if (httpsRedirect.isPresent() && (retries.isPresent() || responseTimeout.isPresent()
        || rewrite.isPresent() || !requestHeaders.isEmpty() || !responseHeaders.isEmpty()
        || mirror.isPresent() || strictAffinity.isPresent() || maxRequestBody != null)) {
      throw new IllegalArgumentException("route " + name + ": https_redirect with what only"
          + " proxied requests use (expected: none of " + String.join(", ", NOT_WITH_REDIRECT)
          + ")");
    }
  }

  /** A route whose request body limit is its listener's. */
  public RouteConfig(String name, RouteMatch match, List<DenyRule> deny, String pool,
      SplitConfig split, Optional<RetrySettings> retries, Optional<Duration> responseTimeout,
      HeaderOps requestHeaders, HeaderOps responseHeaders, Optional<PathRewrite> rewrite,
      Optional<MirrorConfig> mirror, Optional<Boolean> strictAffinity,
      Optional<HttpsRedirect> httpsRedirect, AccessConfig access,
      List<io.ballast.proxy.ratelimit.RateLimitSpec> rateLimits) {
    this(name, match, deny, pool, split, retries, responseTimeout, requestHeaders,
        responseHeaders, rewrite, mirror, strictAffinity, httpsRedirect, access, rateLimits, null);
  }

  /** A route that serves every client address. */
  public RouteConfig(String name, RouteMatch match, List<DenyRule> deny, String pool,
      SplitConfig split, Optional<RetrySettings> retries, Optional<Duration> responseTimeout,
      HeaderOps requestHeaders, HeaderOps responseHeaders, Optional<PathRewrite> rewrite,
      Optional<MirrorConfig> mirror, Optional<Boolean> strictAffinity,
      Optional<HttpsRedirect> httpsRedirect) {
    this(name, match, deny, pool, split, retries, responseTimeout, requestHeaders,
        responseHeaders, rewrite, mirror, strictAffinity, httpsRedirect, null, List.of());
  }

  /** A route that proxies: no https redirect. */
  public RouteConfig(String name, RouteMatch match, List<DenyRule> deny, String pool,
      SplitConfig split, Optional<RetrySettings> retries, Optional<Duration> responseTimeout,
      HeaderOps requestHeaders, HeaderOps responseHeaders, Optional<PathRewrite> rewrite,
      Optional<MirrorConfig> mirror, Optional<Boolean> strictAffinity) {
    this(name, match, deny, pool, split, retries, responseTimeout, requestHeaders,
        responseHeaders, rewrite, mirror, strictAffinity, Optional.empty());
  }

  /** A route that follows its pools' affinity default. */
  public RouteConfig(String name, RouteMatch match, List<DenyRule> deny, String pool,
      SplitConfig split, Optional<RetrySettings> retries, Optional<Duration> responseTimeout,
      HeaderOps requestHeaders, HeaderOps responseHeaders, Optional<PathRewrite> rewrite,
      Optional<MirrorConfig> mirror) {
    this(name, match, deny, pool, split, retries, responseTimeout, requestHeaders,
        responseHeaders, rewrite, mirror, Optional.empty());
  }

  /** A route taking everything to one pool. */
  public static RouteConfig toPool(String name, String pool) {
    return new RouteConfig(name, RouteMatch.ANY, List.of(), pool, null, Optional.empty(),
        Optional.empty(), HeaderOps.NONE, HeaderOps.NONE, Optional.empty(), Optional.empty());
  }

  /** The pools the route sends traffic to; none when it redirects. */
  public List<String> pools() {
    if (pool != null) {
      return List.of(pool);
    }
    if (split == null) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (SplitConfig.Group g : split.groups()) {
      out.add(g.pool());
    }
    return out;
  }

  /**
   * Copies of a share of the route's requests, sent to a shadow pool whose answers are thrown
   * away.
   *
   * @param pool the shadow pool's name
   * @param percent the share of requests copied, 0..100
   * @param maxBody a request with a larger body is not copied
   * @param timeout the whole copy, connect included
   * @param maxInFlight copies in flight at once per event loop; more are dropped
   */
  public record MirrorConfig(String pool, double percent, long maxBody, Duration timeout,
      int maxInFlight) {
    public static final double DEFAULT_PERCENT = 100;
    public static final int DEFAULT_MAX_BODY = 64 * 1024;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    public static final int DEFAULT_MAX_IN_FLIGHT = 100;

    public MirrorConfig {
      Objects.requireNonNull(pool, "pool");
      Objects.requireNonNull(timeout, "timeout");
    }
  }

  /**
   * A split of a route over pools.
   *
   * @param groups the groups in layout order (the canary last, see TrafficSplit)
   * @param userKey where the A/B user key comes from, or null to draw each request
   * @param forceHeader a request header naming a group, or null
   * @param forceCookie a cookie naming a group, or null
   * @param groupHeader the header that tells the backend its group, or null
   * @param blueGreen true when written as {@code blue_green} (one group active at a time)
   */
  public record SplitConfig(List<Group> groups, HashKey userKey, String forceHeader,
      String forceCookie, String groupHeader, boolean blueGreen) {
    public SplitConfig {
      groups = List.copyOf(groups);
      if (groups.size() < 2) {
        throw new IllegalArgumentException("groups: " + groups.size()
            + " (expected: at least 2)");
      }
    }

    /** One group: its name, pool and weight in percent. */
    public record Group(String name, String pool, double weight) {
      public Group {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(pool, "pool");
      }
    }
  }
}
