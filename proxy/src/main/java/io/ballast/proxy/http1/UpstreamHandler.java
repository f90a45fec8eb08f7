package io.ballast.proxy.http1;

import io.ballast.proxy.upstream.BackendCodec;
import io.ballast.proxy.upstream.BackendConnections;
import io.ballast.proxy.upstream.PooledConnection;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * The last handler of a backend connection: hands response objects to the exchange that owns the
 * connection, and keeps the connection honest:
 * <ul>
 *   <li>A connection goes back to the pool only after the read that completed its response was
 *       decoded whole ({@link #responseDone}, {@link PooledConnection}): anything the backend sent
 *       after the response (a second response nobody asked for, a body on a 204) reaches this
 *       handler with no owner and closes the connection, and a partial message (even a whole
 *       status line, which the decoder takes in silently) keeps it out of the pool too, as
 *       does any byte that arrives while it sits there. No byte of one response can answer
 *       another request.
 *   <li>Idle in the pool too long: closed. A response that has begun and then sends nothing for
 *       the read timeout: the owner hears {@link UpstreamLeg#onStalled} (not while the
 *       connection is paused because the client reads slowly).
 * </ul>
 *
 * <p>Time is counted in ticks of the connection's {@code IdleStateHandler} (the shorter of the
 * pool idle and read timeouts): every tick without a read adds one, a read starts over.
 *
 * <p>The {@link Upstream} of an attempt on an HTTP/1.1 connection (a stream of an HTTP/2
 * connection is an {@link UpstreamStream}).
 *
 * <p>Event-loop only; one instance per backend channel.
 */
final class UpstreamHandler extends PooledConnection implements Upstream {
  /** The connection's pool entry. */
  final BackendConnections.Entry<UpstreamHandler> entry;
  private final OwnerCalls calls = new OwnerCalls(this, () -> this.owner);
  private final long tickNanos;
  private final long idleTicks;
  private final long readTicks;
  private UpstreamLeg owner;
  /** Reading the rest of a response nobody wants (a retried 503): 1 reuse after, 2 close after. */
  private int discarding;
  /** Ticks of the idle handler since the last read. */
  private long ticks;
  /** Why the backend ended the connection, when it said: a failed TLS handshake, a reset. */
  private String failure;
  /** Reading resumed after a pause for a slow client since the last tick. */
  private boolean resumed;

  UpstreamHandler(BackendConnections.Entry<UpstreamHandler> entry, BackendCodec codec,
      long tickNanos, long idleNanos, long readNanos) {
    super(entry.backend, codec);
    this.entry = entry;
    this.tickNanos = tickNanos;
    this.idleTicks = Math.max(1, idleNanos / tickNanos);
    this.readTicks = Math.max(1, readNanos / tickNanos);
  }

  @Override
  public void owner(UpstreamLeg leg) {
    this.owner = leg;
  }

  @Override
  public void write(HttpObject msg, Mark mark) {
    Channel ch = channel();
    if (mark == Mark.NONE) {
      ch.write(msg, ch.voidPromise());
    } else {
      ch.write(msg).addListener(calls.of(mark));
    }
  }

  @Override
  public void flush() {
    channel().flush();
  }

  @Override
  public boolean isWritable() {
    return channel().isWritable();
  }

  @Override
  public void pauseReading() {
    channel().config().setAutoRead(false);
  }

  @Override
  public void close() {
    owner = null;
    channel().close();
  }

  /**
   * The owner's response is complete. {@code reusable}: the response and the request allow
   * keep-alive; the connection then returns to the pool once this read is decoded whole and
   * nothing else came with it. Otherwise it closes.
   */
  @Override
  public void responseDone(boolean reusable) {
    owner = null;
    if (reusable && channel().isActive()) {
      releaseAfterRead();
    } else {
      channel().close();
    }
  }

  /**
   * The owner retried elsewhere after this connection's response head: the rest of the response
   * is read and dropped, then the connection goes back to the pool when {@code reuse} (the
   * response is keep-alive and the whole request was written) or closes. Saves a reconnect per
   * retried status, which is when a struggling backend can least afford one.
   */
  @Override
  public void discardRest(boolean reuse) {
    owner = null;
    discarding = reuse ? 1 : 2;
    channel().config().setAutoRead(true);
  }

  /** The client can take more: read the backend again (see {@link #userEventTriggered}). */
  @Override
  public void resume() {
    resumed = true;
    channel().config().setAutoRead(true);
  }

  @Override
  public boolean inUse() {
    return owner != null;
  }

  @Override
  public void returnToPool() {
    entry.release(this);
  }

  @Override
  public void closed() {
    UpstreamLeg o = owner;
    owner = null;
    if (o != null) {
      o.onClosed(this);
    } else {
      entry.remove(this);
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ticks = 0;
    if (discarding != 0) {
      discard(ctx, msg);
      return;
    }
    UpstreamLeg o = owner;
    if (o != null && msg instanceof HttpObject http) {
      o.onRead(this, http);
    } else {
      // Nobody asked for it: the connection can no longer be trusted to frame responses.
      unsolicited(ctx, msg);
    }
  }

  private void discard(ChannelHandlerContext ctx, Object msg) {
    boolean end = msg instanceof LastHttpContent
        || msg instanceof HttpObject h && h.decoderResult().isFailure();
    boolean reuse = discarding == 1 && msg instanceof LastHttpContent
        && ((HttpObject) msg).decoderResult().isSuccess();
    ReferenceCountUtil.release(msg);
    if (end) {
      discarding = 0;
      if (reuse) {
        releaseAfterRead();
      } else {
        ctx.close();
      }
    }
  }

  @Override
  public void readComplete() {
    calls.readComplete();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    calls.writabilityChanged();
  }

  /**
   * Why the backend ended the connection, when it said so before the close (the TLS handshake
   * failed); null otherwise.
   */
  @Override
  public String failure() {
    return failure;
  }

  /** The backend said it did not process the request: it may go anywhere, as never sent. */
  @Override
  public boolean notProcessed() {
    // HTTP/1.1 has no way to say so: a connection that closed may have processed the request.
    return false;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    ReferenceCountUtil.release(evt);
    if (evt instanceof SslHandshakeCompletionEvent e && !e.isSuccess()) {
      // The handler closes the connection next; the attempt learns why from here.
      failure = "TLS handshake with the backend failed: " + BackendConnections.message(e.cause());
      return;
    }
    if (!(evt instanceof IdleStateEvent)) {
      return;
    }
    UpstreamLeg o = owner;
    if (o == null) {
      // Idle while pooled, or while discarding a response that stopped coming.
      if (++ticks >= idleTicks) {
        ctx.close();
      }
      return;
    }
    if (!ctx.channel().config().isAutoRead() || resumed) {
      // Paused for a slow client: the backend is not the one stalling. Nor is it on the first
      // tick after the pause ended: the idle handler counts from the last read, which came
      // before the pause, and the read that the resume starts may not have run yet.
      resumed = false;
      ticks = 0;
      return;
    }
    if (++ticks >= readTicks) {
      o.onStalled(this, ticks * tickNanos / 1_000_000);
    }
  }
}
