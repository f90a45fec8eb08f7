package io.ballast.proxy.http1;

import io.ballast.core.attempt.Attempts;
import io.ballast.proxy.ListenerContext;
import io.ballast.proxy.ProxyServer;
import io.ballast.proxy.RequestLog;
import io.ballast.proxy.client.ClientAddress;
import io.ballast.proxy.tls.ClientTls;
import io.ballast.proxy.routing.RoutedRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;

/**
 * What the access log and the metrics learn of one request, gathered while it runs and turned
 * into one {@link RequestLog} when it ends.
 *
 * <p>Event-loop only; one per client connection, reused for each request.
 */
final class RequestRecord {
  private long startNanos;
  private long startMillis;
  private String method;
  private String uri;
  private String host;
  private String protocol;
  String requestId;
  /** The status sent to the client; 0 when none was. */
  int status;
  /** Why ballast answered itself or the exchange broke; null when nothing went wrong. */
  String error;
  long bytesIn;
  long bytesOut;
  /** The gRPC status the client got (in trailers or a trailers-only head); -1 when none. */
  int grpcStatus;

  /** A request head arrived; {@code decoded} false for one that failed to parse. */
  /** The protocol the client spoke ("HTTP/1.1", "HTTP/2.0"). */
  String protocol() {
    return protocol;
  }

  void start(HttpRequest req, boolean decoded, String protocol) {
    this.protocol = protocol;
    startNanos = System.nanoTime();
    startMillis = System.currentTimeMillis();
    method = req.method().name();
    uri = req.uri();
    host = decoded ? req.headers().get(HttpHeaderNames.HOST) : null;
    requestId = null;
    status = 0;
    error = null;
    bytesIn = 0;
    bytesOut = 0;
    grpcStatus = -1;
  }

  String method() {
    return method;
  }

  /** Wall-clock seconds at the start, for session expiry. */
  long startSeconds() {
    return startMillis / 1000;
  }

  /**
   * Hands the request's log line to {@code listener}'s observer (metrics, access log); an
   * observer's failure is logged and goes no further: the connection goes on.
   */
  void report(ListenerContext listener, ClientAddress client, ClientTls tls,
      RoutedRequest routed, Attempts attempts) {
    try {
      listener.observer().onRequestComplete(build(listener.name(), client, tls, routed, attempts));
    } catch (RuntimeException e) {
      ProxyServer.LOG.warn("observer failed on request completion", e);
    }
  }

  /**
   * The request's log line: its route, group and pool from {@code routed} (null when it was
   * refused before routing), its attempts from {@code attempts} (null when none was made).
   */
  RequestLog build(String listener, ClientAddress client, ClientTls tls, RoutedRequest routed,
      Attempts attempts) {
    boolean sent = routed != null && !routed.answeredLocally() && attempts != null;
    int count = sent ? attempts.count() : 0;
    return new RequestLog(startMillis, client.ip(), method, uri, host, listener,
        sent ? routed.poolName() : null, sent ? attempts.reached() : null, status,
        System.nanoTime() - startNanos, bytesIn, bytesOut, requestId, count, error,
        count > 1 ? attempts.backendsTried() : null, count > 0 ? attempts.lastDecision() : null,
        routed != null ? routed.routeName() : null, routed != null ? routed.group() : null,
        sent ? routed.clientZone() : null, tls, protocol, grpcStatus);
  }
}
