package io.ballast.proxy;

import io.ballast.core.Backend;
import io.ballast.core.PickResult;
import io.ballast.core.AttemptGate;
import io.ballast.core.circuit.CircuitState;
import io.ballast.core.OutcomeListener;
import io.ballast.core.retry.AttemptFailure;
import io.ballast.core.retry.RetryDecision;
import io.ballast.core.retry.RetryPolicy;
import io.ballast.core.retry.RetryState;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
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
import java.util.ArrayDeque;
import java.util.Locale;

/**
 * One request/response exchange of a client connection, from the request head to the last
 * response byte: picks a backend, gets a pooled or new backend connection, relays both ways with
 * backpressure, retries failed attempts on another backend as the pool's {@link RetryPolicy}
 * decides, and ends with exactly one {@link RequestLog}.
 *
 * <p>One instance per client connection, reused for each request on it (its {@link RetryState}
 * too), so a request that is not retried allocates no exchange state. Event-loop only: it runs on
 * the client channel's loop, and so does the backend channel it uses.
 *
 * <h2>Attempts</h2>
 * An attempt starts when a backend is picked (its circuit breaker, if any, must grant it) and
 * ends with an outcome reported once to the backend's load, circuit breaker and outlier tracker:
 * the whole response relayed, a 5xx, a failed connect, a reset, a timeout. A failed attempt is
 * retried while the {@link RetryState} says so, which needs, before any response byte reached
 * the client: a request that never reached the backend, or a replayable one (idempotent method
 * or configured, body kept) after a reset, a per-try timeout or a retryable status. A retryable
 * status is only given up for a retry once another backend was picked: with nobody to retry on,
 * the client gets the backend's own answer.
 *
 * <h2>The body</h2>
 * Chunks that arrive before a backend connection takes them wait in {@code body}. While the body
 * stays within the pool's {@code maxBufferedBody} every chunk stays there after it was sent
 * (the backend gets a {@code retainedDuplicate()}), so a retry can send it again; past that the
 * kept chunks are released, chunks are sent as they come, and the request is no longer
 * replayable once one of them was written.
 */
final class Exchange {
  private final ClientHandler client;
  private final ListenerContext listener;
  private final Channel channel;
  private final UpstreamPool upstreams;
  private final ArrayDeque<HttpContent> body = new ArrayDeque<>(4);
  private final ChannelFutureListener connectListener = this::onConnected;
  private final ChannelFutureListener headListener = this::onHeadWritten;
  private final ChannelFutureListener sentListener = this::onRequestSent;
  private final ResponseTimer responseTimer;

  // Per request; reset by begin().
  private HttpRequest request;
  private RetryState retry;
  /** The route that took the request; null when none did. */
  private Route route;
  /** The pool the request goes to; null when none was chosen. */
  private Route.Target target;
  private RetryPolicy policy;
  private String group;
  private String clientIp;
  /** The client's "region/zone" for a zone-aware pool; null when unknown or not asked. */
  private String clientZone;
  /** The table's zone of the connection's own peer, looked up once per connection. */
  private java.net.InetAddress zonePeer;
  private String zonePeerZone;
  /** A status ballast answers with itself once the (bodiless) request is read; 0 for none. */
  private int localStatus;
  /** The mirror this request is copied to once it is read whole; null when it is not. */
  private Mirror mirror;
  /** The target pool's session affinity, or null; {@link #session} is this request's session. */
  private PoolAffinity affinity;
  private final PoolAffinity.Session session = new PoolAffinity.Session();
  private boolean strictAffinity;
  private HttpRequest mirrorHead;
  private io.netty.buffer.CompositeByteBuf mirrorBody;
  private HttpVersion clientVersion;
  private boolean clientKeepAlive;
  private boolean headRequest;
  private boolean expectContinue;
  private boolean continueSent;
  private boolean done = true;
  private boolean routed;
  private boolean requestComplete;
  private boolean responseStarted;
  private boolean informational;
  private boolean upstreamReusable;
  private boolean closeClient;
  private boolean keepBody;
  private long keptBytes;
  private long maxKeptBytes;
  /** Chunks at the head of {@code body} already written to the current backend connection. */
  private int sentChunks;
  private int status;
  /** The status ballast answers with if the current failure ends the request: 502, 503, 504. */
  private int failStatus;
  private long bytesIn;
  private long bytesOut;
  private long startNanos;
  private long startMillis;
  private String method;
  private String uri;
  private String host;
  private String requestId;
  private String error;

  /** The backend of the last attempt that got a connection; null when none did. */
  private Backend reached;

  // Per attempt.
  private Backend backend;
  private AttemptGate circuit;
  private UpstreamHandler upstream;
  private Channel connecting;
  private boolean loadOpen;
  private boolean headWritten;
  private boolean requestSent;
  private long attemptStartNanos;
  /** When the attempt's response head arrived; 0 before. */
  private long headNanos;
  private long loadStartNanos;
  /** Requests in flight on the backend with this attempt, when it was sent. */
  private int loadJoined;

  Exchange(ClientHandler client, ListenerContext listener, Channel channel, UpstreamPool upstreams) {
    this.client = client;
    this.listener = listener;
    this.channel = channel;
    this.upstreams = upstreams;
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
    if (requestComplete || localStatus != 0) {
      return true;
    }
    UpstreamHandler u = upstream;
    return u != null && u.channel().isWritable();
  }

  /** True while the exchange waits on the client (not on ballast or the backend). */
  boolean waitingOnClient() {
    return !done && !requestComplete && acceptsRequestData();
  }

  // ---- request side

  /**
   * The client's zone by the listener's locality rules; the table's answer for the connection's
   * own peer is kept, so only forwarded clients cost a lookup per request.
   */
  private String clientZone(HttpRequest req, java.net.InetAddress address) {
    ClientLocality locality = listener.locality();
    boolean trusted = client.address().trusted();
    if (locality.header() != null && trusted) {
      String zone = locality.zoneOf(req.headers(), true, null);
      if (zone != null) {
        return zone;
      }
    }
    if (address == null) {
      return null;
    }
    if (address != client.address().address()) {
      return locality.tableZone(address);
    }
    if (zonePeer != address) {
      zonePeerZone = locality.tableZone(address);
      zonePeer = address;
    }
    return zonePeerZone;
  }

  /** What every request starts from, served or refused. */
  private void startRequest(HttpRequest req) {
    done = false;
    backend = null;
    reached = null;
    route = null;
    target = null;
    affinity = null;
    group = null;
    localStatus = 0;
    routed = false;
    bytesIn = 0;
    bytesOut = 0;
    startNanos = System.nanoTime();
    startMillis = System.currentTimeMillis();
    method = req.method().name();
  }

  void begin(HttpRequest req) {
    startRequest(req);
    circuit = null;
    upstream = null;
    connecting = null;
    requestComplete = false;
    responseStarted = false;
    informational = false;
    upstreamReusable = false;
    loadOpen = false;
    headWritten = false;
    requestSent = false;
    continueSent = false;
    closeClient = false;
    status = 0;
    failStatus = 503;
    keptBytes = 0;
    sentChunks = 0;
    error = null;
    uri = req.uri();
    host = req.headers().get(HttpHeaderNames.HOST);
    clientVersion = req.protocolVersion();
    clientKeepAlive = HttpUtil.isKeepAlive(req);
    headRequest = HttpMethod.HEAD.equals(req.method());
    expectContinue = RequestChecks.expectsContinue(req);
    boolean chunked = HttpUtil.isTransferEncodingChunked(req);
    long contentLength = chunked ? -1 : HttpUtil.getContentLength(req, 0L);
    request = req;
    requestId = null;
    listener.server().requestStarted();
    RequestFacts facts = RequestFacts.of(req, client.address(), listener.trustedProxies());
    clientIp = facts.clientIp();
    Route r = listener.routes().match(facts);
    if (r == null) {
      answerLocally(404, "no route for " + facts.host() + facts.path(), contentLength);
      return;
    }
    route = r;
    DenyRule denied = r.denied(facts);
    if (denied != null) {
      answerLocally(denied.status(), "denied by route " + r.name, contentLength);
      return;
    }
    // The group and the key are read from the request as the client sent it, before the headers
    // are rewritten.
    int g = r.group(req, client.address(), listener.trustedProxies());
    group = r.groupName(g);
    Route.Target t = r.target(g);
    target = t;
    routed = true;
    policy = r.retry(t);
    keepBody = policy.bufferWholeBody(contentLength);
    maxKeptBytes = policy.settings().maxBufferedBody();
    HashKey keySpec = t.ref().hashKey();
    long hashKey = keySpec == null
        ? 0L : HashKeys.key(keySpec, req, client.address(), listener.trustedProxies());
    retry = policy.start(method, hashKey, retry);
    clientZone = t.ref().zones() == null ? null : clientZone(req, facts.client());
    retry.locality(clientZone == null ? -1 : t.ref().zones().index(clientZone));
    PoolAffinity a = t.ref().affinity();
    if (a != null) {
      // Read before the request headers change: ballast's own cookie leaves the request here.
      affinity = a;
      Boolean strict = r.spec.strictAffinity();
      strictAffinity = strict != null ? strict : a.strictByDefault();
      a.resolve(session, req, client.address(), listener.trustedProxies(), startMillis / 1000);
    }
    requestId = listener.rewriter().prepareRequest(req, client.address(), chunked);
    RouteSpec spec = r.spec;
    String path = spec.rewrite() == null ? facts.path() : spec.rewrite().apply(facts.path());
    if (!path.equals(facts.rawPath())) {
      req.setUri(facts.query() == null ? path : path + '?' + facts.query());
    }
    if (r.groupHeader() != null) {
      req.headers().set(r.groupHeader(), group);
    }
    if (!spec.requestHeaders().isEmpty()) {
      spec.requestHeaders().apply(req.headers(), templateValues(null));
    }
    Mirror m = spec.mirror();
    if (m != null && m.sample()) {
      if (contentLength > m.spec().maxBody()) {
        m.droppedTooBig();
      } else {
        // The copy is of the request as the backend gets it; the mirror marks its Host.
        mirror = m;
        mirrorHead = new io.netty.handler.codec.http.DefaultHttpRequest(HttpVersion.HTTP_1_1,
            req.method(), req.uri(), req.headers().copy());
        mirrorBody = channel.alloc().compositeBuffer(Integer.MAX_VALUE);
      }
    }
    // Hold the client until a backend connection takes the body.
    client.updateReading();
    pickAndConnect();
  }

  private HeaderOps.Values templateValues(Backend answered) {
    return new HeaderOps.Values(clientIp, requestId, route == null ? null : route.name, group,
        target == null ? null : target.ref().name(), answered == null ? null : answered.name());
  }

  /**
   * Ballast answers the request itself (no route, or a deny rule). A request without a body is
   * read to its end first, so the connection stays open for the next one; a request with a body
   * is answered at once and the connection closes rather than read a body nobody wants.
   */
  private void answerLocally(int code, String reason, long contentLength) {
    if (contentLength == 0) {
      localStatus = code;
      error = reason;
      return;
    }
    fail(code, reason);
  }

  /** A request refused before any pick: the answer is written and the connection closes. */
  void reject(HttpRequest req, RequestChecks.Rejection rejection) {
    startRequest(req);
    uri = req.uri();
    host = req.decoderResult().isSuccess() ? req.headers().get(HttpHeaderNames.HOST) : null;
    requestId = null;
    error = rejection.reason();
    status = rejection.status();
    closeClient = true;
    listener.server().requestStarted();
    ReferenceCountUtil.release(req);
    if (channel.isActive()) {
      channel.writeAndFlush(Responses.error(status, true, listener.rewriter().requestIdHeader(),
          null));
    }
    end();
  }

  void onRequestContent(HttpContent c) {
    if (localStatus != 0) {
      boolean last = c instanceof LastHttpContent;
      boolean broken = c.decoderResult().isFailure();
      c.release();
      if (last || broken) {
        requestComplete = last && !broken;
        fail(localStatus, error);
      }
      return;
    }
    if (c.decoderResult().isFailure()) {
      c.release();
      requestBroken("malformed request body: " + c.decoderResult().cause().getMessage());
      return;
    }
    int n = c.content().readableBytes();
    bytesIn += n;
    boolean last = c instanceof LastHttpContent;
    if (mirror != null) {
      copyForMirror(c, n, last);
    }
    if (last) {
      requestComplete = true;
      retry.requestReceived();
    }
    if (keepBody && keptBytes + n > maxKeptBytes) {
      stopKeepingBody();
    }
    UpstreamHandler u = upstream;
    if (u == null) {
      // Connecting, or between two attempts: the chunk waits for the next connection.
      body.add(c);
      if (keepBody) {
        keptBytes += n;
      }
      return;
    }
    Channel up = u.channel();
    if (keepBody) {
      keptBytes += n;
      body.add(c);
      sentChunks++;
      writeUpstream(up, c.retainedDuplicate(), last);
    } else {
      if (n > 0) {
        retry.bodyNotReplayable();
      }
      writeUpstream(up, c, last);
    }
    if (!last && !up.isWritable()) {
      client.updateReading();
    }
  }

  /**
   * Keeps the mirror's copy of the body (retained slices of the same memory, no byte copied) and
   * sends the copy once the request is read whole. A body that outgrows the mirror's limit is
   * not copied.
   */
  private void copyForMirror(HttpContent c, int n, boolean last) {
    Mirror m = mirror;
    if (n > 0) {
      if (mirrorBody.readableBytes() + (long) n > m.spec().maxBody()) {
        m.droppedTooBig();
        dropMirror();
        return;
      }
      mirrorBody.addComponent(true, c.content().retainedDuplicate());
    }
    if (last) {
      HttpRequest head = mirrorHead;
      io.netty.buffer.ByteBuf copy = mirrorBody;
      mirror = null;
      mirrorHead = null;
      mirrorBody = null;
      m.send(channel.eventLoop(), head, copy);
    }
  }

  private void dropMirror() {
    mirror = null;
    mirrorHead = null;
    io.netty.buffer.CompositeByteBuf b = mirrorBody;
    mirrorBody = null;
    if (b != null) {
      b.release();
    }
  }

  /**
   * The body outgrew {@code maxBufferedBody}: the chunks already sent are let go (the request
   * cannot be replayed any more if they carried bytes); chunks not sent yet stay queued.
   */
  private void stopKeepingBody() {
    keepBody = false;
    keptBytes = 0;
    boolean lost = false;
    for (; sentChunks > 0; sentChunks--) {
      HttpContent c = body.poll();
      lost |= c.content().isReadable();
      c.release();
    }
    if (lost) {
      retry.bodyNotReplayable();
    }
  }

  private void writeUpstream(Channel up, HttpContent c, boolean last) {
    if (last) {
      up.write(c).addListener(sentListener);
    } else {
      up.write(c, up.voidPromise());
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

  // ---- picking, attempts, retries

  private void pickAndConnect() {
    Backend b = pickNext();
    if (b == null) {
      noBackend();
    } else {
      connectTo(b);
    }
  }

  /**
   * The next backend for this request, or null (with the reason in {@code error} for a first
   * attempt). A retry that finds every available backend tried goes back to one of them when the
   * retry state allows it ({@link RetryState#mayRetryOnTriedBackend()}).
   */
  private Backend pickNext() {
    PickResult result = pick();
    if (result instanceof PickResult.Picked picked) {
      return picked.backend();
    }
    PickResult.NoBackend none = (PickResult.NoBackend) result;
    if (retry.mayRetryOnTriedBackend()
        && none.reason() == PickResult.NoBackend.Reason.ALL_EXCLUDED) {
      retry.allowTriedBackends();
      result = pick();
      if (result instanceof PickResult.Picked picked) {
        return picked.backend();
      }
      none = (PickResult.NoBackend) result;
    }
    if (retry.attempts() == 0) {
      error = none.reason().text();
    }
    return null;
  }

  /** The pool's choice, or the session's when the pool keeps sessions on their backend. */
  private PickResult pick() {
    PoolAffinity a = affinity;
    return a == null ? target.ref().pool().picker().pick(retry)
        : a.pick(session, retry, strictAffinity);
  }

  /** Nobody to send the request to (again): answer with the failure that got us here. */
  private void noBackend() {
    if (retry.attempts() == 0) {
      fail(503, error);
      return;
    }
    retry.noBackendForRetry();
    fail(failStatus, error + "; not retried: no backend left to retry on");
  }

  /** Starts an attempt on {@code b}: its circuit breaker first, then a pooled or new connection. */
  private void connectTo(Backend b) {
    retry.attempted(b);
    backend = b;
    AttemptGate cb = b.gate();
    // In panic mode the pool balances over every backend, open circuit or not (the concurrency
    // limit still holds): see LoadBalancer's panic rule.
    if (!cb.tryAcquire(target.ref().pool().panic())) {
      failStatus = 503;
      error = b.name() + " refused locally: " + cb.refusal();
      retryOrFail(AttemptFailure.REJECTED_LOCALLY);
      return;
    }
    circuit = cb;
    attemptStartNanos = System.nanoTime();
    headNanos = 0;
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

  /**
   * The current attempt failed (its outcome is already reported): try another backend if the
   * retry policy says so, else answer with {@code failStatus} and {@code error}.
   */
  private void retryOrFail(AttemptFailure failure) {
    RetryDecision d = retry.onFailure(failure);
    if (d.retry()) {
      pickAndConnect();
    } else if (policy.settings().maxAttempts() == 1) {
      fail(failStatus, error);
    } else {
      fail(failStatus, error + "; not retried: " + d.text());
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
    PooledConnection.reportConnect(backend, f.isSuccess());
    if (f.isSuccess()) {
      attach((UpstreamHandler) ch.pipeline().last());
      return;
    }
    endAttempt(true, true);
    String reason = describe(f.cause());
    target.ref().pool().reportConnectFailure(backend, reason);
    failStatus = 503;
    error = "connect to " + backend.name() + " failed: " + reason;
    retryOrFail(AttemptFailure.CONNECT_FAILED);
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
    loadJoined = backend.load().start();
    loadOpen = true;
    reached = backend;
    loadStartNanos = System.nanoTime();
    up.write(request).addListener(headListener);
    if (keepBody) {
      // Every chunk so far, again for a retry; the originals stay for the next one.
      sentChunks = 0;
      for (HttpContent c : body) {
        sentChunks++;
        writeUpstream(up, c.retainedDuplicate(), c instanceof LastHttpContent);
      }
    } else {
      HttpContent c;
      while ((c = body.poll()) != null) {
        if (c.content().isReadable()) {
          retry.bodyNotReplayable();
        }
        writeUpstream(up, c, c instanceof LastHttpContent);
      }
    }
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
          route.responseTimeoutNanos(listener.settings().responseTimeout().toNanos()),
          retry.attemptTimeoutNanos()));
    }
  }

  private void onTimeout() {
    if (done || responseStarted || upstream == null) {
      return;
    }
    reportLocalFailure();
    endAttempt(true, true);
    dropUpstream();
    failStatus = 504;
    error = "no response from " + backend.name() + " within "
        + (System.nanoTime() - loadStartNanos) / 1_000_000 + " ms";
    retryOrFail(AttemptFailure.PER_TRY_TIMEOUT);
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
    bytesOut += c.content().readableBytes();
    if (c instanceof LastHttpContent) {
      channel.write(c, channel.voidPromise());
      endAttempt(status >= 500, loadFailure(status));
      finish();
    } else {
      channel.write(c, channel.voidPromise());
      if (!channel.isWritable()) {
        u.channel().config().setAutoRead(false);
      }
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
      // 1xx: ballast answers 100 Continue itself; others are not relayed (101 cannot happen:
      // Upgrade is not forwarded).
      if (code == 101) {
        upstreamBroken("unexpected 101 from backend");
        return;
      }
      informational = true;
      return;
    }
    cancelTimeout();
    headNanos = System.nanoTime();
    LoadReportReader loadReports = target.loadReports();
    if (loadReports != null) {
      // Before a retry can drop this answer: its report is the backend's, whatever its status.
      loadReports.read(backend, response.headers());
    }
    OutcomeListener outlier = backend.outcomes();
    if (outlier != null) {
      outlier.response(code);
    }
    if (policy.retryableStatus(code) && retryStatus(u, response, code)) {
      return;
    }
    responseStarted = true;
    retry.responseStarted();
    status = code;
    upstreamReusable = HttpUtil.isKeepAlive(response);
    boolean bodiless = headRequest || code == 204 || code == 304;
    boolean close = !clientKeepAlive || !requestComplete || client.closing()
        || listener.server().draining();
    closeClient = listener.rewriter().prepareResponse(
        response, clientVersion, bodiless, close, requestId);
    HeaderOps changes = route.spec.responseHeaders();
    if (!changes.isEmpty()) {
      changes.apply(response.headers(), templateValues(backend));
    }
    if (affinity != null) {
      affinity.answered(session, backend, response.headers(), startMillis / 1000);
    }
    channel.write(response, channel.voidPromise());
  }

  /**
   * A retryable status (by default 502, 503, 504) arrived: when the policy grants a retry and
   * another backend can take it, this response is dropped (its connection reads it to the end
   * and goes back to the pool) and the request goes there; true then. False: relay this answer.
   */
  private boolean retryStatus(UpstreamHandler u, HttpResponse response, int code) {
    RetryDecision d = retry.onStatus(code);
    if (!d.retry()) {
      return false;
    }
    String failed = backend.name() + " answered " + code;
    Backend next = pickNext();
    if (next == null) {
      retry.noBackendForRetry();
      return false;
    }
    // A dropped 429 (when configured) is not the backend failing; a 5xx is.
    endAttempt(code >= 500, loadFailure(code));
    upstream = null;
    sentChunks = 0;
    u.discardRest(HttpUtil.isKeepAlive(response) && requestComplete && requestSent);
    ReferenceCountUtil.release(response);
    failStatus = 502;
    error = failed;
    connectTo(next);
    return true;
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
   * The backend broke the attempt. Before any response byte reached the client it is a failed
   * attempt (retried as the policy says, else 502); after, the client sees a truncated response.
   */
  private void upstreamBroken(String reason) {
    reportLocalFailure();
    endAttempt(true, true);
    if (responseStarted) {
      abort(reason);
      return;
    }
    boolean sent = headWritten;
    dropUpstream();
    cancelTimeout();
    failStatus = 502;
    error = backend.name() + ": " + reason;
    retryOrFail(sent ? AttemptFailure.RESET_AFTER_SENT : AttemptFailure.RESET_BEFORE_SENT);
  }

  // ---- endings

  /** The response is complete: keep the backend connection if it is clean, then end. */
  private void finish() {
    cancelTimeout();
    UpstreamHandler u = upstream;
    upstream = null;
    if (u != null) {
      u.owner(null);
      Channel up = u.channel();
      if (upstreamReusable && requestComplete && requestSent && up.isActive()) {
        up.config().setAutoRead(true);
        u.entry.release(u);
      } else {
        up.close();
      }
    }
    channel.flush();
    end();
  }

  /** Answers with a status of ballast's own (502, 503, 504, 400) and ends. */
  private void fail(int code, String reason) {
    error = reason;
    status = code;
    cancelTimeout();
    abandonAttempt();
    dropUpstream();
    boolean close = !clientKeepAlive || !requestComplete || client.closing()
        || listener.server().draining();
    closeClient = close;
    if (channel.isActive()) {
      channel.writeAndFlush(
          Responses.error(code, close, listener.rewriter().requestIdHeader(), requestId));
    }
    end();
  }

  /** The response already started and cannot be completed: the client sees a truncated one. */
  private void abort(String reason) {
    error = reason;
    cancelTimeout();
    abandonAttempt();
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
    if (error == null) {
      error = "client closed the connection";
    }
    cancelTimeout();
    abandonAttempt();
    dropUpstream();
    closeClient = true;
    end();
  }

  private void end() {
    done = true;
    if (mirror != null) {
      // The request was not read whole: nothing to copy.
      dropMirror();
    }
    HttpRequest req = request;
    if (req != null) {
      request = null;
      ReferenceCountUtil.release(req);
    }
    releaseBody();
    listener.server().requestEnded();
    RetryState r = retry;
    int attempts = r == null || !routed ? 0 : r.attempts();
    try {
      listener.observer().onRequestComplete(new RequestLog(
          startMillis, client.address().ip(), method, uri, host, listener.name(),
          target != null ? target.ref().name() : null, reached, status,
          System.nanoTime() - startNanos, bytesIn, bytesOut, requestId, attempts, error,
          attempts > 1 ? r.backendsTried() : null, attempts > 0 ? r.lastDecision() : null,
          route != null ? route.name : null, group, routed ? clientZone : null));
    } catch (RuntimeException e) {
      ProxyServer.LOG.warn("observer failed on request completion", e);
    }
    client.onExchangeEnd(closeClient);
  }

  /** The backend timed out or broke the exchange: a gateway failure for outlier detection. */
  private void reportLocalFailure() {
    OutcomeListener outlier = backend == null ? null : backend.outcomes();
    if (outlier != null && loadOpen) {
      outlier.localOriginFailure();
    }
  }

  /**
   * Whether an answer counts against the backend in its load (what auto, peak EWMA and the
   * weight controller read): a 5xx, and a 429, with which the backend sheds work it has no room
   * for. A fast 429 counted as a success would make a shedding backend look like the fastest one
   * and draw more traffic to it. The circuit breaker counts only 5xx: a 429 is an answer.
   */
  static boolean loadFailure(int status) {
    return status >= 500 || status == 429;
  }

  /**
   * The attempt has its outcome: the backend's load learns whether it served the request
   * ({@code loadFailure}), its circuit breaker whether it failed ({@code failure}). The breaker's
   * duration ends at the response head when there is one: how long the backend took to answer,
   * not how long a slow client took to read a large body.
   */
  private void endAttempt(boolean failure, boolean loadFailure) {
    long now = System.nanoTime();
    if (loadOpen) {
      loadOpen = false;
      backend.load().complete(!loadFailure, now - loadStartNanos, loadJoined);
    }
    AttemptGate cb = circuit;
    if (cb != null) {
      circuit = null;
      cb.onResult((headNanos != 0 ? headNanos : now) - attemptStartNanos, failure);
    }
  }

  /**
   * The request ends without the attempt's outcome (the client left, or sent a broken body):
   * only the backend's own answer, if it gave one, counts for or against it.
   */
  private void abandonAttempt() {
    if (loadOpen) {
      loadOpen = false;
      backend.load().complete(!loadFailure(status), System.nanoTime() - loadStartNanos,
          loadJoined);
    }
    AttemptGate cb = circuit;
    if (cb != null) {
      circuit = null;
      if (status != 0) {
        cb.onResult(headNanos - attemptStartNanos, status >= 500);
      } else {
        cb.release();
      }
    }
  }

  private void dropUpstream() {
    connecting = null;
    UpstreamHandler u = upstream;
    upstream = null;
    sentChunks = 0;
    if (u != null) {
      u.owner(null);
      u.channel().close();
    }
  }

  private void releaseBody() {
    HttpContent c;
    while ((c = body.poll()) != null) {
      c.release();
    }
    sentChunks = 0;
    keptBytes = 0;
  }

  private void cancelTimeout() {
    responseTimer.disarm();
  }
}
