package io.ballast.proxy.http2;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderException;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.HttpConversionUtil.ExtensionHeaderNames;

/**
 * Gives a stream's request the shape an HTTP/1.1 connection's has: a head, then body parts and
 * a last part, even when HEADERS ended the stream (the translation makes that one whole
 * message, which the exchange does not expect). And takes from it the extension headers the HTTP/2 to HTTP/1.1 translation adds
 * (stream id, scheme): they describe this hop, and a backend must never see them, nor a
 * client's own forged copies of them.
 *
 * <p>Stateless and shared by every stream.
 */
@ChannelHandler.Sharable
final class StreamRequests extends ChannelInboundHandlerAdapter {
  static final StreamRequests INSTANCE = new StreamRequests();

  private StreamRequests() {}

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest request) {
      HttpHeaders h = request.headers();
      h.remove(ExtensionHeaderNames.STREAM_ID.text());
      h.remove(ExtensionHeaderNames.SCHEME.text());
      h.remove(ExtensionHeaderNames.PATH.text());
      h.remove(ExtensionHeaderNames.STREAM_PROMISE_ID.text());
      h.remove(ExtensionHeaderNames.STREAM_DEPENDENCY_ID.text());
      h.remove(ExtensionHeaderNames.STREAM_WEIGHT.text());
      h.remove(ExtensionHeaderNames.PROTOCOL.text());
      if (msg instanceof FullHttpRequest full) {
        ctx.fireChannelRead(new DefaultHttpRequest(full.protocolVersion(), full.method(),
            full.uri(), full.headers()));
        ctx.fireChannelRead(new DefaultLastHttpContent(full.content(), full.trailingHeaders()));
        return;
      }
    }
    ctx.fireChannelRead(msg);
  }

  /**
   * A stream whose frames do not translate to an HTTP request (a connection-specific header, a
   * pseudo-header out of place) is malformed: RST_STREAM(PROTOCOL_ERROR), RFC 9113 section
   * 8.1.1; the connection goes on. Errors of the stream's I/O go on to the client handler.
   */
  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof DecoderException || cause instanceof Http2Exception
        || cause instanceof IllegalArgumentException) {
      ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.PROTOCOL_ERROR))
          .addListener(ChannelFutureListener.CLOSE);
      return;
    }
    ctx.fireExceptionCaught(cause);
  }
}
