package io.ballast.proxy.http2;

import io.ballast.proxy.ClientConnection;
import io.ballast.proxy.ListenerContext;
import io.ballast.proxy.ProxyServer;
import io.ballast.proxy.ProxySettings;
import io.ballast.proxy.client.ClientAddress;
import io.ballast.proxy.tls.ClientTls;
import io.ballast.proxy.http1.Deadlines;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Owns one HTTP/2 client connection (its streams are served by their own {@link ClientStream}s):
 * counts the connection open and closed, drains it with GOAWAY, and ends what would otherwise
 * hold it forever:
 *
 * <ul>
 *   <li>no stream for the client idle timeout, even if the client keeps pinging;
 *   <li>a stream that makes no progress for the client idle timeout: its client sends nothing
 *       of a request it began, or never opens its flow-control window for the response (a
 *       zero-window stall); the stream is reset, the others go on;
 *   <li>more PING and SETTINGS frames in a second than the limit: GOAWAY(ENHANCE_YOUR_CALM).
 * </ul>
 *
 * <p>The codec before it ({@link Http2ServerCodec}) enforces the rest (stream count, header
 * list size, resets, CONTINUATION and empty-frame floods, queued control frames) and tells it of
 * the client's SETTINGS and PINGs.
 *
 * <p>Event-loop only; one instance per connection, the last handler of its pipeline.
 */
public final class Http2ServerConnection extends ChannelDuplexHandler
    implements ClientConnection {
  private final ListenerContext listener;
  private final long idleNanos;
  /** A request body's longest gap, and the window of its minimum rate. */
  private final long bodyNanos;
  private final int connectionWindow;
  private final int maxControlFrames;
  private final int maxHeaderCount;
  /** Streams the client opened. */
  private int opened;
  /** The connection's streams (the dispatch keeps them by id); set as the handlers are made. */
  private StreamDispatch streams;
  /** True when the connection was counted open before it spoke HTTP/2 (an h2c upgrade). */
  private boolean counted;
  private ChannelHandlerContext ctx;
  private ScheduledFuture<?> tick;
  private long idleSince = System.nanoTime();
  private long controlWindowStart;
  private int controlFrames;
  private boolean closing;
  /** The client's address, made by the first stream that asks. */
  private ClientAddress address;
  /** What the connection's TLS handshake settled, read by the first stream that asks. */
  private ClientTls tls;
  private Deadlines deadlines;

  Http2ServerConnection(ListenerContext listener, ProxySettings settings, boolean counted) {
    this.listener = listener;
    this.idleNanos = settings.clientIdleTimeout().toNanos();
    this.connectionWindow = settings.http2().connectionWindowSize();
    this.maxControlFrames = settings.http2().maxControlFramesPerSecond();
    this.maxHeaderCount = settings.clientLimits().maxHeaderCount();
    this.bodyNanos = settings.clientLimits().requestBodyTimeout().toNanos();
    this.counted = counted;
  }

  void streams(StreamDispatch dispatch) {
    this.streams = dispatch;
  }

  /** The most header fields a stream's request may have. */
  int maxHeaderCount() {
    return maxHeaderCount;
  }

  @Override
  public ListenerContext listener() {
    return listener;
  }

  @Override
  public EventExecutor executor() {
    return ctx.executor();
  }

  @Override
  public io.netty.channel.Channel connection() {
    return ctx.channel();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.deadlines = new Deadlines(ctx.executor());
    if (ctx.channel().isActive()) {
      start();
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    start();
    ctx.fireChannelActive();
  }

  private void start() {
    if (tick != null) {
      return;
    }
    listener.opened(this, counted);
    counted = true;
    int grow = connectionWindow - 65_535;
    if (grow > 0) {
      Http2ServerCodec codec = ctx.pipeline().get(Http2ServerCodec.class);
      codec.growConnectionWindow(ctx.pipeline().context(codec), grow);
    }
    // One timer for the connection: its idleness, its streams' stalls and their bodies' pace.
    long every = Math.max(TimeUnit.MILLISECONDS.toNanos(100), Math.min(
        Math.min(idleNanos, bodyNanos) / 4, TimeUnit.SECONDS.toNanos(5)));
    tick = ctx.executor().scheduleAtFixedRate(this::check, every, every, TimeUnit.NANOSECONDS);
    if (listener.draining()) {
      drain();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (tick != null) {
      tick.cancel(false);
    }
    deadlines.close();
    listener.closed(this, false);
    ctx.fireChannelInactive();
  }

  /** Sends what the streams wrote, through the flush consolidation before this handler. */
  void flushStreams() {
    ctx.flush();
  }

  /** The client sent SETTINGS or a PING (not an ack): counted, a flood ends the connection. */
  void controlFrame() {
    long now = System.nanoTime();
    if (now - controlWindowStart > TimeUnit.SECONDS.toNanos(1)) {
      controlWindowStart = now;
      controlFrames = 0;
    }
    if (++controlFrames > maxControlFrames && !closing) {
      abort(Http2Error.ENHANCE_YOUR_CALM, "control frame flood");
    }
  }

  /** Ends the connection at once with GOAWAY({@code error}); streams in flight are reset. */
  void abort(Http2Error error, String reason) {
    closing = true;
    observe(true, error);
    ProxyServer.LOG.debug("listener {}: HTTP/2 connection from {} ended: {}", listener.name(),
        ctx.channel().remoteAddress(), reason);
    Http2ServerCodec codec = ctx.pipeline().get(Http2ServerCodec.class);
    if (codec == null) {
      ctx.channel().close();
      return;
    }
    codec.gracefulShutdownTimeoutMillis(0);
    ChannelHandlerContext at = ctx.pipeline().context(codec);
    codec.goAway(at, codec.connection().remote().lastStreamCreated(), error.code(),
            Unpooled.copiedBuffer(reason, java.nio.charset.StandardCharsets.US_ASCII),
            at.newPromise())
        .addListener(f -> ctx.channel().close());
    codec.flush(at);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent) {
      // Nothing read for the idle timeout: end it unless a stream waits on ballast or a backend.
      if (streams.count() == 0 || allWaitingOnClient()) {
        drain();
      }
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  private boolean allWaitingOnClient() {
    for (ClientStream s : streams.all()) {
      if (!s.waitingOnClient()) {
        return false;
      }
    }
    return true;
  }

  private void check() {
    long now = System.nanoTime();
    if (streams.count() == 0) {
      if (now - idleSince >= idleNanos) {
        drain();
      }
      return;
    }
    for (ClientStream s : new ArrayList<>(streams.all())) {
      s.checkBody(now);
      if (s.stalledFor(now) >= idleNanos) {
        try {
          listener.observer().onHttp2Error(listener.name(), false, "stream_stalled");
        } catch (RuntimeException e) {
          ProxyServer.LOG.warn("observer failed on an HTTP/2 error", e);
        }
        s.cancel();
      }
    }
  }

  /** Tells the observer of an error ballast answers; {@code connection}: a GOAWAY. */
  void observe(boolean connection, Http2Error error) {
    try {
      listener.observer().onHttp2Error(listener.name(), connection,
          error.name().toLowerCase(java.util.Locale.ROOT));
    } catch (RuntimeException e) {
      ProxyServer.LOG.warn("observer failed on an HTTP/2 error", e);
    }
  }

  /** The client's address: the same for every stream of the connection, made once. */
  ClientAddress address() {
    ClientAddress a = address;
    if (a == null) {
      a = address = listener.clientAddress(ctx.channel());
    }
    return a;
  }

  /**
   * What the connection's TLS handshake settled, or null on a plain connection (the handshake
   * ended before the first stream could open).
   */
  ClientTls tls() {
    ClientTls t = tls;
    if (t == null && address().secure()) {
      t = tls = ClientTls.of(ctx.channel());
    }
    return t;
  }

  /** The response deadlines of the connection's streams (one queued task for them all). */
  Deadlines deadlines() {
    return deadlines;
  }

  void streamOpened(ClientStream stream) {
    if (++opened >= listener.limits().maxRequestsPerConnection() && !closing) {
      // The connection's last stream: GOAWAY now; the streams in flight finish.
      listener.observer().onConnectionRequestLimit(listener.name());
      drain();
    }
  }

  void streamClosed(ClientStream stream) {
    if (streams.count() == 0) {
      idleSince = System.nanoTime();
    }
  }

  /**
   * GOAWAY with the last stream the client opened: streams in flight finish, the connection
   * closes when the last one ends (or after the graceful shutdown timeout).
   */
  @Override
  public void drain() {
    if (closing || !ctx.channel().isActive()) {
      return;
    }
    closing = true;
    ctx.channel().close();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // The frame codec tells of a protocol error before it answers it with its GOAWAY; closing
    // here would send a graceful GOAWAY(NO_ERROR) first. Other errors are I/O: close.
    Http2Exception h2 = Http2CodecUtil.getEmbeddedHttp2Exception(cause);
    if (h2 == null) {
      ctx.close();
    } else if (!(h2 instanceof Http2Exception.StreamException)) {
      observe(true, h2.error());
    }
  }
}
