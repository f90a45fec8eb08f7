package io.ballast.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * The last handler of a shadow backend connection: hands response objects to the copy that uses
 * the connection, and keeps an idle one honest (closed by the backend: forgotten; idle too long:
 * closed; unsolicited bytes: closed).
 *
 * <p>Event-loop only; one instance per shadow channel.
 */
final class MirrorHandler extends ChannelInboundHandlerAdapter {
  final MirrorConnections.Entry entry;
  private Channel channel;
  private MirrorCall call;
  private boolean counted;

  MirrorHandler(MirrorConnections.Entry entry) {
    this.entry = entry;
  }

  Channel channel() {
    return channel;
  }

  void call(MirrorCall owner) {
    this.call = owner;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = ctx.channel();
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    counted = true;
    entry.backend.load().connectionOpened();
    ctx.fireChannelActive();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (counted) {
      counted = false;
      entry.backend.load().connectionClosed();
    }
    MirrorCall c = call;
    call = null;
    if (c != null) {
      c.onClosed();
    } else {
      entry.remove(this);
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    MirrorCall c = call;
    if (c != null && msg instanceof HttpObject http) {
      c.onRead(http);
    } else {
      ReferenceCountUtil.release(msg);
      ctx.close();
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    // Only an idle pooled connection times out here; a copy in flight has its own timer.
    if (evt instanceof IdleStateEvent && call == null) {
      ctx.close();
    }
    ReferenceCountUtil.release(evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // The close reaches channelInactive, which tells the copy.
    ctx.close();
  }
}
