package io.ballast.proxy.upstream.h2;

import io.ballast.proxy.http2.StreamSet;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.VoidChannelPromise;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2NoMoreStreamIdsException;
import io.netty.handler.codec.http2.Http2RemoteFlowController;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The streams of one HTTP/2 connection to a backend, each a {@link BackendStream} with no channel
 * of its own: the place of Netty's stream multiplexer on the pool's connections. Its
 * {@link H2ConnectionCodec} calls it with what the backend sends; the streams write through it
 * to the codec's encoder.
 *
 * <ul>
 *   <li>A stream's first HEADERS go through {@link #open}: the stream gets the connection's next
 *       stream id, and is filed here by it once the HEADERS opened it.
 *   <li>HEADERS and DATA go to their stream; RST_STREAM tells the stream why it ends; a GOAWAY
 *       tells the streams above its last stream id that the backend did not take them; a
 *       stream's close ends it. At the end of the connection's read each stream that read gives
 *       its bytes back to the backend's window and tells its user.
 *   <li>While streams are open a timer ticks every {@code tickNanos} (when positive), for the
 *       users' read timeouts: one timer per connection, not one per stream.
 *   <li>A stream whose handling throws is reset alone (logged); the others go on.
 * </ul>
 *
 * <p>Event-loop only; one per connection, owned by its {@link H2Connection}.
 */
final class BackendStreams {
  private final H2Connection owner;
  private final long tickNanos;
  private final StreamSet<BackendStream> byId = new StreamSet<>("to");
  private final Runnable tick = this::tick;
  /** The codec's context: frames are written from there, towards the socket. */
  private ChannelHandlerContext ctx;
  private H2ConnectionCodec codec;
  private Http2ConnectionEncoder encoder;
  private Http2Connection state;
  private Http2RemoteFlowController flow;
  private VoidChannelPromise quiet;
  private boolean secure;
  private ScheduledFuture<?> ticking;

  BackendStreams(H2Connection owner, long tickNanos) {
    this.owner = owner;
    this.tickNanos = tickNanos;
  }

  /** The connection's pipeline is complete: its codec, at {@code ctx}. */
  void attach(H2ConnectionCodec codec, ChannelHandlerContext ctx, boolean secure) {
    this.ctx = ctx;
    this.codec = codec;
    byId.connection(ctx.channel());
    this.secure = secure;
    this.encoder = codec.encoder();
    this.state = codec.connection();
    this.flow = state.remote().flowController();
    this.quiet = new VoidChannelPromise(ctx.channel(), false);
  }

  /** A new stream, not open on the wire until its first HEADERS are written. */
  BackendStream newStream() {
    return new BackendStream(this, secure);
  }

  Channel channel() {
    return ctx.channel();
  }

  int open() {
    return byId.size();
  }

  // ---- for the streams

  /**
   * Writes {@code s}'s first HEADERS, which open it with the connection's next stream id; the
   * future fails when they could not open it (ids ran out, the backend's limit, a closing
   * connection).
   */
  ChannelFuture open(BackendStream s, Http2HeadersFrame headers) {
    ChannelPromise p = ctx.newPromise();
    int id = state.local().incrementAndGetNextStreamId();
    if (id < 0) {
      // Stream ids ran out on this connection: the next request goes to another.
      owner.retire();
      return p.setFailure(new Http2NoMoreStreamIdsException());
    }
    s.opening(id);
    encoder.writeHeaders(ctx, id, headers.headers(), headers.padding(), headers.isEndStream(), p);
    Http2Stream opened = state.stream(id);
    if (opened != null && opened.state() != Http2Stream.State.CLOSED && !byId.contains(id)) {
      byId.put(id, s);
      s.active(opened);
      startTicking();
    }
    return p;
  }

  /** Writes a frame of the open stream {@code id}; with a future when {@code promised}. */
  ChannelFuture write(int id, Http2StreamFrame frame, boolean promised) {
    return codec.write(ctx, id, frame, promised ? ctx.newPromise() : quiet);
  }

  /** Sends what was written (DATA waiting for the backend's windows goes as they allow). */
  void flush() {
    codec.flush(ctx);
  }

  /** Gives {@code bytes} of {@code stream}'s DATA back to the backend's windows. */
  void consumed(Http2Stream stream, int bytes) {
    try {
      state.local().flowController().consumeBytes(stream, bytes);
    } catch (Http2Exception e) {
      codec.onError(ctx, true, e);
    }
  }

  /** Cancels the open stream {@code id} (it closes as the reset goes). */
  void reset(int id) {
    encoder.writeRstStream(ctx, id, Http2Error.CANCEL.code(), quiet);
    flush();
  }

  boolean isWritable(Http2Stream stream) {
    return flow.isWritable(stream);
  }

  /** {@code s} ended: its place on the connection is free. */
  void streamEnded(BackendStream s) {
    owner.streamEnded();
  }

  // ---- from the codec

  BackendStream get(int id) {
    return byId.get(id);
  }

  /** A HEADERS or DATA frame of {@code s}. */
  void read(BackendStream s, Http2StreamFrame frame) {
    byId.read(s, frame);
  }

  /** The stream {@code id} closed. */
  void closed(int id) {
    BackendStream s = byId.remove(id);
    if (s != null) {
      byId.ending(s, s::ended);
    }
  }

  void writabilityChanged(int id) {
    byId.writabilityChanged(id);
  }

  /** The codec resets the stream {@code id} for {@code cause}; the stream hears why first. */
  void streamError(int id, Throwable cause) {
    BackendStream s = byId.get(id);
    if (s != null) {
      s.streamError(cause);
    }
  }

  /** The backend's GOAWAY: the streams above its last stream id were not taken. */
  void goAway(int last) {
    for (BackendStream s : byId.all()) {
      if (s.id() > last) {
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
      byId.remove(s.id());
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
