package io.ballast.proxy.http1;

import io.ballast.core.Backend;
import io.ballast.core.attempt.Attempts;
import io.ballast.core.retry.AttemptFailure;
import io.ballast.proxy.ListenerContext;
import io.ballast.proxy.routing.RoutedRequest;
import io.ballast.proxy.signals.LoadReportReader;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * The backend side of a request's HTTP/1.1 relay: a pooled or new connection, or a stream of an
 * HTTP/2 connection when the pool speaks HTTP/2 ({@link UpstreamDialer}), for each attempt
 * the attempt protocol ({@link Attempts}) starts, the request head and body written to it, the
 * response timeout, and the response read back and handed to the {@link Exchange}, which owns the
 * client side. Every transport event becomes one call into the protocol, and its verdict is
 * obeyed: the next attempt, or the exchange's answer.
 *
 * <p>For a WebSocket upgrade, a 101 that switches to websocket ends the attempt as an answer (the
 * handshake's latency is what the backend's load and outlier tracker learn, not the tunnel's
 * life) and hands the connection to the exchange for the tunnel; any other answer is relayed as
 * usual. A 101 to a request that asked for no upgrade breaks the attempt.
 *
 * <p>One per client connection, reused for each request. Event-loop only: the backend channel
 * lives on the client channel's loop.
 */
final class UpstreamLeg {
  private final Exchange exchange;
  private final ListenerContext listener;
  private final UpstreamPool upstreams;
  private final Attempts attempts;
  private final RequestBody body;
  private final ResponseTimer responseTimer;
  private final UpstreamDialer dialer;

  // Per request.
  private HttpRequest request;
  private RoutedRequest routed;
  /** The client's response has begun: what the backend sends now is relayed, never retried. */
  private boolean responseStarted;
  /** Reading the body of a 1xx response. */
  private boolean informational;
  private boolean reusable;
  /** The request asked for a WebSocket upgrade. */
  private boolean upgrade;
  /** The backend's 101, until its end is read and the connection switches. */
  private HttpResponse switching;

  // Per attempt.
  private Upstream upstream;
  private boolean headWritten;
  private boolean requestSent;
  private long sentNanos;
  /** The client's connection (an HTTP/2 client's, for its streams). */
  private final io.netty.channel.Channel clientConnection;

  UpstreamLeg(Exchange exchange, ListenerContext listener, ClientSide client, UpstreamPool upstreams,
      Attempts attempts, Deadlines deadlines) {
    this.exchange = exchange;
    this.listener = listener;
    this.upstreams = upstreams;
    this.attempts = attempts;
    this.body = new RequestBody();
    this.responseTimer = new ResponseTimer(client, deadlines, this::onTimeout);
    this.dialer = new UpstreamDialer(this, upstreams, client.connection());
    this.clientConnection = client.connection();
  }

  RequestBody body() {
    return body;
  }

  /**
   * A request to relay; its attempts start with {@link #connectNext()}. {@code upgrade}: it asks
   * for a WebSocket upgrade, which a 101 may accept.
   */
  void start(HttpRequest req, RoutedRequest r, boolean upgrade) {
    request = req;
    routed = r;
    this.upgrade = upgrade;
    responseStarted = false;
    informational = false;
    reusable = false;
    switching = null;
    upstream = null;
    dialer.cancel();
  }

  /** The request ended (answered, failed or abandoned). */
  boolean done() {
    return exchange.done();
  }

  /** The backend connection or stream that has the request now, or null between attempts. */
  Upstream upstream() {
    return upstream;
  }

  /** True when a backend connection or stream takes request bytes now. */
  boolean writable() {
    Upstream u = upstream;
    return u != null && u.isWritable();
  }

  /**
   * The next attempt: a channel to the backend the protocol picks (a pooled or new connection,
   * or a stream of one, as the pool speaks: {@link UpstreamDialer}).
   */
  void connectNext() {
    Backend b = attempts.next();
    if (b == null) {
      exchange.fail(attempts.failStatus(), attempts.reason());
      return;
    }
    Backend probe = attempts.takeProbe();
    if (probe != null) {
      // auto tests a backend it shuns with a copy of this request; nobody waits for it.
      listener.asideProbes().send(clientConnection, routed.target().ref(), probe, request);
    }
    headWritten = false;
    requestSent = false;
    dialer.dial(b, routed.target().ref());
  }

  /** No channel to the attempt's backend could be made: {@code why}, in a few words. */
  void connectFailed(String why) {
    retryOrFail(attempts.connectFailed(why));
  }

  /** After a failed attempt: the next one when the protocol retries, else the answer. */
  private void retryOrFail(boolean retry) {
    if (retry) {
      connectNext();
    } else {
      exchange.fail(attempts.failStatus(), attempts.reason());
    }
  }

  /**
   * The attempt has its connection, new or pooled: either is a connection established, for the
   * outlier tracker as for Envoy's (a local-origin success resets a run of local-origin
   * failures, which requests on kept-alive connections must be able to end too).
   */
  void attach(Upstream u) {
    upstream = u;
    u.owner(this);
    attempts.connected();
    attempts.sending();
    sentNanos = System.nanoTime();
    body.writeHead(u, request);
    body.replay(u, attempts);
    u.flush();
    exchange.attached();
  }

  /** The request's head went to {@code u} ({@code ok}) or could not. */
  void onHeadWritten(Upstream u, boolean ok) {
    if (ok && u == upstream) {
      headWritten = true;
    }
  }

  /** The request's last part went to {@code u} ({@code ok}) or could not. */
  void onRequestSent(Upstream u, boolean ok) {
    if (exchange.done() || u != upstream || !ok) {
      // A failed write closes the backend connection or stream; onClosed handles it.
      return;
    }
    requestSent = true;
    if (!responseStarted) {
      // The attempt now waits for its response: the response timeout, or the per-try timeout
      // (cut to what is left of the overall one) when that is shorter.
      // A gRPC call's deadline bounds the wait too.
      responseTimer.arm(Math.min(Math.min(
          routed.route().responseTimeoutNanos(listener.settings().responseTimeout().toNanos()),
          attempts.attemptTimeoutNanos()), Math.max(0, exchange.grpc().remainingNanos())));
    }
  }

  private void onTimeout() {
    if (exchange.done() || responseStarted || upstream == null) {
      return;
    }
    String why = "no response from " + attempts.backend().name() + " within "
        + (System.nanoTime() - sentNanos) / 1_000_000 + " ms";
    drop();
    retryOrFail(attempts.failed(AttemptFailure.PER_TRY_TIMEOUT, why));
  }

  // ---- the response

  /** A response object from the backend connection {@code u} (its owner is this leg). */
  void onRead(Upstream u, HttpObject msg) {
    if (msg instanceof HttpResponse response) {
      onHead(u, response);
      return;
    }
    HttpContent c = (HttpContent) msg;
    if (switching != null) {
      // The end of the 101 (it has no body): the connection is the tunnel's from here.
      c.release();
      switchProtocols(u);
      return;
    }
    if (informational) {
      informational = !(c instanceof LastHttpContent);
      c.release();
      return;
    }
    if (c.decoderResult().isFailure()) {
      c.release();
      broken("malformed response body from backend");
      return;
    }
    boolean last = c instanceof LastHttpContent;
    if (last) {
      // A call judged at its end: by the status in its trailers.
      attempts.completed(exchange.grpc().judgeEnd((LastHttpContent) c));
      responseTimer.disarm();
      upstream = null;
      u.responseDone(reusable && exchange.requestComplete() && requestSent);
    }
    if (!exchange.relay(c, last) && !last) {
      u.pauseReading();
    }
  }

  private void onHead(Upstream u, HttpResponse response) {
    if (response.decoderResult().isFailure()) {
      ReferenceCountUtil.release(response);
      broken("malformed response from backend");
      return;
    }
    int code = response.status().code();
    if (code == 101) {
      onSwitch(u, response);
      return;
    }
    if (code < 200) {
      informational = true;
      exchange.relayInformational(response, code);
      return;
    }
    responseTimer.disarm();
    Backend backend = attempts.backend();
    readLoadReport(backend, response);
    // A gRPC call is judged by its status: here in a trailers-only answer (and retried as its
    // HTTP equivalent), else in its trailers, at the end.
    int judged = exchange.grpc().judge(code, response.headers());
    if (judged < 0) {
      attempts.answeredUntilEnd(code);
    } else if (attempts.answered(judged)) {
      // Dropped for a retry on another backend: this connection reads the rest of it and goes
      // back to the pool, and the request goes there.
      upstream = null;
      body.detached();
      u.discardRest(HttpUtil.isKeepAlive(response) && exchange.requestComplete() && requestSent);
      ReferenceCountUtil.release(response);
      connectNext();
      return;
    }
    responseStarted = true;
    reusable = HttpUtil.isKeepAlive(response);
    exchange.respond(response, backend);
  }

  /** Before a retry can drop an answer: its load report is the backend's, whatever its status. */
  private void readLoadReport(Backend backend, HttpResponse response) {
    LoadReportReader loadReports = routed.target().loadReports();
    if (loadReports != null) {
      loadReports.read(backend, response.headers());
    }
  }

  /**
   * A 101: the switch the request asked for, whose end follows (it has no body), or a broken
   * backend (nothing asked for a switch, or to another protocol than websocket).
   */
  private void onSwitch(Upstream u, HttpResponse response) {
    if (!upgrade || !WebSocketUpgrade.accepted(response) || !(u instanceof UpstreamHandler)) {
      String to = response.headers().get(HttpHeaderNames.UPGRADE);
      ReferenceCountUtil.release(response);
      broken(upgrade ? "101 to " + (to == null ? "no protocol" : "'" + to + "'")
          + " for a websocket upgrade" : "unexpected 101 from backend");
      return;
    }
    responseTimer.disarm();
    readLoadReport(attempts.backend(), response);
    // Never retried: a 101 is no retryable status (those are 400 to 599).
    attempts.answered(101);
    responseStarted = true;
    switching = response;
  }

  /**
   * The handshake is done: the attempt ends now, as an answer (how long the backend took to
   * agree is its latency; the tunnel's life is not), and the connection leaves the leg, never
   * to return to its pool.
   */
  private void switchProtocols(Upstream u) {
    HttpResponse head = switching;
    switching = null;
    Backend backend = attempts.backend();
    attempts.completed();
    upstream = null;
    u.owner(null);
    exchange.switchProtocols(head, backend, (UpstreamHandler) u);
  }

  void onClosed(Upstream u) {
    if (upstream != u) {
      return;
    }
    upstream = null;
    String failure = u.failure();
    broken(failure != null ? failure
        : responseStarted ? "backend closed the connection mid-response"
        : "backend closed the connection", u.notProcessed());
  }

  /**
   * The backend sent nothing for longer than the read timeout. Only a response that has begun
   * is cut here; the wait for its head is the response timeout's.
   */
  void onStalled(Upstream u, long idleMillis) {
    if (upstream == u && responseStarted) {
      broken("backend sent nothing for " + idleMillis + " ms mid-response", false);
    }
  }

  private void broken(String reason) {
    broken(reason, false);
  }

  /**
   * The backend broke the attempt. Before any response byte reached the client it is a failed
   * attempt (retried as the protocol says, else 502; as never sent when the request was not
   * written, or the backend said it did not process it: {@code notProcessed}); after, the
   * client sees a truncated response.
   */
  private void broken(String reason, boolean notProcessed) {
    Backend b = attempts.backend();
    if (responseStarted) {
      attempts.broken(b.name() + ": " + reason);
      exchange.abort(reason);
      return;
    }
    boolean sent = headWritten && !notProcessed;
    drop();
    retryOrFail(attempts.failed(
        sent ? AttemptFailure.RESET_AFTER_SENT : AttemptFailure.RESET_BEFORE_SENT,
        b.name() + ": " + reason));
  }

  // ---- flow control

  void flush() {
    Upstream u = upstream;
    if (u != null) {
      u.flush();
    }
  }

  void flushClient() {
    exchange.flushClient();
  }

  /** The client can take more: read the backend again. */
  void clientWritable() {
    Upstream u = upstream;
    if (u != null) {
      u.resume();
    }
  }

  void upstreamWritabilityChanged() {
    exchange.upstreamWritabilityChanged();
  }

  /** The request ends without its response: any connection of the attempt closes. */
  void drop() {
    responseTimer.disarm();
    dialer.cancel();
    Upstream u = upstream;
    upstream = null;
    body.detached();
    if (u != null) {
      u.close();
    }
  }
}
