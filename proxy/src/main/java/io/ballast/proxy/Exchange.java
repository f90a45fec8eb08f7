package io.ballast.proxy;

import io.ballast.core.Backend;
import io.ballast.core.attempt.Attempts;
import io.ballast.core.retry.AttemptFailure;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.net.ConnectException;

/**
 * The HTTP/1.1 relay of one client connection's exchanges, from a request head to the last
 * response byte: it asks the {@link Router} where the request goes, lets the attempt protocol
 * ({@link Attempts}) pick, decide and account for every attempt, and moves the bytes: a pooled or
 * new backend connection per attempt, the request (its body kept for retries by
 * {@link RequestBody}), the response back to the client with backpressure both ways, and one
 * {@link RequestLog} at the end ({@link RequestRecord}).
 *
 * <p>One instance per client connection, reused for each request on it (its attempts, body and
 * record too), so a request that is not retried allocates little beyond its routing. Event-loop
 * only: it runs on the client channel's loop, and so does the backend channel it uses.
 *
 * <p>Bytes of one response never answer another request: a response is read to its end before
 * its connection is released, and {@link UpstreamHandler} keeps a connection out of the pool
 * when the backend sent anything it was not asked for.
 */
final class Exchange {
  private final ClientHandler client;
  private final ListenerContext listener;
  private final Channel channel;
  private final UpstreamPool upstreams;
  private final Router router;
  private final Attempts attempts;
  private final RequestBody body;
  private final MirrorTap tap = new MirrorTap();
  private final RequestRecord record = new RequestRecord();
  private final ChannelFutureListener connectListener = this::onConnected;
  private final ChannelFutureListener headListener = this::onHeadWritten;
  private final ResponseTimer responseTimer;

  // Per request; reset by begin().
  private HttpRequest request;
  private RoutedRequest routed;
  private HttpVersion clientVersion;
  private boolean clientKeepAlive;
  private boolean headRequest;
  private boolean expectContinue;
  private boolean continueSent;
  private boolean done = true;
  private boolean requestComplete;
  private boolean responseStarted;
  /** Reading the body of a 1xx response that is not relayed. */
  private boolean informational;
  private boolean upstreamReusable;
  private boolean closeClient;

  // Per attempt.
  private UpstreamHandler upstream;
  private Channel connecting;
  private boolean headWritten;
  private boolean requestSent;
  private long sentNanos;

  Exchange(ClientHandler client, ListenerContext listener, Channel channel, UpstreamPool upstreams) {
    this.client = client;
    this.listener = listener;
    this.channel = channel;
    this.upstreams = upstreams;
    this.router = new Router(listener, client.address());
    this.attempts = new Attempts(io.ballast.core.Ticker.SYSTEM, listener.attemptListener());
    this.body = new RequestBody(this::onRequestSent);
    this.responseTimer = new ResponseTimer(channel, this::onTimeout);
  }

  // ---- state seen by ClientHandler

  boolean done() {
    return done;
  }

  boolean requestComplete() {
    return requestComplete;
  }

  /** True while the client may send more of the request: connected and the backend keeps up. */
  boolean acceptsRequestData() {
    if (requestComplete || local()) {
      return true;
    }
    UpstreamHandler u = upstream;
    return u != null && u.channel().isWritable();
  }

  /** True while the exchange waits on the client (not on ballast or the backend). */
  boolean waitingOnClient() {
    return !done && !requestComplete && acceptsRequestData();
  }

  private boolean local() {
    RoutedRequest r = routed;
    return r != null && r.answeredLocally();
  }

  // ---- request side

  /** What every request starts from, served or refused. */
  private void startRequest(HttpRequest req, boolean decoded) {
    done = false;
    request = req;
    routed = null;
    requestComplete = false;
    responseStarted = false;
    informational = false;
    upstreamReusable = false;
    continueSent = false;
    closeClient = false;
    upstream = null;
    connecting = null;
    headWritten = false;
    requestSent = false;
    record.start(req, decoded);
    listener.server().requestStarted();
  }

  void begin(HttpRequest req) {
    startRequest(req, true);
    clientVersion = req.protocolVersion();
    clientKeepAlive = HttpUtil.isKeepAlive(req);
    headRequest = HttpMethod.HEAD.equals(req.method());
    expectContinue = RequestChecks.expectsContinue(req);
    boolean chunked = HttpUtil.isTransferEncodingChunked(req);
    long contentLength = chunked ? -1 : HttpUtil.getContentLength(req, 0L);
    RoutedRequest r = router.route(req, record.startSeconds());
    routed = r;
    if (r.answeredLocally()) {
      answerLocally(r, contentLength);
      return;
    }
    attempts.start(r.target().ref().pool(), r.policy(), r.session(), record.method(),
        r.hashKey(), r.zoneIndex());
    body.start(r.policy().bufferWholeBody(contentLength), r.policy().settings().maxBufferedBody());
    record.requestId = listener.rewriter().prepareRequest(req, client.address(), chunked);
    RequestRewrite.apply(req, r, record.requestId);
    tap.start(r.route().spec.mirror(), req, contentLength, channel);
    // Hold the client until a backend connection takes the body.
    client.updateReading();
    connectNext();
  }

  /**
   * Ballast answers the request itself (no route, or a deny rule). A request without a body is
   * read to its end first, so the connection stays open for the next one; a request with a body
   * is answered at once and the connection closes rather than read a body nobody wants.
   */
  private void answerLocally(RoutedRequest r, long contentLength) {
    record.error = r.localReason();
    if (contentLength != 0) {
      fail(r.localStatus(), r.localReason());
    }
  }

  /** A request refused before routing: the answer is written and the connection closes. */
  void reject(HttpRequest req, RequestChecks.Rejection rejection) {
    startRequest(req, req.decoderResult().isSuccess());
    record.error = rejection.reason();
    record.status = rejection.status();
    closeClient = true;
    request = null;
    ReferenceCountUtil.release(req);
    if (channel.isActive()) {
      channel.writeAndFlush(Responses.error(record.status, true,
          listener.rewriter().requestIdHeader(), null));
    }
    end();
  }

  void onRequestContent(HttpContent c) {
    if (local()) {
      boolean last = c instanceof LastHttpContent;
      boolean broken = c.decoderResult().isFailure();
      c.release();
      if (last || broken) {
        requestComplete = last && !broken;
        fail(routed.localStatus(), routed.localReason());
      }
      return;
    }
    if (c.decoderResult().isFailure()) {
      c.release();
      requestBroken("malformed request body: " + c.decoderResult().cause().getMessage());
      return;
    }
    int n = c.content().readableBytes();
    record.bytesIn += n;
    boolean last = c instanceof LastHttpContent;
    tap.copy(c, n, last, channel);
    if (last) {
      requestComplete = true;
      attempts.requestReceived();
    }
    UpstreamHandler u = upstream;
    body.add(c, u == null ? null : u.channel(), attempts);
    if (!last && u != null && !u.channel().isWritable()) {
      client.updateReading();
    }
  }

  void flushUpstream() {
    UpstreamHandler u = upstream;
    if (u != null) {
      u.channel().flush();
    }
  }

  private void requestBroken(String reason) {
    if (!responseStarted) {
      fail(400, reason);
    } else {
      abort(reason);
    }
  }

  // ---- attempts: the protocol decides, the relay connects

  /** The next attempt: a pooled or new connection to the backend the protocol picks. */
  private void connectNext() {
    Backend b = attempts.next();
    if (b == null) {
      fail(attempts.failStatus(), attempts.reason());
      return;
    }
    headWritten = false;
    requestSent = false;
    BackendConnections.Entry<UpstreamHandler> entry = upstreams.entry(b);
    UpstreamHandler idle = entry.pollIdle();
    if (idle != null) {
      attach(idle);
      return;
    }
    ChannelFuture f = entry.connect();
    connecting = f.channel();
    f.addListener(connectListener);
  }

  /** After a failed attempt: the next one when the protocol retries, else its answer. */
  private void retryOrFail(boolean retry) {
    if (retry) {
      connectNext();
    } else {
      fail(attempts.failStatus(), attempts.reason());
    }
  }

  private void onConnected(ChannelFuture f) {
    Channel ch = f.channel();
    if (ch != connecting || done) {
      // The exchange ended meanwhile; a fresh connection still serves the next request.
      if (f.isSuccess()) {
        UpstreamHandler h = (UpstreamHandler) ch.pipeline().last();
        h.entry.release(h);
      }
      return;
    }
    connecting = null;
    if (f.isSuccess()) {
      attempts.connected();
      attach((UpstreamHandler) ch.pipeline().last());
      return;
    }
    retryOrFail(attempts.connectFailed(describe(f.cause())));
  }

  private static String describe(Throwable cause) {
    if (cause instanceof ConnectTimeoutException) {
      return "connect timeout";
    }
    if (cause instanceof ConnectException) {
      return "connect refused";
    }
    return cause == null ? "connect failed" : cause.getClass().getSimpleName();
  }

  private void attach(UpstreamHandler u) {
    upstream = u;
    u.owner(this);
    Channel up = u.channel();
    attempts.sending();
    sentNanos = System.nanoTime();
    up.write(request).addListener(headListener);
    body.replay(up, attempts);
    up.flush();
    if (expectContinue && !requestComplete && !continueSent) {
      continueSent = true;
      channel.writeAndFlush(new DefaultFullHttpResponse(
          HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER));
    }
    client.updateReading();
  }

  private void onHeadWritten(ChannelFuture f) {
    UpstreamHandler u = upstream;
    if (f.isSuccess() && u != null && f.channel() == u.channel()) {
      headWritten = true;
    }
  }

  private void onRequestSent(ChannelFuture f) {
    UpstreamHandler u = upstream;
    if (done || u == null || f.channel() != u.channel() || !f.isSuccess()) {
      // A failed write closes the backend channel; onUpstreamClosed handles it.
      return;
    }
    requestSent = true;
    if (!responseStarted) {
      // The attempt now waits for its response: the response timeout, or the per-try timeout
      // (cut to what is left of the overall one) when that is shorter.
      responseTimer.arm(Math.min(
          routed.route().responseTimeoutNanos(listener.settings().responseTimeout().toNanos()),
          attempts.attemptTimeoutNanos()));
    }
  }

  private void onTimeout() {
    if (done || responseStarted || upstream == null) {
      return;
    }
    Backend b = attempts.backend();
    String why = "no response from " + b.name() + " within "
        + (System.nanoTime() - sentNanos) / 1_000_000 + " ms";
    dropUpstream();
    retryOrFail(attempts.failed(AttemptFailure.PER_TRY_TIMEOUT, why));
  }

  // ---- response side

  void onUpstreamRead(UpstreamHandler u, HttpObject msg) {
    if (msg instanceof HttpResponse response) {
      onResponseHead(u, response);
      return;
    }
    HttpContent c = (HttpContent) msg;
    if (informational) {
      informational = !(c instanceof LastHttpContent);
      c.release();
      return;
    }
    if (c.decoderResult().isFailure()) {
      c.release();
      upstreamBroken("malformed response body from backend");
      return;
    }
    record.bytesOut += c.content().readableBytes();
    channel.write(c, channel.voidPromise());
    if (c instanceof LastHttpContent) {
      attempts.completed();
      finish();
    } else if (!channel.isWritable()) {
      u.channel().config().setAutoRead(false);
    }
  }

  private void onResponseHead(UpstreamHandler u, HttpResponse response) {
    if (response.decoderResult().isFailure()) {
      ReferenceCountUtil.release(response);
      upstreamBroken("malformed response from backend");
      return;
    }
    int code = response.status().code();
    if (code < 200) {
      onInformational(response, code);
      return;
    }
    responseTimer.disarm();
    Backend backend = attempts.backend();
    LoadReportReader loadReports = routed.target().loadReports();
    if (loadReports != null) {
      // Before a retry can drop this answer: its report is the backend's, whatever its status.
      loadReports.read(backend, response.headers());
    }
    if (attempts.answered(code)) {
      // Dropped for a retry on another backend: this connection reads the rest of it and goes
      // back to the pool, and the request goes there.
      upstream = null;
      body.detached();
      u.discardRest(HttpUtil.isKeepAlive(response) && requestComplete && requestSent);
      ReferenceCountUtil.release(response);
      connectNext();
      return;
    }
    responseStarted = true;
    record.status = code;
    upstreamReusable = HttpUtil.isKeepAlive(response);
    boolean bodiless = headRequest || code == 204 || code == 304;
    boolean close = !clientKeepAlive || !requestComplete || client.closing()
        || listener.server().draining();
    closeClient = listener.rewriter().prepareResponse(
        response, clientVersion, bodiless, close, record.requestId);
    RequestRewrite.response(response, routed, record.requestId, backend);
    if (routed.session() != null) {
      routed.session().affinity().answered(routed.session(), backend, response.headers(),
          record.startSeconds());
    }
    channel.write(response, channel.voidPromise());
  }

  /**
   * A 1xx before the final response. 101 cannot be asked for (Upgrade is not forwarded), so it
   * breaks the attempt. The others go to an HTTP/1.1 client as RFC 9110 section 15.2 says a proxy
   * does (an HTTP/1.0 client never gets one), except a second 100 Continue; they are no answer
   * yet, so the response timeout keeps running.
   */
  private void onInformational(HttpResponse response, int code) {
    if (code == 101) {
      ReferenceCountUtil.release(response);
      upstreamBroken("unexpected 101 from backend");
      return;
    }
    informational = true;
    boolean relay = clientVersion.equals(HttpVersion.HTTP_1_1)
        && !(code == 100 && continueSent);
    if (!relay) {
      ReferenceCountUtil.release(response);
      return;
    }
    continueSent |= code == 100;
    HeaderRewriter.removeHopByHop(response.headers());
    channel.writeAndFlush(response, channel.voidPromise());
  }

  void flushClient() {
    channel.flush();
  }

  void onClientWritabilityChanged() {
    UpstreamHandler u = upstream;
    if (u != null && channel.isWritable()) {
      u.channel().config().setAutoRead(true);
    }
  }

  void onUpstreamWritabilityChanged() {
    client.updateReading();
  }

  void onUpstreamClosed(UpstreamHandler u) {
    if (upstream != u) {
      return;
    }
    upstream = null;
    upstreamBroken(responseStarted ? "backend closed the connection mid-response"
        : "backend closed the connection");
  }

  /**
   * The backend sent nothing for longer than the read timeout. Only a response that has begun
   * is cut here; the wait for its head is the response timeout's.
   */
  void onUpstreamStalled(UpstreamHandler u, long idleMillis) {
    if (upstream == u && responseStarted) {
      upstreamBroken("backend sent nothing for " + idleMillis + " ms mid-response");
    }
  }

  /**
   * The backend broke the attempt. Before any response byte reached the client it is a failed
   * attempt (retried as the protocol says, else 502); after, the client sees a truncated
   * response.
   */
  private void upstreamBroken(String reason) {
    Backend b = attempts.backend();
    if (responseStarted) {
      attempts.broken(b.name() + ": " + reason);
      abort(reason);
      return;
    }
    boolean sent = headWritten;
    dropUpstream();
    responseTimer.disarm();
    retryOrFail(attempts.failed(
        sent ? AttemptFailure.RESET_AFTER_SENT : AttemptFailure.RESET_BEFORE_SENT,
        b.name() + ": " + reason));
  }

  // ---- endings

  /** The response is complete: its connection goes back to the pool if it is clean, then end. */
  private void finish() {
    responseTimer.disarm();
    UpstreamHandler u = upstream;
    upstream = null;
    if (u != null) {
      u.responseDone(upstreamReusable && requestComplete && requestSent);
    }
    channel.flush();
    end();
  }

  /** Answers with a status of ballast's own (502, 503, 504, 400, 404, ...) and ends. */
  private void fail(int code, String reason) {
    record.error = reason;
    record.status = code;
    responseTimer.disarm();
    attempts.abandoned();
    dropUpstream();
    boolean close = !clientKeepAlive || !requestComplete || client.closing()
        || listener.server().draining();
    closeClient = close;
    if (channel.isActive()) {
      channel.writeAndFlush(
          Responses.error(code, close, listener.rewriter().requestIdHeader(), record.requestId));
    }
    end();
  }

  /** The response already started and cannot be completed: the client sees a truncated one. */
  private void abort(String reason) {
    record.error = reason;
    responseTimer.disarm();
    attempts.abandoned();
    dropUpstream();
    closeClient = true;
    channel.flush();
    channel.close();
    end();
  }

  /** The client went away. */
  void onClientClosed() {
    if (done) {
      return;
    }
    if (record.error == null) {
      record.error = "client closed the connection";
    }
    responseTimer.disarm();
    attempts.abandoned();
    dropUpstream();
    closeClient = true;
    end();
  }

  private void end() {
    done = true;
    tap.drop();
    HttpRequest req = request;
    if (req != null) {
      request = null;
      ReferenceCountUtil.release(req);
    }
    body.release();
    listener.server().requestEnded();
    try {
      listener.observer().onRequestComplete(
          record.build(listener.name(), client.address(), routed, attempts));
    } catch (RuntimeException e) {
      ProxyServer.LOG.warn("observer failed on request completion", e);
    }
    client.onExchangeEnd(closeClient);
  }

  private void dropUpstream() {
    connecting = null;
    UpstreamHandler u = upstream;
    upstream = null;
    body.detached();
    if (u != null) {
      u.owner(null);
      u.channel().close();
    }
  }
}
