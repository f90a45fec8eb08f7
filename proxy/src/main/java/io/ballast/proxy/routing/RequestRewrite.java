package io.ballast.proxy.routing;

import io.ballast.core.Backend;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;

/**
 * A route's changes to the request on its way to the backend (the normalised or rewritten path,
 * the split group's header, the configured header changes) and to the response on its way back.
 * Forwarding and request-id headers are {@link HeaderRewriter}'s, applied before.
 *
 * <p>Stateless; event-loop threads only touch their own request.
 */
public final class RequestRewrite {
  private RequestRewrite() {}

  /** Rewrites {@code req} as {@code routed}'s route says; {@code requestId} for templates. */
  public static void apply(HttpRequest req, RoutedRequest routed, String requestId) {
    RequestFacts facts = routed.facts();
    Route route = routed.route();
    RouteSpec spec = route.spec;
    String path = spec.rewrite() == null ? facts.path() : spec.rewrite().apply(facts.path());
    if (!path.equals(facts.rawPath())) {
      req.setUri(facts.query() == null ? path : path + '?' + facts.query());
    }
    if (route.groupHeader() != null) {
      req.headers().set(route.groupHeader(), routed.group());
    }
    if (!spec.requestHeaders().isEmpty()) {
      spec.requestHeaders().apply(req.headers(), values(routed, requestId, null));
    }
  }

  /** Changes the response of {@code backend} as the route says. */
  public static void response(HttpResponse response, RoutedRequest routed, String requestId,
      Backend backend) {
    HeaderOps changes = routed.route().spec.responseHeaders();
    if (!changes.isEmpty()) {
      changes.apply(response.headers(), values(routed, requestId, backend));
    }
  }

  private static HeaderOps.Values values(RoutedRequest routed, String requestId,
      Backend answered) {
    return new HeaderOps.Values(routed.facts().clientIp(), requestId, routed.routeName(),
        routed.group(), routed.poolName(), answered == null ? null : answered.name());
  }
}
