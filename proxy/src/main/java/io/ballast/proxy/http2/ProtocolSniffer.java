package io.ballast.proxy.http2;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.List;

/**
 * Tells HTTP/2 from HTTP/1.1 on a new connection, so that one port serves both: TLS clients say
 * which through ALPN; a cleartext client speaks HTTP/2 with prior knowledge when its first 24
 * bytes are the connection preface (RFC 9113 section 3.4), which no HTTP/1.1 request begins
 * with. It decides on the first byte that differs from the preface, or on the whole preface,
 * installs the protocol's handlers after itself and leaves; the bytes it looked at go on to them.
 *
 * <p>One instance per connection; event-loop only.
 */
public final class ProtocolSniffer extends ByteToMessageDecoder {
  /** Installs a protocol's handlers after the sniffer's. */
  public interface Protocols {
    void http1(ChannelHandlerContext ctx);

    void http2(ChannelHandlerContext ctx);
  }

  private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();
  private final Protocols protocols;

  public ProtocolSniffer(Protocols protocols) {
    this.protocols = protocols;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    SslHandler ssl = ctx.pipeline().get(SslHandler.class);
    if (ssl != null && ApplicationProtocolNames.HTTP_2.equals(ssl.applicationProtocol())) {
      choose(ctx, true);
      return;
    }
    int n = Math.min(in.readableBytes(), PREFACE.readableBytes());
    for (int i = 0; i < n; i++) {
      if (in.getByte(in.readerIndex() + i) != PREFACE.getByte(i)) {
        choose(ctx, false);
        return;
      }
    }
    if (n == PREFACE.readableBytes()) {
      choose(ctx, true);
    }
  }

  private void choose(ChannelHandlerContext ctx, boolean http2) {
    if (http2) {
      protocols.http2(ctx);
    } else {
      protocols.http1(ctx);
    }
    // Removing a decoder hands what it holds to the handlers after it.
    ctx.pipeline().remove(this);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof IdleStateEvent) {
      // Connected and silent for the client idle timeout.
      ctx.close();
      return;
    }
    super.userEventTriggered(ctx, evt);
  }
}
