package io.ballast.proxy.http1;

import io.ballast.core.attempt.Attempts;
import io.ballast.proxy.ListenerContext;
import io.ballast.proxy.routing.RequestRewrite;
import io.ballast.proxy.routing.RoutedRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;

/**
 * What a routed request takes on its way to a backend, before its first attempt: the attempt
 * protocol learns what kind of request it is (a WebSocket handshake is never replayed, a gRPC
 * call is retried by gRPC's rules, a safe request without a body may have a copy probe a shunned
 * backend beside it), and the head gets its forwarding fields, the WebSocket fields of a
 * handshake and the route's rewrite. Stateless; event-loop only (it changes the head).
 */
final class Outbound {
  private Outbound() {}

  /**
   * Starts {@code r}'s attempts for {@code req}.
   *
   * @param bodiless the request has no body and its head is all of it
   */
  static void start(Attempts attempts, RoutedRequest r, HttpRequest req, String method,
      boolean upgrade, boolean grpcCall, boolean bodiless) {
    attempts.start(r.target().ref().pool(), r.policy(), r.session(), method, r.hashKey(),
        r.zoneIndex());
    if (upgrade) {
      // A handshake opens a session: a backend that got it may have begun one.
      attempts.notIdempotent();
    } else if (grpcCall) {
      attempts.grpcCall();
    } else if (bodiless
        && (HttpMethod.GET.equals(req.method()) || HttpMethod.HEAD.equals(req.method()))) {
      // Safe and bodiless: a copy of it may probe a shunned backend beside it (UpstreamLeg).
      attempts.mayProbeAside();
    }
  }

  /** Rewrites {@code req} for its backend; returns the request id it carries now. */
  static String rewrite(ListenerContext listener, ExchangeClient client, HttpRequest req,
      RoutedRequest r, boolean upgrade, boolean chunked) {
    String requestId = listener.rewriter().prepareRequest(req, client.address(), client.tls(),
        chunked);
    if (upgrade) {
      WebSocketUpgrade.forward(req.headers());
    }
    RequestRewrite.apply(req, r, requestId);
    return requestId;
  }
}
