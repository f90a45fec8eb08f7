package io.ballast.proxy.routing;

import io.ballast.core.retry.RetryPolicy;
import io.ballast.proxy.affinity.PoolAffinity;
import io.ballast.proxy.ratelimit.RateLimiter;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

/**
 * What routing made of one request: where it goes and everything its attempts need, worked out
 * once from the request as the client sent it (before any header changes). Protocol code reads
 * it; nothing decides twice.
 *
 * <p>Immutable; one per request, made by {@link Router#route}.
 *
 * @param facts what routing read of the request: method, host, normalised path, query, client
 * @param route the route that took the request, or null when none did
 * @param localStatus a status ballast answers with itself (404 no route, a deny rule's, an https
 *     redirect's), or 0
 * @param localReason why ballast answers itself, or null
 * @param location where ballast's own redirect points (its Location header), or null when the
 *     answer is no redirect
 * @param target the pool the request goes to (the split group's); null when answered locally
 * @param group the split group's name, or null when the route does not split
 * @param policy the retry policy of its attempts (the route's, or the pool's)
 * @param hashKey the key of hash-based pools, 0 for none
 * @param clientZone the client's "region/zone" when the pool is zone-aware and it is known
 * @param zoneIndex that zone's index in the pool's zone map, -1 when unknown
 * @param session the request's session in a sticky pool (its attempts pick through it), or null
 * @param localHeaders headers ballast's own answer carries besides its usual ones (a 429's
 *     Retry-After and RateLimit fields), or null
 */
public record RoutedRequest(RequestFacts facts, Route route, int localStatus, String localReason,
    String location, Route.Target target, String group, RetryPolicy policy, long hashKey,
    String clientZone, int zoneIndex, PoolAffinity.Session session, HttpHeaders localHeaders) {
  private static final AsciiString RATELIMIT_POLICY = AsciiString.cached("ratelimit-policy");
  private static final AsciiString RATELIMIT = AsciiString.cached("ratelimit");

  /**
   * A request ballast answers itself with a status: no route took it, a deny rule refused it, or
   * its route redirects and the request has no https URL to redirect to.
   */
  static RoutedRequest local(RequestFacts facts, Route route, int status, String reason) {
    return new RoutedRequest(facts, route, status, reason, null, null, null, null, 0L, null, -1,
        null, null);
  }

  /**
   * A request a rate limit of its route refused: 429 with {@code Retry-After} and the IETF
   * {@code RateLimit-Policy} and {@code RateLimit} fields.
   */
  static RoutedRequest limited(RequestFacts facts, Route route, RateLimiter.Refusal refusal) {
    HttpHeaders h = new DefaultHttpHeaders()
        .add(HttpHeaderNames.RETRY_AFTER, refusal.retryAfterSeconds())
        .add(RATELIMIT_POLICY, refusal.policyHeader())
        .add(RATELIMIT, refusal.limitHeader());
    return new RoutedRequest(facts, route, 429, "rate limit " + refusal.spec().name()
        + " of route " + route.name, null, null, null, null, 0L, null, -1, null, h);
  }

  /** A request ballast answers itself with a redirect to {@code location}. */
  static RoutedRequest redirect(RequestFacts facts, Route route, int status, String location,
      String reason) {
    return new RoutedRequest(facts, route, status, reason, location, null, null, null, 0L, null,
        -1, null, null);
  }

  /** True when ballast answers the request itself. */
  public boolean answeredLocally() {
    return localStatus != 0;
  }

  /** The largest request body the route takes, in bytes ({@link RouteSpec#NO_BODY_LIMIT}: any). */
  public long maxRequestBody() {
    return route == null ? RouteSpec.NO_BODY_LIMIT : route.spec.maxRequestBody();
  }

  /** The route's name, or null. */
  public String routeName() {
    return route == null ? null : route.name;
  }

  /** The target pool's name, or null. */
  public String poolName() {
    return target == null ? null : target.ref().name();
  }

  @Override
  public String toString() {
    return answeredLocally() ? "local " + localStatus + ": " + localReason
        + (location == null ? "" : " to " + location)
        : "route " + routeName() + " -> " + poolName() + (group == null ? "" : " (" + group + ")");
  }
}
