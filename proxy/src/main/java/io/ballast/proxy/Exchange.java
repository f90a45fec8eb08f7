package io.ballast.proxy;

import io.ballast.core.Backend;
import io.ballast.core.PickContext;
import io.ballast.core.PickResult;
import io.ballast.core.outlier.OutlierTracker;
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

/**
 * One request/response exchange of a client connection, from the request head to the last
 * response byte: picks a backend (it is the request's {@link PickContext}: attempt number and the
 * backends already tried), gets a pooled or new backend connection, relays both ways with
 * backpressure and ends with exactly one {@link RequestLog}.
 *
 * <p>One instance per client connection, reused for each request on it, so a request allocates no
 * exchange state. Event-loop only: it runs on the client channel's loop, and so does the backend
 * channel it uses.
 *
 * <p>Retry rule: only a failure to connect is retried (on another backend), because nothing of the
 * request was written yet; the body that arrived meanwhile waits in {@code pending}.
 */
final class Exchange implements PickContext {
  private final ClientHandler client;
  private final ListenerContext listener;
  private final Channel channel;
  private final UpstreamPool upstreams;
  private final Backend[] tried;
  private final ArrayDeque<HttpContent> pending = new ArrayDeque<>(4);
  private final ChannelFutureListener connectListener = this::onConnected;
  private final ChannelFutureListener sentListener = this::onRequestSent;
  private final ResponseTimer responseTimer;

  // Per request; reset by begin().
  private HttpRequest request;
  private HttpVersion clientVersion;
  private boolean clientKeepAlive;
  private boolean headRequest;
  private boolean expectContinue;
  private boolean done = true;
  private int attempts;
  private long hashKey;
  private Backend backend;
  private UpstreamHandler upstream;
  private Channel connecting;
  private boolean requestComplete;
  private boolean requestSent;
  private boolean responseStarted;
  private boolean informational;
  private boolean upstreamReusable;
  private boolean loadOpen;
  private boolean closeClient;
  private boolean routed;
  private boolean reached;
  private int status;
  private long bytesIn;
  private long bytesOut;
  private long startNanos;
  private long startMillis;
  private long loadStartNanos;
  private String method;
  private String uri;
  private String host;
  private String requestId;
  private String error;

  Exchange(ClientHandler client, ListenerContext listener, Channel channel, UpstreamPool upstreams) {
    this.client = client;
    this.listener = listener;
    this.channel = channel;
    this.upstreams = upstreams;
    this.tried = new Backend[listener.maxConnectAttempts()];
    this.responseTimer = new ResponseTimer(channel, this::onResponseTimeout);
  }

  // ---- PickContext

  @Override
  public long hashKey() {
    return hashKey;
  }

  @Override
  public int attempt() {
    return attempts;
  }

  @Override
  public boolean isExcluded(Backend b) {
    for (int i = 0; i < attempts; i++) {
      if (tried[i] == b) {
        return true;
      }
    }
    return false;
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
    if (requestComplete) {
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

  void begin(HttpRequest req) {
    done = false;
    attempts = 0;
    backend = null;
    routed = true;
    reached = false;
    upstream = null;
    connecting = null;
    requestComplete = false;
    requestSent = false;
    responseStarted = false;
    informational = false;
    upstreamReusable = false;
    loadOpen = false;
    closeClient = false;
    status = 0;
    bytesIn = 0;
    bytesOut = 0;
    error = null;
    startNanos = System.nanoTime();
    startMillis = System.currentTimeMillis();
    method = req.method().name();
    uri = req.uri();
    host = req.headers().get(HttpHeaderNames.HOST);
    clientVersion = req.protocolVersion();
    clientKeepAlive = HttpUtil.isKeepAlive(req);
    headRequest = HttpMethod.HEAD.equals(req.method());
    expectContinue = RequestChecks.expectsContinue(req);
    boolean chunked = HttpUtil.isTransferEncodingChunked(req);
    // The key is read from the request as the client sent it, before the headers are rewritten.
    HashKey keySpec = listener.hashKey();
    hashKey = keySpec == null ? 0L : HashKeys.key(keySpec, req, client.address(), listener.trustedProxies());
    requestId = listener.rewriter().prepareRequest(req, client.address(), chunked);
    request = req;
    listener.server().requestStarted();
    // Hold the client until a backend connection takes the body.
    client.updateReading();
    pickAndConnect();
  }

  /** A request refused before any pick: the answer is written and the connection closes. */
  void reject(HttpRequest req, RequestChecks.Rejection rejection) {
    done = false;
    attempts = 0;
    backend = null;
    routed = false;
    reached = false;
    bytesIn = 0;
    bytesOut = 0;
    startNanos = System.nanoTime();
    startMillis = System.currentTimeMillis();
    method = req.method().name();
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
    if (c.decoderResult().isFailure()) {
      c.release();
      requestBroken("malformed request body: " + c.decoderResult().cause().getMessage());
      return;
    }
    bytesIn += c.content().readableBytes();
    boolean last = c instanceof LastHttpContent;
    if (last) {
      requestComplete = true;
    }
    UpstreamHandler u = upstream;
    if (u == null) {
      pending.add(c);
      return;
    }
    writeUpstream(u.channel(), c, last);
    if (!last && !u.channel().isWritable()) {
      client.updateReading();
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

  // ---- picking and connecting

  private void pickAndConnect() {
    PickResult result = listener.pool().picker().pick(this);
    if (!(result instanceof PickResult.Picked picked)) {
      if (error == null) {
        error = ((PickResult.NoBackend) result).reason().text();
      }
      fail(503, error);
      return;
    }
    Backend b = picked.backend();
    tried[attempts++] = b;
    backend = b;
    UpstreamPool.Entry entry = upstreams.entry(b);
    UpstreamHandler idle = entry.pollIdle();
    if (idle != null) {
      attach(idle);
      return;
    }
    ChannelFuture f = entry.connect();
    connecting = f.channel();
    f.addListener(connectListener);
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
    OutlierTracker outlier = backend.load().outlier();
    if (f.isSuccess()) {
      if (outlier != null) {
        outlier.localOriginSuccess();
      }
      attach((UpstreamHandler) ch.pipeline().last());
      return;
    }
    if (outlier != null) {
      outlier.localOriginFailure();
    }
    String reason = describe(f.cause());
    listener.pool().reportConnectFailure(backend, reason);
    error = "connect to " + backend.name() + " failed: " + reason;
    if (attempts < tried.length) {
      pickAndConnect();
    } else {
      fail(503, error);
    }
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
    backend.load().start();
    loadOpen = true;
    reached = true;
    loadStartNanos = System.nanoTime();
    HttpRequest req = request;
    request = null;
    up.write(req, up.voidPromise());
    HttpContent c;
    while ((c = pending.poll()) != null) {
      writeUpstream(up, c, c instanceof LastHttpContent);
    }
    up.flush();
    if (expectContinue && !requestComplete) {
      channel.writeAndFlush(new DefaultFullHttpResponse(
          HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER));
    }
    client.updateReading();
  }

  private void onRequestSent(ChannelFuture f) {
    UpstreamHandler u = upstream;
    if (done || u == null || f.channel() != u.channel() || !f.isSuccess()) {
      // A failed write closes the backend channel; onUpstreamClosed handles it.
      return;
    }
    requestSent = true;
    if (!responseStarted) {
      responseTimer.arm(listener.settings().responseTimeout().toNanos());
    }
  }

  private void onResponseTimeout() {
    if (done || responseStarted) {
      return;
    }
    reportLocalFailure();
    fail(504, "no response within " + listener.settings().responseTimeout().toMillis() + " ms");
  }

  // ---- response side

  void onUpstreamRead(UpstreamHandler u, HttpObject msg) {
    if (msg instanceof HttpResponse response) {
      onResponseHead(response);
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
      completeLoad(status < 500);
      finish();
    } else {
      channel.write(c, channel.voidPromise());
      if (!channel.isWritable()) {
        u.channel().config().setAutoRead(false);
      }
    }
  }

  private void onResponseHead(HttpResponse response) {
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
    responseStarted = true;
    status = code;
    OutlierTracker outlier = backend.load().outlier();
    if (outlier != null) {
      outlier.response(code);
    }
    upstreamReusable = HttpUtil.isKeepAlive(response);
    boolean bodiless = headRequest || code == 204 || code == 304;
    boolean close = !clientKeepAlive || !requestComplete || client.closing()
        || listener.server().draining();
    closeClient = listener.rewriter().prepareResponse(
        response, clientVersion, bodiless, close, requestId);
    channel.write(response, channel.voidPromise());
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

  /** The backend broke: 502 when nothing was sent to the client yet, else a truncated close. */
  private void upstreamBroken(String reason) {
    reportLocalFailure();
    if (!responseStarted) {
      fail(502, reason);
    } else {
      abort(reason);
    }
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
    completeLoad(false);
    dropUpstream();
    releasePending();
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
    completeLoad(false);
    dropUpstream();
    releasePending();
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
    // Not the backend's fault: only its own answer counts against it.
    completeLoad(status < 500);
    dropUpstream();
    releasePending();
    closeClient = true;
    end();
  }

  private void end() {
    done = true;
    HttpRequest req = request;
    if (req != null) {
      request = null;
      ReferenceCountUtil.release(req);
    }
    listener.server().requestEnded();
    try {
      listener.observer().onRequestComplete(new RequestLog(
          startMillis, client.address().ip(), method, uri, host, listener.name(),
          routed ? listener.pool().name() : null, reached ? backend : null, status,
          System.nanoTime() - startNanos, bytesIn, bytesOut, requestId, attempts, error));
    } catch (RuntimeException e) {
      ProxyServer.LOG.warn("observer failed on request completion", e);
    }
    client.onExchangeEnd(closeClient);
  }

  /** The backend timed out or broke the exchange: a gateway failure for outlier detection. */
  private void reportLocalFailure() {
    OutlierTracker outlier = backend == null ? null : backend.load().outlier();
    if (outlier != null && reached) {
      outlier.localOriginFailure();
    }
  }

  private void completeLoad(boolean success) {
    if (loadOpen) {
      loadOpen = false;
      backend.load().complete(success, System.nanoTime() - loadStartNanos);
    }
  }

  private void dropUpstream() {
    connecting = null;
    UpstreamHandler u = upstream;
    upstream = null;
    if (u != null) {
      u.owner(null);
      u.channel().close();
    }
  }

  private void releasePending() {
    HttpContent c;
    while ((c = pending.poll()) != null) {
      c.release();
    }
  }

  private void cancelTimeout() {
    responseTimer.disarm();
  }
}
