package io.ballast.proxy.upstream.h2;

import io.ballast.proxy.upstream.BackendConnections;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP/2 connection to a backend, as its {@link H2Backend} hands out streams on it: the last
 * handler of the connection's pipeline, after its {@link H2ConnectionCodec}, which tells it the
 * backend's SETTINGS, GOAWAY and connection errors; its streams ({@link BackendStream}) are
 * carried by its {@link BackendStreams}.
 *
 * <ul>
 *   <li><b>Ready</b> once the backend's first SETTINGS came (it speaks HTTP/2 and said how many
 *       streams it takes); streams promised before wait for that.
 *   <li><b>Room</b>: at most min(the backend's SETTINGS_MAX_CONCURRENT_STREAMS, the pool's
 *       {@code max_streams_per_connection}) streams at once, counted from the promise to the
 *       stream's end.
 *   <li><b>Draining</b> after a GOAWAY from the backend, or when retired (the backend left, the
 *       pool's settings changed): no new stream; the streams in flight finish, then it closes.
 *       The streams the GOAWAY leaves out fail as not processed ({@link BackendStream#notProcessed}).
 *   <li><b>Idle</b>: with no stream for the pool's idle timeout, it closes.
 * </ul>
 * The connection counts itself open in the backend's load from channelActive to
 * channelInactive, as an HTTP/1.1 connection does; its streams are not connections.
 *
 * <p>Event-loop only; one instance per connection.
 */
final class H2Connection extends ChannelInboundHandlerAdapter {
  /** A stream's initial flow-control window (RFC 9113's default, which ballast keeps). */
  private static final int STREAM_WINDOW = 65_535;

  private final H2Backend owner;
  private final BackendStreams streams;
  /** Promised streams waiting for the backend's SETTINGS. */
  private final ArrayDeque<Promise<BackendStream>> waiting = new ArrayDeque<>(2);
  private ChannelHandlerContext ctx;
  private H2ConnectionCodec codec;
  private boolean ready;
  private String failure;
  private boolean draining;
  private boolean closed;
  private boolean counted;
  /** Streams promised or open. */
  private int open;
  private long peerMax = Long.MAX_VALUE;
  private long idleSince;
  private ScheduledFuture<?> idleCheck;

  H2Connection(H2Backend owner) {
    this.owner = owner;
    this.streams = new BackendStreams(this, owner.tickNanos());
  }

  BackendStreams streams() {
    return streams;
  }

  Channel channel() {
    return ctx == null ? null : ctx.channel();
  }

  /** The backend's first SETTINGS came: it speaks HTTP/2 and takes streams. */
  boolean ready() {
    return ready;
  }

  /** Why the connection failed, when something said so; else null. */
  String failure() {
    return failure;
  }

  /** Keeps the first reason given. */
  void failed(String reason) {
    if (failure == null) {
      failure = reason;
    }
  }

  /** Streams promised or open now, for tests and the pool. */
  int open() {
    return open;
  }

  private long limit() {
    return Math.min(owner.protocol().maxStreamsPerConnection(), peerMax);
  }

  /**
   * Takes a stream for {@code p} when there is room: opened now when the connection is ready,
   * else when it is. False (and {@code p} untouched) when the connection has no room.
   */
  /** A stream now, when the connection is ready and has room; else null. */
  BackendStream take() {
    if (draining || closed || !ready() || open >= limit()) {
      return null;
    }
    open++;
    return streams.newStream();
  }

  boolean offer(Promise<BackendStream> p) {
    if (draining || closed || open >= limit()) {
      return false;
    }
    open++;
    if (ready()) {
      openStream(p);
    } else {
      waiting.add(p);
    }
    return true;
  }

  private void openStream(Promise<BackendStream> p) {
    BackendStream s = streams.newStream();
    if (!p.trySuccess(s)) {
      // Given up on meanwhile: the stream never opens.
      s.close();
    }
  }

  /** A stream promised here ended (or was never used): its place is free. */
  void streamEnded() {
    open--;
    unusedNow();
  }

  /** With no stream left: a draining connection closes, another starts to count idle time. */
  private void unusedNow() {
    if (closed || open > 0) {
      return;
    }
    if (draining) {
      channel().close();
    } else {
      idleSince = System.nanoTime();
      if (idleCheck == null) {
        idleCheck = channel().eventLoop().schedule(this::checkIdle, owner.idleNanos(),
            TimeUnit.NANOSECONDS);
      }
    }
  }

  private void checkIdle() {
    idleCheck = null;
    if (closed || open > 0) {
      return;
    }
    long left = owner.idleNanos() - (System.nanoTime() - idleSince);
    if (left <= 0) {
      retire();
    } else {
      idleCheck = channel().eventLoop().schedule(this::checkIdle, left, TimeUnit.NANOSECONDS);
    }
  }

  /** No new streams from now; the connection closes when its last stream ends. */
  void retire() {
    if (!draining) {
      draining = true;
      owner.unusable(this);
    }
    if (open == 0 && channel() != null) {
      channel().close();
    }
  }

  /** The TCP connect failed: whoever waits hears why. */
  void connectFailed(String why) {
    closed = true;
    owner.unusable(this);
    failWaiting(why);
  }

  /** After the codec, which the streams write through. */
  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.codec = ctx.pipeline().get(H2ConnectionCodec.class);
    streams.attach(codec, ctx.pipeline().context(codec),
        ctx.pipeline().get(SslHandler.class) != null);
  }

  /** Why the connection cannot be used ({@link H2Preflight}); other events are not ours. */
  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ConnectionFailure f) {
      failed(f.reason());
    }
    ReferenceCountUtil.release(evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    failed("HTTP/2 error: " + BackendConnections.message(cause));
    ctx.close();
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    streams.readComplete();
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    streams.writabilityChanged();
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    counted = true;
    owner.backend().load().connectionOpened();
    ctx.fireChannelActive();
  }

  /** The backend's SETTINGS; the first make the connection ready. */
  void settings(Http2Settings settings) {
    Long max = settings.maxConcurrentStreams();
    if (max != null) {
      peerMax = max;
    }
    if (!ready) {
      ready = true;
      becomeReady();
    }
    if (peerMax == 0) {
      // The backend takes no streams on this connection now: use another.
      retire();
    }
  }

  /** The backend's GOAWAY. */
  void goAway(int lastStreamId, long errorCode) {
    streams.goAway(lastStreamId);
    Http2Error error = Http2Error.valueOf(errorCode);
    failed("backend sent GOAWAY (" + (error == null ? "error " + errorCode : error.name()) + ")");
    failWaiting(failure());
    retire();
  }

  /**
   * The backend speaks HTTP/2: the waiting streams open (those beyond its limit go to another
   * connection), and the connection's flow-control window grows to cover every stream's, so
   * that a stream paused for a slow client cannot hold up the others.
   */
  private void becomeReady() {
    Http2Connection c = codec.connection();
    long target = Math.min(Integer.MAX_VALUE, limit() * STREAM_WINDOW);
    int delta = (int) (target - c.local().flowController().windowSize(c.connectionStream()));
    if (delta > 0) {
      try {
        c.local().flowController().incrementWindowSize(c.connectionStream(), delta);
        streams.flush();
      } catch (Http2Exception e) {
        codec.onError(ctx, true, e);
      }
    }
    long opened = 0;
    Promise<BackendStream> p;
    while ((p = waiting.poll()) != null) {
      if (opened < limit() && !draining) {
        opened++;
        openStream(p);
      } else {
        open--;
        owner.place(p);
      }
    }
    unusedNow();
  }

  private void failWaiting(String why) {
    Promise<BackendStream> p;
    while ((p = waiting.poll()) != null) {
      open--;
      p.tryFailure(new H2ConnectException(why));
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closed = true;
    if (counted) {
      counted = false;
      owner.backend().load().connectionClosed();
    }
    if (idleCheck != null) {
      idleCheck.cancel(false);
      idleCheck = null;
    }
    owner.unusable(this);
    failWaiting(failure() != null ? failure() : ready() ? "backend closed the connection"
        : "backend closed the connection before its HTTP/2 SETTINGS");
    streams.closed();
  }
}
