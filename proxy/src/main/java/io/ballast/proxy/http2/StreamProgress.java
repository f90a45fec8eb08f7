package io.ballast.proxy.http2;

import io.ballast.proxy.http1.ClientHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * When a stream last moved: a frame read from the client, or room to write the response
 * regained (the client opened its window). {@link Http2ServerConnection} resets a stream that
 * has been stuck on its client for the client idle timeout: waiting for body bytes the client
 * does not send, or for a window the client never opens (a zero-window stall).
 *
 * <p>Event-loop only; one per stream, right before its {@link ClientHandler}.
 */
final class StreamProgress extends ChannelInboundHandlerAdapter {
  private long movedNanos = System.nanoTime();

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    movedNanos = System.nanoTime();
    ctx.fireChannelRead(msg);
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable()) {
      movedNanos = System.nanoTime();
    }
    ctx.fireChannelWritabilityChanged();
  }

  /**
   * How long the stream of {@code handler} has been stuck on its client at {@code now}; 0 while
   * it moves, waits on a backend, or serves no request (a tunnel times itself).
   */
  static long stalledFor(ClientHandler handler, long now) {
    if (!handler.serving()) {
      return 0;
    }
    StreamProgress p = handler.context().pipeline().get(StreamProgress.class);
    boolean stuck = handler.waitingOnClient() || !handler.context().channel().isWritable();
    return p == null || !stuck ? 0 : now - p.movedNanos;
  }
}
