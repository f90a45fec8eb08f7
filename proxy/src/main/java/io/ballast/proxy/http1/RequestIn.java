package io.ballast.proxy.http1;

import io.ballast.core.attempt.Attempts;
import io.ballast.proxy.ListenerContext;
import io.ballast.proxy.ProxySettings.ClientLimits;
import io.ballast.proxy.routing.RoutedRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * A request's body on its way in, from the client's reads to the attempt's backend connection:
 * held to its limits ({@link BodyGuard}), copied for the route's mirror ({@link MirrorTap}), kept
 * for retries while it is small and written to the connection that has the request
 * ({@link RequestBody}), and its end told to the attempt protocol. A part that breaks a limit or
 * arrives malformed goes no further: the exchange refuses the request.
 *
 * <p>Event-loop only; one per exchange, set again for each request.
 */
final class RequestIn {
  private final Exchange exchange;
  private final ListenerContext listener;
  private final ExchangeClient client;
  private final UpstreamLeg leg;
  private final Attempts attempts;
  private final RequestRecord record;
  private final RequestBody body;
  private final BodyGuard guard;
  private final MirrorTap tap = new MirrorTap();
  /** The last part arrived (or, for ballast's own answer, was read). */
  private boolean complete;

  /** {@code ticked}: the client's HTTP/2 connection looks at the body ({@link #checkBody}). */
  RequestIn(Exchange exchange, ListenerContext listener, ExchangeClient client, UpstreamLeg leg,
      Attempts attempts, RequestRecord record, boolean ticked) {
    this.exchange = exchange;
    this.listener = listener;
    this.client = client;
    this.leg = leg;
    this.attempts = attempts;
    this.record = record;
    this.body = leg.body();
    this.guard = new BodyGuard(this, exchange, client.side(), ticked);
  }

  /** A new request, or one refused before its body: nothing of it has arrived. */
  void reset() {
    complete = false;
  }

  /**
   * A routed request whose body may have {@code max} bytes ({@code paced} unless its pace is its
   * application's); returns the refusal when its {@code contentLength} is more.
   */
  RequestChecks.Rejection start(long max, long contentLength, ClientLimits limits,
      boolean paced) {
    return guard.start(max, contentLength, limits, paced);
  }

  /**
   * The request goes to a backend: its body is kept for retries as its policy says, and copied
   * when its route mirrors (never a WebSocket handshake: a shadow pool gets none). {@code
   * bodiless}: its head says it has no body, so it goes out whole with its head.
   */
  void toBackend(RoutedRequest r, HttpRequest req, long contentLength, boolean upgrade,
      boolean bodiless) {
    body.start(r.policy().bufferWholeBody(contentLength), r.policy().settings().maxBufferedBody(),
        bodiless);
    if (!upgrade) {
      tap.start(r.route().spec.mirror(), req, contentLength, client.side().connection());
    }
  }

  boolean complete() {
    return complete;
  }

  /**
   * The last part of a request ballast answers itself was read and thrown away ({@code whole})
   * or turned out malformed.
   */
  void completeLocally(boolean whole) {
    complete = whole;
  }

  /** One part of the body of a request that goes to a backend. */
  void content(HttpContent c) {
    int n = c.content().readableBytes();
    RequestChecks.Rejection over = guard.add(n);
    if (over != null || c.decoderResult().isFailure()) {
      c.release();
      if (over != null) {
        refuse(over);
      } else {
        exchange.stop(400, "malformed request body: " + c.decoderResult().cause().getMessage());
      }
      return;
    }
    record.bytesIn += n;
    boolean last = c instanceof LastHttpContent;
    tap.copy(c, n, last, client.side().connection());
    if (last) {
      complete = true;
      attempts.requestReceived();
    }
    Upstream up = leg.upstream();
    body.add(c, up, attempts);
    if (!last && up != null && !up.isWritable()) {
      client.updateReading();
    }
  }

  /** The HTTP/2 connection's periodic look at the body pending at {@code now}. */
  void checkBody(long now) {
    guard.look(now);
  }

  /** The end of a read of the client: what it wrote upstream goes out; the pace is noted. */
  void readEnded() {
    leg.flush();
    guard.readEnded();
  }

  /** Reading the client stopped or resumed for the backend's sake (its pace starts again). */
  void flowChanged() {
    guard.restart();
  }

  /**
   * The body broke a limit ({@link BodyGuard}): counted and logged as a refusal, answered (413,
   * 408) or, once a response began, cut. The backend side goes (its connection closes, its stream
   * is reset), so no backend sees the request whole; it is not retried, and not mirrored (a copy
   * goes only once a body arrived whole).
   */
  void refuse(RequestChecks.Rejection r) {
    RefusalLog.refused(listener, client.address().ip(), r);
    exchange.stop(r.status(), r.reason());
  }

  /** The request ended: what was kept for retries and the mirror's copy go. */
  void end() {
    tap.drop();
    body.release();
  }
}
