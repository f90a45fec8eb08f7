package io.ballast.proxy.routing;

import io.ballast.core.retry.RetryPolicy;
import io.ballast.proxy.client.AccessList;
import io.ballast.proxy.mirror.Mirror;
import io.ballast.proxy.ratelimit.RateLimiter;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One route of a listener: which requests it takes, which it refuses, where the rest go (one pool
 * or a split over several) and what it changes on the way, or, instead of a pool, the https
 * redirect it answers with. A listener tries its routes in order; the first that matches takes
 * the request. Immutable.
 *
 * @param name unique within the listener; the {@code route} label of the metrics
 * @param match which requests the route takes
 * @param deny requests it refuses itself, tried in order before any pool is picked
 * @param pool where requests go, or null when {@code split} or {@code httpsRedirect} is set
 * @param split a split over several pools, or null when {@code pool} or {@code httpsRedirect} is
 *     set
 * @param retry the route's own retry policy (and budget), or null for the pool's
 * @param responseTimeout the route's response timeout, or null for the listener's
 * @param requestHeaders changes to the request before it goes to the backend
 * @param responseHeaders changes to the response before it goes to the client
 * @param rewrite how the path changes, or null to keep it
 * @param mirror where a share of the route's requests is copied, or null
 * @param strictAffinity for pools with session affinity: true answers 503 rather than move a
 *     session whose backend is gone, false moves it; null takes the pool's default
 * @param httpsRedirect the redirect every request the route takes (and does not deny) gets
 *     instead of being proxied, or null; a redirecting route has no pool, split, retry, timeout,
 *     header change, rewrite, mirror or affinity mode, since it sends nothing anywhere
 * @param access which client addresses the route serves (others get 403), or null for every one
 * @param rateLimits the route's rate limits (its listener's first), each a token taken per
 *     request in order; the first that has none refuses it with 429
 * @param maxRequestBody the largest request body the route takes, in bytes: a Content-Length
 *     above it gets 413 before any backend is picked, a body that grows past it while it streams
 *     is cut ({@link #NO_BODY_LIMIT}: none)
 */
public record RouteSpec(String name, RouteMatch match, List<DenyRule> deny, PoolRef pool,
    SplitSpec split, RetryPolicy retry, Duration responseTimeout, HeaderOps requestHeaders,
    HeaderOps responseHeaders, PathRewrite rewrite, Mirror mirror, Boolean strictAffinity,
    HttpsRedirect httpsRedirect, AccessList access, List<RateLimiter> rateLimits,
    long maxRequestBody) {
  /** No limit on a request body's size. */
  public static final long NO_BODY_LIMIT = Long.MAX_VALUE;

  public RouteSpec {
    rateLimits = rateLimits == null ? List.of() : List.copyOf(rateLimits);
    if (maxRequestBody < 0) {
      throw new IllegalArgumentException("maxRequestBody: " + maxRequestBody
          + " (expected: >= 0, or NO_BODY_LIMIT)");
    }
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(match, "match");
    deny = List.copyOf(deny);
    int destinations = (pool != null ? 1 : 0) + (split != null ? 1 : 0)
        + (httpsRedirect != null ? 1 : 0);
    if (destinations != 1) {
      throw new IllegalArgumentException("route " + name
          + ": pool, split and httpsRedirect (expected: exactly one of them)");
    }
    if (responseTimeout != null && (responseTimeout.isNegative() || responseTimeout.isZero())) {
      throw new IllegalArgumentException("responseTimeout: " + responseTimeout
          + " (expected: > 0)");
    }
    Objects.requireNonNull(requestHeaders, "requestHeaders");
    Objects.requireNonNull(responseHeaders, "responseHeaders");
    if (requestHeaders.usesBackend()) {
      throw new IllegalArgumentException("requestHeaders: ${backend} (expected: only in response"
          + " headers: the backend is not known before the request is sent)");
    }
    if (httpsRedirect != null && (retry != null || responseTimeout != null
        || !requestHeaders.isEmpty() || !responseHeaders.isEmpty()
        || rewrite != null || mirror != null || strictAffinity != null)) {
      throw new IllegalArgumentException("route " + name + ": httpsRedirect with what applies"
          + " to proxied requests only (expected: no retry, timeout, header change, rewrite,"
          + " mirror or affinity mode on a redirecting route)");
    }
  }

  /** A route without a body limit. */
  public RouteSpec(String name, RouteMatch match, List<DenyRule> deny, PoolRef pool,
      SplitSpec split, RetryPolicy retry, Duration responseTimeout, HeaderOps requestHeaders,
      HeaderOps responseHeaders, PathRewrite rewrite, Mirror mirror, Boolean strictAffinity,
      HttpsRedirect httpsRedirect, AccessList access, List<RateLimiter> rateLimits) {
    this(name, match, deny, pool, split, retry, responseTimeout, requestHeaders, responseHeaders,
        rewrite, mirror, strictAffinity, httpsRedirect, access, rateLimits, NO_BODY_LIMIT);
  }

  /** This route with {@code bytes} as its request body limit. */
  public RouteSpec withMaxRequestBody(long bytes) {
    return new RouteSpec(name, match, deny, pool, split, retry, responseTimeout, requestHeaders,
        responseHeaders, rewrite, mirror, strictAffinity, httpsRedirect, access, rateLimits,
        bytes);
  }

  /** A route that serves every client address. */
  public RouteSpec(String name, RouteMatch match, List<DenyRule> deny, PoolRef pool,
      SplitSpec split, RetryPolicy retry, Duration responseTimeout, HeaderOps requestHeaders,
      HeaderOps responseHeaders, PathRewrite rewrite, Mirror mirror, Boolean strictAffinity,
      HttpsRedirect httpsRedirect) {
    this(name, match, deny, pool, split, retry, responseTimeout, requestHeaders, responseHeaders,
        rewrite, mirror, strictAffinity, httpsRedirect, null, List.of());
  }

  /** A route that proxies (no https redirect). */
  public RouteSpec(String name, RouteMatch match, List<DenyRule> deny, PoolRef pool,
      SplitSpec split, RetryPolicy retry, Duration responseTimeout, HeaderOps requestHeaders,
      HeaderOps responseHeaders, PathRewrite rewrite, Mirror mirror, Boolean strictAffinity) {
    this(name, match, deny, pool, split, retry, responseTimeout, requestHeaders, responseHeaders,
        rewrite, mirror, strictAffinity, null);
  }

  /** A route whose sessions follow their pool's affinity default. */
  public RouteSpec(String name, RouteMatch match, List<DenyRule> deny, PoolRef pool,
      SplitSpec split, RetryPolicy retry, Duration responseTimeout, HeaderOps requestHeaders,
      HeaderOps responseHeaders, PathRewrite rewrite, Mirror mirror) {
    this(name, match, deny, pool, split, retry, responseTimeout, requestHeaders, responseHeaders,
        rewrite, mirror, null);
  }

  /** A route that copies nothing to a shadow pool. */
  public RouteSpec(String name, RouteMatch match, List<DenyRule> deny, PoolRef pool,
      SplitSpec split, RetryPolicy retry, Duration responseTimeout, HeaderOps requestHeaders,
      HeaderOps responseHeaders, PathRewrite rewrite) {
    this(name, match, deny, pool, split, retry, responseTimeout, requestHeaders, responseHeaders,
        rewrite, null);
  }

  /** A route answering the requests it takes (and does not deny) with an https redirect. */
  public static RouteSpec redirect(String name, RouteMatch match, List<DenyRule> deny,
      HttpsRedirect redirect) {
    return new RouteSpec(name, match, deny, null, null, null, null, HeaderOps.NONE,
        HeaderOps.NONE, null, null, null, Objects.requireNonNull(redirect, "redirect"));
  }

  /** A route taking every request to one pool, changing nothing. */
  public static RouteSpec toPool(String name, PoolRef pool) {
    return new RouteSpec(name, RouteMatch.ANY, List.of(), pool, null, null, null, HeaderOps.NONE,
        HeaderOps.NONE, null);
  }
}
