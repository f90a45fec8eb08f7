package io.ballast.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * The last handler of a backend connection: hands response objects to the exchange that owns the
 * connection, and keeps an idle pooled connection honest (closed by the backend: dropped from the
 * pool; idle too long: closed; unsolicited bytes: closed).
 *
 * <p>Event-loop only; one instance per backend channel.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {
  final UpstreamPool.Entry entry;
  private Channel channel;
  private Exchange owner;
  private boolean counted;

  UpstreamHandler(UpstreamPool.Entry entry) {
    this.entry = entry;
  }

  Channel channel() {
    return channel;
  }

  void owner(Exchange exchange) {
    this.owner = exchange;
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
    Exchange o = owner;
    owner = null;
    if (o != null) {
      o.onUpstreamClosed(this);
    } else {
      entry.remove(this);
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    Exchange o = owner;
    if (o != null && msg instanceof HttpObject http) {
      o.onUpstreamRead(this, http);
    } else {
      ReferenceCountUtil.release(msg);
      ctx.close();
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    Exchange o = owner;
    if (o != null) {
      o.flushClient();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    Exchange o = owner;
    if (o != null) {
      o.onUpstreamWritabilityChanged();
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent && owner == null) {
      ctx.close();
    }
    ReferenceCountUtil.release(evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // The close reaches channelInactive, which tells the owner.
    ctx.close();
  }
}
