package io.ballast.proxy.http2;

import io.ballast.proxy.tunnel.StreamEnd;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * An HTTP/2 stream as a byte pipe, for a tunnel (a WebSocket over HTTP/2, RFC 8441): DATA frames
 * in are their bytes, END_STREAM in is the end of input; bytes out go as DATA frames, and the
 * end of output as an empty DATA frame with END_STREAM. Flow control stays the stream's: the
 * tunnel stops reading the stream while the backend cannot take more, and the stream's window
 * closes behind it.
 *
 * <p>Event-loop only; one per tunnelled stream.
 */
final class StreamBytes extends StreamEnd {
  private ChannelHandlerContext ctx;

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof Http2DataFrame data) {
      ByteBuf bytes = data.content();
      boolean end = data.isEndStream();
      if (bytes.isReadable()) {
        ctx.fireChannelRead(bytes);
      } else {
        bytes.release();
      }
      if (end) {
        ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
      }
      return;
    }
    // Trailers end the stream too; nothing else belongs in a tunnel.
    boolean end = msg instanceof Http2HeadersFrame headers && headers.isEndStream();
    ReferenceCountUtil.release(msg);
    if (end) {
      ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
    }
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof ByteBuf bytes) {
      ctx.write(new DefaultHttp2DataFrame(bytes), promise);
    } else {
      ctx.write(msg, promise);
    }
  }

  @Override
  public ChannelFuture endOutput() {
    return ctx.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.EMPTY_BUFFER, true));
  }
}
