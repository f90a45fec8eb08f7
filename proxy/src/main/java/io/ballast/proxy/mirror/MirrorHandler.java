package io.ballast.proxy.mirror;

import io.ballast.proxy.upstream.BackendCodec;
import io.ballast.proxy.upstream.BackendConnections;
import io.ballast.proxy.upstream.PooledConnection;
import io.netty.channel.ChannelHandlerContext;
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
final class MirrorHandler extends PooledConnection {
  /** The connection's pool entry. */
  final BackendConnections.Entry<MirrorHandler> entry;
  private MirrorCall call;

  MirrorHandler(BackendConnections.Entry<MirrorHandler> entry, BackendCodec codec) {
    super(entry.backend, codec);
    this.entry = entry;
  }

  void call(MirrorCall owner) {
    this.call = owner;
  }

  @Override
  public boolean inUse() {
    return call != null;
  }

  @Override
  public void returnToPool() {
    entry.release(this);
  }

  @Override
  public void closed() {
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
      unsolicited(ctx, msg);
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
}
