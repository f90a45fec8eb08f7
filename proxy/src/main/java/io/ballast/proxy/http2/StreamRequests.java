package io.ballast.proxy.http2;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http2.HttpConversionUtil.ExtensionHeaderNames;

/**
 * Takes from a stream's request the extension headers the HTTP/2 to HTTP/1.1 translation adds
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
    }
    ctx.fireChannelRead(msg);
  }
}
