package io.ballast.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * The last handler of a backend connection: hands response objects to the exchange that owns the
 * connection, and keeps an idle pooled connection honest (closed by the backend: dropped from the
 * pool; idle too long: closed; unsolicited bytes: closed).
 *
 * <p>Event-loop only; one instance per backend channel.
 */
final class UpstreamHandler extends PooledConnection {
  final BackendConnections.Entry<UpstreamHandler> entry;
  private Exchange owner;
  /** Reading the rest of a response nobody wants (a retried 503): 1 reuse after, 2 close after. */
  private int discarding;

  UpstreamHandler(BackendConnections.Entry<UpstreamHandler> entry) {
    super(entry.backend);
    this.entry = entry;
  }

  void owner(Exchange exchange) {
    this.owner = exchange;
  }

  /**
   * The owner retried elsewhere after this connection's response head: the rest of the response
   * is read and dropped, then the connection goes back to the pool when {@code reuse} (the
   * response is keep-alive and the whole request was written) or closes. Saves a reconnect per
   * retried status, which is when a struggling backend can least afford one.
   */
  void discardRest(boolean reuse) {
    owner = null;
    discarding = reuse ? 1 : 2;
    channel().config().setAutoRead(true);
  }

  @Override
  void closed() {
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
    if (discarding != 0) {
      boolean end = msg instanceof LastHttpContent
          || msg instanceof HttpObject h && h.decoderResult().isFailure();
      boolean reuse = discarding == 1 && msg instanceof LastHttpContent
          && ((HttpObject) msg).decoderResult().isSuccess();
      ReferenceCountUtil.release(msg);
      if (end) {
        discarding = 0;
        if (reuse && channel().isActive()) {
          entry.release(this);
        } else {
          ctx.close();
        }
      }
      return;
    }
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
    // Idle while pooled, or while discarding a response that stopped coming.
    if (evt instanceof IdleStateEvent && owner == null) {
      ctx.close();
    }
    ReferenceCountUtil.release(evt);
  }
}
