package io.ballast.proxy.tunnel;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * A tunnel's handler on one of its two connections: hands reads, read ends, writability changes,
 * the peer's FIN and errors to the {@link Tunnel} (which hears of the close through the channel's
 * close future). Those events stop here; the close goes on down the pipeline, so that handlers
 * after this one (the connection's own bookkeeping) still see it.
 *
 * <p>Event-loop only; one per connection of a tunnel.
 */
final class TunnelEndpoint extends ChannelInboundHandlerAdapter implements TunnelInput {
  private final Tunnel tunnel;
  private final boolean client;

  TunnelEndpoint(Tunnel tunnel, boolean client) {
    this.tunnel = tunnel;
    this.client = client;
  }

  @Override
  public void read(ByteBuf bytes) {
    tunnel.read(client, bytes);
  }

  @Override
  public void readComplete() {
    tunnel.readComplete(client);
  }

  @Override
  public void writabilityChanged() {
    tunnel.writabilityChanged(client);
  }

  @Override
  public void inputEnded() {
    tunnel.inputEnded(client);
  }

  @Override
  public void failed(Throwable cause) {
    tunnel.failed(client, cause);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof ByteBuf chunk) {
      tunnel.read(client, chunk);
    } else {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    tunnel.readComplete(client);
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    tunnel.writabilityChanged(client);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ChannelInputShutdownEvent) {
      tunnel.inputEnded(client);
    }
    ReferenceCountUtil.release(evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    tunnel.failed(client, cause);
  }
}
