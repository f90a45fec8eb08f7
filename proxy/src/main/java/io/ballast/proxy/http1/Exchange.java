package io.ballast.proxy.http1;

import io.ballast.core.Backend;
import io.ballast.core.Ticker;
import io.ballast.core.attempt.Attempts;
import io.ballast.proxy.ListenerContext;
import io.ballast.proxy.affinity.PoolAffinity;
import io.ballast.proxy.grpc.GrpcCall;
import io.ballast.proxy.routing.RequestRewrite;
import io.ballast.proxy.routing.RoutedRequest;
import io.ballast.proxy.routing.Router;
import io.ballast.proxy.shed.Admission;
import io.ballast.proxy.tunnel.TunnelSummary;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * The client side of one request, from its head to the last response byte: the
 * {@link Router} says where it goes (or that ballast answers itself), the attempt protocol
 * ({@link Attempts}) runs its attempts through the {@link UpstreamLeg}, which owns the backend
 * side, and this class relays the answer to the client with backpressure both ways, answers with
 * ballast's own status when the protocol gives up, and writes one {@link RequestLog} at the end
 * ({@link RequestRecord}).
 *
 * <p>A WebSocket upgrade ({@link WebSocketUpgrade}) is routed and attempted like any request, but
 * never sent to a second backend once one got it. When its backend answers 101, both connections
 * become a tunnel ({@link Switchover}) and the request ends when the tunnel does: its log line
 * carries the bytes that crossed the tunnel and the tunnel's whole life.
 *
 * <p>The client is an HTTP/1.1 connection or an HTTP/2 stream ({@link ExchangeClient}); the answer
 * goes to its {@link ClientSide}. One instance per HTTP/1.1 connection, reused for each request
 * on it (with its attempts, body and record), so a request that is not retried allocates little
 * beyond its routing; one per HTTP/2 stream. Event-loop only.
 */
public final class Exchange {
  private final ExchangeClient client;
  private final ListenerContext listener;
  private final ClientSide side;
  private final Router router;
  private final Attempts attempts;
  private final UpstreamLeg leg;
  private final RequestIn in;
  private final RequestRecord record = new RequestRecord();
  private final GrpcCall grpc = new GrpcCall();
  private final ClientTerms terms = new ClientTerms();
  private final ResponseOut out;
  private final Admission admission;

  /** Requests begun on the connection (HTTP/1.1: one exchange serves them all). */
  private int requests;

  // Per request; reset by startRequest().
  private HttpRequest request;
  private RoutedRequest routed;
  private boolean done = true;
  private boolean responseStarted;
  private boolean closeClient;
  /** The request asked for a WebSocket upgrade that ballast may tunnel. */
  private boolean upgrade;
  /** The connections are a tunnel: the tunnel ends the request. */
  private boolean tunnelling;

  /**
   * {@code deadlines}: the response deadlines of an HTTP/2 connection's streams, when the client
   * is one of them; null for an HTTP/1.1 connection.
   */
  public Exchange(ExchangeClient client, ListenerContext listener, UpstreamPool upstreams,
      Deadlines deadlines) {
    this.client = client;
    this.listener = listener;
    this.side = client.side();
    this.router = new Router(listener, client.address());
    this.attempts = new Attempts(Ticker.SYSTEM, listener.attemptListener());
    this.leg = new UpstreamLeg(this, listener, side, upstreams, attempts, deadlines);
    this.in = new RequestIn(this, listener, client, leg, attempts, record, deadlines != null);
    this.out = new ResponseOut(side);
    this.admission = new Admission(side.eventLoop(), this::send, this::refuse);
  }

  // ---- state seen by ClientHandler and the leg

  public boolean done() {
    return done;
  }

  /** The request's gRPC call (when it is one). */
  GrpcCall grpc() {
    return grpc;
  }

  public boolean requestComplete() {
    return in.complete();
  }

  /** True while the client may send more of the request: connected and the backend keeps up. */
  public boolean acceptsRequestData() {
    return in.complete() || local() || leg.writable();
  }

  /** True while the exchange waits on the client (not on ballast or the backend). */
  public boolean waitingOnClient() {
    return !done && !in.complete() && acceptsRequestData();
  }

  private boolean local() {
    RoutedRequest r = routed;
    return r != null && r.answeredLocally();
  }

  // ---- the request

  /** What every request starts from, served or refused. */
  private void startRequest(HttpRequest req, boolean decoded) {
    done = false;
    request = req;
    routed = null;
    in.reset();
    responseStarted = false;
    terms.reset();
    closeClient = false;
    upgrade = false;
    record.start(req, decoded, client.protocol(req));
    listener.requestStarted();
  }

  public void begin(HttpRequest req) {
    startRequest(req, true);
    if (++requests >= listener.limits().maxRequestsPerConnection() && !client.closing()
        && !"HTTP/2.0".equals(record.protocol())) {
      // The connection's last request (its HTTP/2 streams are counted by their connection).
      client.drain();
      listener.observer().onConnectionRequestLimit(listener.name());
    }
    terms.begin(req);
    upgrade = client.upgradeRequested(req);
    grpc.begin(req);
    boolean chunked = HttpUtil.isTransferEncodingChunked(req);
    long contentLength = chunked ? -1 : HttpUtil.getContentLength(req, 0L);
    RoutedRequest r = router.route(req, record.startSeconds(), client.tls());
    routed = r;
    RequestChecks.Rejection tooLarge = in.start(r.maxRequestBody(), contentLength,
        listener.settings().clientLimits(), !grpc.isCall());
    if (r.answeredLocally()) {
      // Ballast answers itself. A request without a body is read to its end first, so the
      // connection stays open for the next one; one with a body is answered at once and the
      // connection closes rather than read a body nobody wants.
      record.error = r.localReason();
      if (contentLength != 0) {
        answerLocally(r);
      }
      return;
    }
    if (tooLarge != null) {
      in.refuse(tooLarge);
      return;
    }
    if (grpc.remainingNanos() <= 0) {
      answer(504, "grpc deadline exceeded before the call was sent", null, null);
      return;
    }
    boolean bodiless = contentLength == 0 && client.headIsWholeRequest();
    Outbound.start(attempts, r, req, record.method(), upgrade, grpc.isCall(), bodiless);
    record.requestId = Outbound.rewrite(listener, client, req, r, upgrade, chunked);
    // After the rewrite: the mirror copies the head as the backend gets it.
    in.toBackend(r, req, contentLength, upgrade, bodiless && !upgrade);
    // A WebSocket session is not load the limit measures: it would hold a place for its life.
    Admission.Verdict v = upgrade ? Admission.Verdict.ADMITTED : admission.admit(r, req.headers());
    if (v == Admission.Verdict.ADMITTED) {
      send();
    } else if (v == Admission.Verdict.REFUSED) {
      refuse();
    } // else it waits for a place, its body kept (no backend takes it, so reading pauses)
  }

  /** Shed: 503 with Retry-After: 1; a gRPC call gets UNAVAILABLE. */
  private void refuse() {
    answer(503, admission.refusal(), null, null);
  }

  /** The admitted request goes to its first attempt. */
  private void send() {
    leg.start(request, routed, upgrade);
    // Hold the client until a backend connection takes the body.
    client.updateReading();
    leg.connectNext();
  }

  /**
   * Checks {@code req}'s head before routing (RFC 9110/9112 rules a proxy enforces): when it is
   * refused, it is counted and logged, the client is told ({@link ExchangeClient#refusing}), the
   * answer written and the request ended; returns true then.
   */
  public boolean refused(HttpRequest req) {
    RequestChecks.Rejection rejection = RequestChecks.check(req, side.connection().localAddress());
    if (rejection == null) {
      return false;
    }
    RefusalLog.refused(listener, client.address().ip(), rejection);
    client.refusing();
    // The answer is written and the connection closes.
    startRequest(req, req.decoderResult().isSuccess());
    record.error = rejection.reason();
    record.status = rejection.status();
    closeClient = true;
    request = null;
    ReferenceCountUtil.release(req);
    if (side.isActive()) {
      side.writeAndFlush(Responses.error(record.status, true,
          listener.rewriter().requestIdHeader(), null));
    }
    end();
    return true;
  }

  public void onRequestContent(HttpContent c) {
    if (local()) {
      boolean last = c instanceof LastHttpContent;
      boolean broken = c.decoderResult().isFailure();
      c.release();
      if (last || broken) {
        in.completeLocally(last && !broken);
        answerLocally(routed);
      }
      return;
    }
    in.content(c);
  }

  /** The HTTP/2 connection's periodic look at the request body of its stream. */
  public void checkBody(long now) {
    in.checkBody(now);
  }

  /** The end of a read of the client: what it wrote upstream goes out. */
  public void flushUpstream() {
    in.readEnded();
  }

  /** A backend connection took the request: the client may send its body now. */
  void attached() {
    in.flowChanged();
    terms.continueIfExpected(side, in.complete());
    client.updateReading();
  }

  // ---- the response

  /** The final response head of {@code backend}, to relay. */
  void respond(HttpResponse response, Backend backend) {
    int code = response.status().code();
    if (upgrade && code / 100 == 2 && client.extendedConnect()) {
      // On HTTP/2 a 2xx to a WebSocket handshake means the tunnel is open (RFC 8441); a
      // backend that served it as a plain request opened none.
      ReferenceCountUtil.release(response);
      fail(502, "backend answered the websocket handshake with " + code + ", not 101");
      return;
    }
    responseStarted = true;
    record.status = code;
    admission.responded();
    boolean close = terms.closeAfter(in.complete(), client.closing() || listener.draining());
    closeClient = listener.rewriter().prepareResponse(
        response, terms.version(), terms.bodiless(code), close, record.requestId);
    routeAndSession(response, backend);
    out.head(grpc.head(response));
  }

  /** The route's response changes and the session's (an affinity cookie), on any answer. */
  private void routeAndSession(HttpResponse response, Backend backend) {
    RequestRewrite.response(response, routed, record.requestId, backend);
    PoolAffinity.Session session = routed.session();
    if (session != null) {
      session.affinity().answered(session, backend, response.headers(), record.startSeconds());
    }
  }

  /**
   * {@code backend} agreed to the WebSocket upgrade: its 101 goes to the client and the two
   * connections become a tunnel. The request ends when the tunnel does ({@link #tunnelClosed}).
   */
  void switchProtocols(HttpResponse response, Backend backend, UpstreamHandler upstream) {
    responseStarted = true;
    tunnelling = true;
    closeClient = true;
    record.status = response.status().code();
    WebSocketUpgrade.prepareSwitch(
        response, listener.rewriter().requestIdHeader(), record.requestId);
    routeAndSession(response, backend);
    HttpRequest req = request;
    request = null;
    ReferenceCountUtil.release(req);
    Switchover.open(this, client, upstream, listener, routed.poolName(), response);
  }

  /** The tunnel closed: the request ends with what crossed it. */
  void tunnelClosed(TunnelSummary summary) {
    tunnelling = false;
    record.bytesIn = summary.bytesFromClient();
    record.bytesOut = summary.bytesFromBackend();
    record.error = summary.end().problem();
    end();
  }

  /** A 1xx before the final response ({@link Responses#relayInformational}). */
  void relayInformational(HttpResponse response, int code) {
    terms.informational(side, response, code);
  }

  /**
   * A chunk of the response body; {@code last} ends the exchange. Returns false when the client
   * cannot take more now (the leg stops reading the backend until it can).
   */
  boolean relay(HttpContent c, boolean last) {
    if (grpc.headWasAll()) {
      // The head was the whole answer; what the backend sent after it has no place.
      c.release();
      if (last) {
        side.flush();
        end();
      }
      return true;
    }
    record.bytesOut += c.content().readableBytes();
    if (last) {
      grpc.last((LastHttpContent) c);
    }
    out.content(c, last);
    if (last) {
      out.flush();
      end();
      return true;
    }
    return side.isWritable();
  }

  void flushClient() {
    out.flush();
  }

  public void onClientWritabilityChanged() {
    if (side.isWritable()) {
      leg.clientWritable();
    }
  }

  void upstreamWritabilityChanged() {
    in.flowChanged();
    client.updateReading();
  }

  // ---- endings

  /** Answers with a status of ballast's own (502, 503, 504, 400, 404, ...) and ends. */
  void fail(int code, String reason) {
    answer(code, reason, null, null);
  }

  /** The request cannot go on: ballast's answer, or the close once a response began. */
  void stop(int code, String reason) {
    if (responseStarted) {
      abort(reason);
    } else {
      fail(code, reason);
    }
  }

  /** Ballast's own answer as routing decided it: an error status, or a redirect. */
  private void answerLocally(RoutedRequest r) {
    answer(r.localStatus(), r.localReason(), r.location(), r.localHeaders());
  }

  /**
   * Writes ballast's own answer and ends: a redirect to {@code location}, or (null) the status
   * with its short text. The connection closes after it on the same terms as after a relayed
   * response.
   */
  private void answer(int code, String reason, String location, HttpHeaders headers) {
    record.error = reason;
    record.status = code;
    attempts.abandoned();
    leg.drop();
    boolean close = terms.closeAfter(in.complete(), client.closing() || listener.draining());
    closeClient = close;
    if (side.isActive()) {
      record.status = Responses.local(side, grpc, code, reason, location, headers, close,
          listener.rewriter().requestIdHeader(), record.requestId);
    }
    end();
  }

  /** The response already started and cannot be completed: the client sees a truncated one. */
  void abort(String reason) {
    record.error = reason;
    attempts.abandoned();
    leg.drop();
    closeClient = true;
    out.flush();
    side.close();
    end();
  }

  /** The client went away. */
  public void onClientClosed() {
    if (done || tunnelling) {
      // A tunnel hears the close itself and ends the request.
      return;
    }
    if (record.error == null) {
      record.error = "client closed the connection";
    }
    attempts.abandoned();
    leg.drop();
    closeClient = true;
    end();
  }

  private void end() {
    done = true;
    out.writePending();
    in.end();
    HttpRequest req = request;
    if (req != null) {
      request = null;
      ReferenceCountUtil.release(req);
    }
    admission.end();
    listener.requestEnded();
    record.grpcStatus = grpc.status();
    record.report(listener, client.address(), client.tls(), routed, attempts);
    client.onExchangeEnd(closeClient);
  }
}
