package io.ballast.proxy.upstream.h2;

import io.ballast.proxy.http2.StreamInbox;
import io.ballast.proxy.http2.StreamSet;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.VoidChannelPromise;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2FrameStreamEvent;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2RemoteFlowController;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The streams of one HTTP/2 connection to a backend, each a {@link BackendStream} with no channel
 * of its own: the place of Netty's stream multiplexer on the pool's connections.
 *
 * <ul>
 *   <li>A stream's first HEADERS go through {@link #open}: the codec gives it its id as they
 *       are written, and it is filed here by that id.
 *   <li>HEADERS and DATA go to their stream; RST_STREAM tells the stream why it ends; a GOAWAY
 *       tells the streams above its last stream id that the backend did not take them; the
 *       codec's close event ends the stream. At the end of the connection's read each stream
 *       that read gives its bytes back to the backend's window and tells its user.
 *   <li>While streams are open a timer ticks every {@code tickNanos} (when positive), for the
 *       users' read timeouts: one timer per connection, not one per stream.
 *   <li>A stream whose handling throws is reset alone (logged); the others go on.
 * </ul>
 *
 * <p>Event-loop only; one per connection, owned by its {@link H2Connection}.
 */
final class BackendStreams implements StreamInbox.Window {
  private final H2Connection owner;
  private final long tickNanos;
  private final StreamSet<BackendStream> byId = new StreamSet<>("to");
  private final Runnable tick = this::tick;
  private ChannelHandlerContext ctx;
  private Http2FrameCodec codec;
  private Http2RemoteFlowController flow;
  private VoidChannelPromise quiet;
  private boolean secure;
  /** The stream whose first HEADERS are being written. */
  private BackendStream opening;
  private ScheduledFuture<?> ticking;

  BackendStreams(H2Connection owner, long tickNanos) {
    this.owner = owner;
    this.tickNanos = tickNanos;
  }

  /** The connection's pipeline is complete: its codec and flow controller. */
  void attach(ChannelHandlerContext ctx, boolean secure) {
    this.ctx = ctx;
    byId.connection(ctx.channel());
    this.secure = secure;
    this.codec = ctx.pipeline().get(Http2FrameCodec.class);
    this.flow = codec.connection().remote().flowController();
    this.quiet = new VoidChannelPromise(ctx.channel(), false);
  }

  /** A new stream, not open on the wire until its first HEADERS are written. */
  BackendStream newStream() {
    return new BackendStream(this, owner.newStream(), secure);
  }

  Channel channel() {
    return ctx.channel();
  }

  int open() {
    return byId.size();
  }

  // ---- for the streams

  /** Writes {@code s}'s first HEADERS, which open it. */
  ChannelFuture open(BackendStream s, Http2StreamFrame headers) {
    opening = s;
    ChannelFuture f;
    try {
      f = ctx.write(headers);
    } finally {
      opening = null;
    }
    // The codec tells no state event for a stream it opens for us, unless the HEADERS ended
    // its side (half closed, filed then): the stream is filed here once it exists.
    register(s);
    return f;
  }

  private void register(BackendStream s) {
    int id = s.frameStream().id();
    if (id > 0 && !byId.contains(id)) {
      Http2Stream state = codec.connection().stream(id);
      if (state != null && state.state() != Http2Stream.State.CLOSED) {
        byId.put(id, s);
        s.active(state);
        startTicking();
      }
    }
  }

  /** Writes a frame of a stream; with a future when {@code promised}. */
  ChannelFuture write(Http2StreamFrame frame, boolean promised) {
    return promised ? ctx.write(frame) : ctx.write(frame, quiet);
  }

  @Override
  public void flush() {
    ctx.flush();
  }

  @Override
  public void writeQuietly(Http2StreamFrame frame) {
    ctx.write(frame, quiet);
  }

  /** Cancels {@code stream} (the codec closes it as the reset goes). */
  void reset(Http2FrameStream stream) {
    ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.CANCEL).stream(stream), quiet);
  }

  boolean isWritable(Http2Stream state) {
    return flow.isWritable(state);
  }

  /** {@code s} ended: its place on the connection is free. */
  void streamEnded(BackendStream s) {
    owner.streamEnded();
  }

  // ---- from the connection

  void frame(Http2StreamFrame frame) {
    BackendStream s = byId.get(frame.stream().id());
    if (s == null) {
      ReferenceCountUtil.release(frame);
      return;
    }
    if (frame instanceof Http2HeadersFrame || frame instanceof Http2DataFrame) {
      byId.read(s, frame);
    } else {
      if (frame instanceof Http2ResetFrame r) {
        // The codec closes the stream next.
        s.resetByBackend(r.errorCode());
      }
      ReferenceCountUtil.release(frame);
    }
  }

  void event(Http2FrameStreamEvent e) {
    Http2FrameStream fs = e.stream();
    int id = fs.id();
    if (e.type() == Http2FrameStreamEvent.Type.Writability) {
      byId.writabilityChanged(id);
      return;
    }
    switch (fs.state()) {
      case OPEN, HALF_CLOSED_LOCAL -> {
        BackendStream s = opening;
        if (s != null && s.frameStream() == fs) {
          register(s);
        }
      }
      case CLOSED -> {
        BackendStream s = byId.remove(id);
        if (s != null) {
          byId.ending(s, s::ended);
        }
      }
      default -> { }
    }
  }

  void streamError(int id, Throwable cause) {
    BackendStream s = byId.get(id);
    if (s != null) {
      s.streamError(cause);
    }
  }

  /** The backend's GOAWAY: the streams above its last stream id were not taken. */
  void goAway(Http2GoAwayFrame g) {
    int last = g.lastStreamId();
    for (BackendStream s : byId.all()) {
      if (s.frameStream().id() > last) {
        s.leftOut(last);
      }
    }
  }

  /** The end of the connection's read. */
  void readComplete() {
    byId.readComplete();
  }

  void writabilityChanged() {
    for (BackendStream s : byId.copy()) {
      byId.writabilityChanged(s);
    }
  }

  /**
   * The connection closed: every stream ends (its user says "the backend closed the connection",
   * unless the stream was told why before: a reset, a GOAWAY that left it out).
   */
  void closed() {
    if (ticking != null) {
      ticking.cancel(false);
      ticking = null;
    }
    for (BackendStream s : byId.copy()) {
      byId.remove(s.frameStream().id());
      byId.ending(s, s::ended);
    }
  }

  private void startTicking() {
    if (tickNanos > 0 && ticking == null) {
      ticking = ctx.executor().schedule(tick, tickNanos, TimeUnit.NANOSECONDS);
    }
  }

  private void tick() {
    ticking = null;
    if (byId.size() == 0 || !ctx.channel().isActive()) {
      return;
    }
    for (BackendStream s : byId.copy()) {
      try {
        s.tick();
      } catch (RuntimeException e) {
        byId.failed(s, e);
      }
    }
    startTicking();
  }
}
