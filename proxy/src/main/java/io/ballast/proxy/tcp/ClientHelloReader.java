package io.ballast.proxy.tcp;

import io.ballast.proxy.routing.PoolRef;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.ssl.AbstractSniHandler;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.util.concurrent.Future;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Reads the TLS ClientHello that opens a connection of a listener routing by server name, without
 * answering it, and says where the connection goes: Netty's {@link AbstractSniHandler} gathers
 * the ClientHello (over as many reads as it takes: records split across TCP segments, a
 * ClientHello split across records) and finds its server name; {@link SniSpec#route} picks the
 * pool. Nothing is consumed: once routed this handler leaves the pipeline, and every byte read
 * (the ClientHello, and whatever came with it) goes on to the {@link TcpSession} after it, to be
 * the first bytes its backend gets.
 *
 * <p>Each connection gets exactly one verdict, told to the session once:
 * <ul>
 *   <li>routed: a ClientHello, with the name it asked for (null: none) and the pool;
 *   <li>{@link TcpEnd#NO_ROUTE}: no route lists the name (or none was sent) and there is no
 *       default pool;
 *   <li>{@link TcpEnd#NOT_TLS}: the first record is not a TLS handshake that starts with a
 *       ClientHello (plain text, another protocol, an SSLv2 hello, an alert);
 *   <li>{@link TcpEnd#CLIENT_HELLO_TOO_LARGE}: it says it is longer than {@link #MAX_LENGTH};
 *   <li>{@link TcpEnd#CLIENT_HELLO_TIMEOUT}: it is not whole within the spec's
 *       {@code clientHelloTimeout} of this handler's start;
 *   <li>{@link TcpEnd#CLIENT_HELLO_TRUNCATED} or {@link TcpEnd#CLIENT_LEFT}: the client closed
 *       (or reset) its connection after part of it, or before a byte of it.
 * </ul>
 * Every verdict but routed closes the connection.
 *
 * <p>Reading: TCP listeners' connections do not read on their own ({@code AUTO_READ} off, so
 * that the relay's backpressure decides), so this handler asks for the first read when it
 * starts; while the ClientHello is incomplete the decoder asks for the next one. Once it leaves,
 * nothing more is read until the tunnel starts.
 *
 * <p>Event-loop only, one per connection.
 */
final class ClientHelloReader extends AbstractSniHandler<PoolRef> {
  /**
   * The longest ClientHello read, 16 KiB: HAProxy's default buffer, which its SNI routing reads
   * the ClientHello into. Browsers' ClientHellos are under 2 KiB, post-quantum key shares
   * included. A longer claim is refused as soon as the TLS record that carries its length is in
   * (Netty reads a record whole, so at most one record, 64 KiB, is buffered for it).
   */
  static final int MAX_LENGTH = 16 * 1024;

  /** Where the verdict goes: the connection's session. Event loop only. */
  interface Verdict {
    /** A ClientHello that asked for {@code serverName} (null: none) goes to {@code pool}. */
    void routed(String serverName, PoolRef pool);

    /**
     * The connection ends before a backend was chosen, for {@code end} ({@code serverName} when
     * one was read); it is being closed.
     */
    void refused(TcpEnd end, String serverName, String error);
  }

  private final SniSpec sni;
  private final Verdict verdict;
  private ScheduledFuture<?> timer;
  /** Bytes of the connection read so far: a close after some is a truncated ClientHello. */
  private long received;
  /** What the decoder found is a ClientHello (rather than no handshake at all). */
  private boolean hello;
  private boolean done;

  ClientHelloReader(SniSpec sni, Verdict verdict) {
    // No timeout of Netty's: this handler's own timer tells the verdict before it closes.
    super(MAX_LENGTH, 0);
    this.sni = sni;
    this.verdict = verdict;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    // Added after a PROXY protocol header (the connection is active), or at accept.
    if (ctx.channel().isActive()) {
      start(ctx);
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    start(ctx);
    ctx.fireChannelActive();
  }

  private void start(ChannelHandlerContext ctx) {
    if (timer != null) {
      return;
    }
    timer = ctx.executor().schedule(() -> timedOut(ctx),
        sni.clientHelloTimeout().toNanos(), TimeUnit.NANOSECONDS);
    ctx.read();
  }

  private void timedOut(ChannelHandlerContext ctx) {
    if (!done) {
      refuse(ctx, TcpEnd.CLIENT_HELLO_TIMEOUT, "no whole ClientHello within "
          + sni.clientHelloTimeout().toMillis() + " ms (" + received + " bytes came)");
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    if (msg instanceof ByteBuf b) {
      received += b.readableBytes();
    }
    super.channelRead(ctx, msg);
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out)
      throws Exception {
    if (done) {
      // Refused and closing: what is left (read with the close) is dropped.
      in.skipBytes(in.readableBytes());
      return;
    }
    super.decode(ctx, in, out);
  }

  @Override
  protected Future<PoolRef> lookup(ChannelHandlerContext ctx, ByteBuf clientHello)
      throws Exception {
    // Netty passes null when the first record is no ClientHello; the name is its to find.
    hello = clientHello != null;
    return super.lookup(ctx, clientHello);
  }

  @Override
  protected Future<PoolRef> lookup(ChannelHandlerContext ctx, String hostname) {
    return ctx.executor().newSucceededFuture(hello ? sni.route(hostname) : null);
  }

  @Override
  protected void onLookupComplete(ChannelHandlerContext ctx, String hostname,
      Future<PoolRef> future) {
    if (done) {
      return;
    }
    if (!hello) {
      refuse(ctx, TcpEnd.NOT_TLS, "the first bytes are not a TLS ClientHello");
      return;
    }
    PoolRef pool = future.getNow();
    if (pool == null) {
      refuse(ctx, TcpEnd.NO_ROUTE, hostname, hostname == null
          ? "no server name in the ClientHello, and no default pool"
          : "no route for server name " + hostname + ", and no default pool");
      return;
    }
    finished();
    verdict.routed(hostname, pool);
    // Out of the pipeline: once the decoder returns, what it read goes on to the session.
    ctx.pipeline().remove(this);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (done) {
      return;
    }
    // Netty closed the connection already for these two, and throws after: the verdict is ours.
    if (cause instanceof TooLongFrameException) {
      refuse(ctx, TcpEnd.CLIENT_HELLO_TOO_LARGE, "ClientHello longer than " + MAX_LENGTH
          + " bytes");
    } else if (cause instanceof NotSslRecordException) {
      refuse(ctx, TcpEnd.NOT_TLS, "the first bytes are not a TLS record");
    } else {
      // A reset or a write error: the close tells how far the client got (channelInactive).
      ctx.close();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    if (!done) {
      TcpEnd end = received > 0 ? TcpEnd.CLIENT_HELLO_TRUNCATED : TcpEnd.CLIENT_LEFT;
      finished();
      verdict.refused(end, null, received > 0
          ? "client closed after " + received + " bytes, before its ClientHello ended"
          : "client closed before its ClientHello");
    }
    super.channelInactive(ctx);
  }

  private void refuse(ChannelHandlerContext ctx, TcpEnd end, String error) {
    refuse(ctx, end, null, error);
  }

  private void refuse(ChannelHandlerContext ctx, TcpEnd end, String serverName, String error) {
    finished();
    verdict.refused(end, serverName, error);
    ctx.close();
  }

  private void finished() {
    done = true;
    if (timer != null) {
      timer.cancel(false);
    }
  }
}
