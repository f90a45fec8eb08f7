package io.ballast.proxy.upstream;

import io.ballast.core.Backend;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * The base of the last handler of a pooled backend connection: knows its channel, counts the
 * connection open in the backend's load from channelActive to channelInactive (once, however the
 * channel ends), and returns a connection to its pool only when it is clean.
 *
 * <p>Clean means: since the response ended, not one byte came from the backend
 * ({@link BackendCodec#unsolicitedBytes()}), neither in the read that completed it nor later. So
 * a connection whose response is done is released at the end of its read
 * ({@link #releaseAfterRead()}), never in the middle of it, where a pipelined client's next
 * request could take it while the decoder still has the backend's unsolicited bytes to deliver.
 * A whole message that arrives with nobody waiting for it closes the connection
 * ({@link #unsolicited}); so do a few bytes that arrive while it sits in the pool.
 *
 * <p>Event-loop only; one instance per backend channel.
 */
public abstract class PooledConnection extends ChannelInboundHandlerAdapter {
  private final Backend backend;
  private final BackendCodec codec;
  private Channel channel;
  private boolean counted;
  private boolean releasePending;

  /** The handler of a whole HTTP/1.1 connection read by {@code codec}. */
  public PooledConnection(Backend backend, BackendCodec codec) {
    this.backend = backend;
    this.codec = java.util.Objects.requireNonNull(codec, "codec");
  }

  public final Channel channel() {
    return channel;
  }

  /** The channel closed (counted out of the backend's load already). */
  public abstract void closed();

  /** True while a request uses the connection. */
  public abstract boolean inUse();

  /** Puts the connection back into its pool (it is clean and idle). */
  public abstract void returnToPool();

  /** After each read, once the pool has had its say. */
  public void readComplete() {}

  /**
   * The connection's response is done and it may serve again: it goes back to the pool at the
   * end of the current read if it is clean then, else it closes.
   */
  public final void releaseAfterRead() {
    codec.responseEnded();
    channel.config().setAutoRead(true);
    releasePending = true;
  }

  /** Something arrived that nobody asked for: the connection cannot be trusted any more. */
  public final void unsolicited(ChannelHandlerContext ctx, Object msg) {
    releasePending = false;
    ReferenceCountUtil.release(msg);
    ctx.close();
  }

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
    releasePending = false;
    if (counted) {
      counted = false;
      backend.load().connectionClosed();
    }
    closed();
  }

  @Override
  public final void channelReadComplete(ChannelHandlerContext ctx) {
    if (releasePending) {
      releasePending = false;
      if (ctx.channel().isActive() && !codec.unsolicitedBytes() && !inUse()) {
        returnToPool();
      } else {
        ctx.close();
      }
    } else if (codec.unsolicitedBytes()) {
      // Bytes on an idle connection, too few to make a message: nothing more may come, so
      // nothing will ever close it but this, and the next request would read them first.
      ctx.close();
    }
    readComplete();
  }

  @Override
  public final void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // The close reaches channelInactive, which tells whoever uses the connection.
    ctx.close();
  }
}
