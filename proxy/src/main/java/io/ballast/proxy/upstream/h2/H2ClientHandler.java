package io.ballast.proxy.upstream.h2;

import io.ballast.proxy.upstream.BackendConnections;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2ChannelDuplexHandler;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2FrameStreamEvent;
import io.netty.handler.codec.http2.Http2FrameStreamException;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * The base of the last handler of a health check's HTTP/2 connection ({@link H2Probe}), after
 * Netty's frame codec and multiplexer: hears the backend's SETTINGS (the first make the
 * connection ready for streams), its GOAWAY, and why the connection failed when anything said
 * so ({@link ConnectionFailure}, a connection error), and consumes every other connection-level
 * frame. (The pool's connections have no frame objects: {@link H2ConnectionCodec}.)
 *
 * <p>Event-loop only; one instance per connection.
 */
abstract class H2ClientHandler extends Http2ChannelDuplexHandler {
  private Channel channel;
  private boolean ready;
  private String failure;

  final Channel channel() {
    return channel;
  }

  /** The backend's first SETTINGS came: it speaks HTTP/2 and takes streams. */
  final boolean ready() {
    return ready;
  }

  /** Why the connection failed, when something said so; else null. */
  final String failure() {
    return failure;
  }

  /** Keeps the first reason given. */
  final void failed(String reason) {
    if (failure == null) {
      failure = reason;
    }
  }

  /** The backend's SETTINGS; {@code first}: they make the connection ready. */
  abstract void settings(ChannelHandlerContext ctx, Http2Settings settings, boolean first);

  /** The backend's GOAWAY (released after the call). */
  void goAway(ChannelHandlerContext ctx, Http2GoAwayFrame goAway) {}

  /** After the frame codec: new streams come from it ({@link #newStream()}). */
  @Override
  protected void handlerAdded0(ChannelHandlerContext ctx) {
    channel = ctx.channel();
  }

  /** A frame of a stream (HEADERS, DATA, RST_STREAM...): the handler's to release. */
  void streamFrame(ChannelHandlerContext ctx, Http2StreamFrame frame) {
    ReferenceCountUtil.release(frame);
  }

  /** The frame codec's news of a stream: its state or writability changed. */
  void streamEvent(ChannelHandlerContext ctx, Http2FrameStreamEvent event) {}

  /** An error of one stream (the codec resets the stream); the connection goes on. */
  void streamError(ChannelHandlerContext ctx, Http2FrameStreamException e) {}

  @Override
  public final void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof Http2StreamFrame f && !(msg instanceof Http2SettingsFrame)) {
      streamFrame(ctx, f);
      return;
    }
    try {
      if (msg instanceof Http2SettingsFrame s) {
        boolean first = !ready;
        ready = true;
        settings(ctx, s.settings(), first);
      } else if (msg instanceof Http2GoAwayFrame g) {
        goAway(ctx, g);
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public final void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof Http2FrameStreamEvent e) {
      streamEvent(ctx, e);
      return;
    }
    if (evt instanceof ConnectionFailure f) {
      failed(f.reason());
    }
    ReferenceCountUtil.release(evt);
  }

  @Override
  public final void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof Http2FrameStreamException e) {
      streamError(ctx, e);
      return;
    }
    failed("HTTP/2 error: " + BackendConnections.message(cause));
    ctx.close();
  }
}
