package io.ballast.proxy.upstream.h2;

import io.ballast.proxy.upstream.BackendConnections;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.nio.charset.StandardCharsets;

/**
 * Stands in front of the HTTP/2 codec of a backend connection until the backend's first bytes,
 * and turns the ways a backend can fail to speak HTTP/2 into a clear reason
 * ({@link ConnectionFailure}) instead of a protocol error on the first frame:
 * <ul>
 *   <li>TLS: the handshake failed, or the backend did not select h2 by ALPN (it offers http/1.1
 *       only, or knows no ALPN);
 *   <li>the backend answered the connection preface with an HTTP/1.x status line: it speaks
 *       HTTP/1.1 only. An HTTP/2 server's first bytes are a SETTINGS frame, whose first byte (the
 *       top of a 24-bit length) is never 'H'.
 * </ul>
 * Removes itself once the first bytes look like HTTP/2.
 *
 * <p>Event-loop only; one per connection.
 */
final class H2Preflight extends ChannelInboundHandlerAdapter {
  private static final byte[] HTTP1 = "HTTP/1.".getBytes(StandardCharsets.US_ASCII);

  /** "h2" or "h2c": what the reasons say the backend does not speak. */
  private final String protocol;
  private boolean failed;

  H2Preflight(String protocol) {
    this.protocol = protocol;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof SslHandshakeCompletionEvent e) {
      if (!e.isSuccess()) {
        // The TLS handler closes the connection next.
        failed = true;
        String why = BackendConnections.message(e.cause());
        // A backend that knows ALPN but not h2 often refuses the handshake with an alert
        // (no_application_protocol) rather than select nothing.
        ctx.fireUserEventTriggered(new ConnectionFailure(
            why.toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
                .contains("no application protocol")
                ? "backend did not negotiate h2 (ALPN: no protocol in common; " + why + ")"
                : "TLS handshake with the backend failed: " + why));
      } else {
        String alpn = ctx.pipeline().get(SslHandler.class).applicationProtocol();
        if (!"h2".equals(alpn)) {
          fail(ctx, "backend did not negotiate h2 (ALPN: " + (alpn == null ? "none" : alpn) + ")");
        }
      }
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (failed) {
      io.netty.util.ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof ByteBuf b && b.isReadable()) {
      if (http1(b)) {
        b.release();
        fail(ctx, "backend speaks HTTP/1.1, not " + protocol);
        return;
      }
      ctx.pipeline().remove(this);
    }
    ctx.fireChannelRead(msg);
  }

  private void fail(ChannelHandlerContext ctx, String reason) {
    failed = true;
    ctx.fireUserEventTriggered(new ConnectionFailure(reason));
    ctx.close();
  }

  /** The first bytes are (the start of) an HTTP/1.x status line. */
  private static boolean http1(ByteBuf b) {
    int n = Math.min(HTTP1.length, b.readableBytes());
    for (int i = 0; i < n; i++) {
      if (b.getByte(b.readerIndex() + i) != HTTP1[i]) {
        return false;
      }
    }
    return true;
  }
}
