package io.ballast.proxy.http1;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslHandler;
import java.util.concurrent.TimeUnit;

/**
 * Closes a client's HTTP/1.1 connection after its last response without losing that response.
 * When the client may still be sending (a body ballast refused or cut, a request pipelined behind
 * the last one it serves), closing the socket with unread bytes in it makes the kernel answer
 * with a reset, and a reset arriving before the client read the response makes it throw the
 * response away: the 413 the client should have seen becomes "connection reset". So such a
 * connection lingers, as NGINX's {@code lingering_close} does: after its last byte the response
 * is followed by a FIN (on plain connections; on TLS the close is TLS's own and comes at the end),
 * what the client goes on sending is read and thrown away, and the connection closes when the
 * client closes its side, or after {@link #LINGER_MILLIS} at most.
 *
 * <p>Stateless; event-loop only.
 */
final class Linger {
  /** Long enough for a client to read a response and stop, short enough to hold little. */
  static final long LINGER_MILLIS = 2000;

  private Linger() {}

  /**
   * Closes {@code ctx}'s connection once what was written is flushed; lingers first when
   * {@code inputPending} (the client may still be sending).
   */
  static void close(ChannelHandlerContext ctx, boolean inputPending) {
    Channel ch = ctx.channel();
    if (!inputPending || !(ch instanceof SocketChannel socket)) {
      ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
      if (!f.isSuccess() || !ch.isActive()) {
        ch.close();
        return;
      }
      if (ch.pipeline().get(SslHandler.class) == null) {
        socket.shutdownOutput();
      }
      // What arrives now is decoded and thrown away (the client handler is closing).
      ch.config().setAutoRead(true);
      ch.eventLoop().schedule(() -> {
        ch.close();
      }, LINGER_MILLIS, TimeUnit.MILLISECONDS);
    });
  }
}
