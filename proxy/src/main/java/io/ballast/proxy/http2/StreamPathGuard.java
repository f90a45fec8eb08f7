package io.ballast.proxy.http2;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * Resets a stream whose {@code :path} has a control, space or non-ASCII character before Netty
 * translates it to an HTTP/1.1 request: such a path is not a URI (RFC 9113 section 8.3.1 wants
 * the target's path and query), ballast would refuse it anyway, and Netty 4.2.18's translation
 * leaks the request's body buffer when the request object it builds refuses the path (it
 * allocates the buffer, then the constructor throws outside the code that would release it): a
 * client could leak one buffer per stream.
 *
 * <p>One instance per stream (it counts resets on its connection); event-loop only.
 */
final class StreamPathGuard extends ChannelInboundHandlerAdapter {
  private final Http2ServerConnection connection;

  StreamPathGuard(Http2ServerConnection connection) {
    this.connection = connection;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof Http2HeadersFrame frame && !visibleAscii(frame.headers().path())) {
      ReferenceCountUtil.release(msg);
      connection.observe(false, Http2Error.PROTOCOL_ERROR);
      ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.PROTOCOL_ERROR))
          .addListener(ChannelFutureListener.CLOSE);
      return;
    }
    ctx.fireChannelRead(msg);
  }

  /** True for no path (trailers, CONNECT) and for one of 0x21..0x7E only. */
  static boolean visibleAscii(CharSequence path) {
    if (path == null) {
      return true;
    }
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c <= ' ' || c >= 0x7f) {
        return false;
      }
    }
    return true;
  }
}
