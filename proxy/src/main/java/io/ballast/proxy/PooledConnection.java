package io.ballast.proxy;

import io.ballast.core.Backend;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * The base of the last handler of a pooled backend connection: knows its channel, and counts
 * the connection open in the backend's load from channelActive to channelInactive (once, however
 * the channel ends). A failure closes the channel; what the close means is {@link #closed()}'s.
 *
 * <p>Event-loop only; one instance per backend channel.
 */
abstract class PooledConnection extends ChannelInboundHandlerAdapter {
  private final Backend backend;
  private Channel channel;
  private boolean counted;

  PooledConnection(Backend backend) {
    this.backend = backend;
  }

  final Channel channel() {
    return channel;
  }

  /** Tells the backend's outlier tracker, if any, how a connect to it ended (local origin). */
  static void reportConnect(Backend backend, boolean success) {
    io.ballast.core.OutcomeListener outlier = backend.outcomes();
    if (outlier != null) {
      if (success) {
        outlier.localOriginSuccess();
      } else {
        outlier.localOriginFailure();
      }
    }
  }

  /** The channel closed (counted out of the backend's load already). */
  abstract void closed();

  @Override
  public final void handlerAdded(ChannelHandlerContext ctx) {
    channel = ctx.channel();
  }

  @Override
  public final void channelActive(ChannelHandlerContext ctx) {
    counted = true;
    backend.load().connectionOpened();
    ctx.fireChannelActive();
  }

  @Override
  public final void channelInactive(ChannelHandlerContext ctx) {
    if (counted) {
      counted = false;
      backend.load().connectionClosed();
    }
    closed();
  }

  @Override
  public final void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // The close reaches channelInactive, which tells whoever uses the connection.
    ctx.close();
  }
}
