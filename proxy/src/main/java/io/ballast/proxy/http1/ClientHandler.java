package io.ballast.proxy.http1;

import io.ballast.proxy.ClientConnection;
import io.ballast.proxy.ListenerContext;
import io.ballast.proxy.ProxyServer;
import io.ballast.proxy.client.ClientAddress;
import io.ballast.proxy.tls.ClientTls;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.ballast.proxy.tunnel.Tunnel;
import io.ballast.proxy.tunnel.TunnelSide;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The last handler of a client connection: checks each request head, hands it and its body to the
 * connection's {@link Exchange}, holds pipelined requests until the exchange before them ends,
 * and decides when the client is read (autoRead follows the backend's writability) and when the
 * connection closes (idle, draining, Connection: close, refused request).
 *
 * <p>After a WebSocket upgrade the connection is a tunnel's: this handler stays behind the
 * tunnel's endpoint only to hear the close (the connection's bookkeeping), and leaves reading and
 * closing to the tunnel.
 *
 * <p>Event-loop only; one instance per client channel.
 */
public final class ClientHandler extends ChannelInboundHandlerAdapter
    implements ClientConnection, ExchangeClient {
  private enum State { IDLE, EXCHANGE, TUNNEL, CLOSING }

  private final ListenerContext listener;
  /** What the connection may switch to; null for none. */
  private final ProtocolSwitch upgrades;
  private ChannelHandlerContext ctx;
  /** The connection's HTTP codec, which holds still behind an upgrade request; may be null. */
  private ServerCodec codec;
  /** The head of the request being served now. */
  private HttpRequest current;
  private ClientAddress address = ClientAddress.UNKNOWN;
  private ClientSide side;
  private ClientTls tls;
  private Exchange exchange;
  private State state = State.IDLE;
  private final Pipelined pipelined = new Pipelined();
  /** Its part in a graceful stop: see {@link #drain} and {@link #awaitingRequest}. */
  private final DrainWatch drainWatch = new DrainWatch();
  /**
   * Above 0 while a request head is being handed to the exchange: reading decisions wait until it
   * returns. Starting an exchange first stops reading the client (no backend connection yet) and,
   * when a pooled connection is at hand, starts it again a few calls later; on epoll each change
   * is an epoll_ctl system call, two per request for nothing (a profiler showed them). Nothing is
   * read from the socket while this handler runs, so only the final decision matters.
   */
  private int beginning;

  /** The handler of an HTTP/1.1 connection. */
  public ClientHandler(ListenerContext listener) {
    this(listener, null);
  }

  /** The handler of an HTTP/1.1 connection that may switch protocols through {@code upgrades}. */
  public ClientHandler(ListenerContext listener, ProtocolSwitch upgrades) {
    this.listener = listener;
    this.upgrades = upgrades;
  }

  @Override
  public Channel connection() {
    return ctx.channel();
  }

  @Override
  public ClientSide side() {
    return side;
  }

  @Override
  public String protocol(HttpRequest request) {
    return request.protocolVersion().text();
  }

  @Override
  public ClientAddress address() {
    return address;
  }

  /**
   * What the connection's TLS handshake settled, or null on a plain connection. The handshake
   * ends before the first request can be decoded, so every request sees it.
   */
  @Override
  public ClientTls tls() {
    ClientTls t = tls;
    if (t == null && address.secure() && ctx != null) {
      t = tls = ClientTls.of(connection());
    }
    return t;
  }

  @Override
  public boolean closing() {
    return drainWatch.draining() || state == State.CLOSING;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.codec = ctx.pipeline().get(ServerCodec.class);
    if (ctx.channel().isActive() && ctx.channel().isRegistered()) {
      start();
    }
  }

  /**
   * True when {@code request} asked for a WebSocket upgrade that ballast may tunnel: the codec
   * holds still behind it until the backend answers.
   */
  @Override
  public boolean upgradeRequested(HttpRequest request) {
    return codec != null && codec.holdsFor(request);
  }

  @Override
  public boolean headIsWholeRequest() {
    return true;
  }

  @Override
  public boolean extendedConnect() {
    return false;
  }

  @Override
  public TunnelSide tunnelSide() {
    return TunnelSide.of(ctx.channel());
  }

  /**
   * The 101 goes to the client, encoded by the connection's HTTP codec one last time; the
   * tunnel's endpoint goes in front of this handler, which stays to hear the close, and the idle
   * and HTTP handlers go (what the decoder held reaches the endpoint).
   */
  @Override
  public void switchToTunnel(HttpResponse upgrade, Tunnel tunnel) {
    ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, upgrade.status(),
        Unpooled.EMPTY_BUFFER, upgrade.headers(), EmptyHttpHeaders.INSTANCE), ctx.voidPromise());
    ChannelPipeline p = ctx.pipeline();
    p.addBefore(ctx.name(), "tunnel", tunnel.endpoint(true));
    Switchover.removeIfPresent(p, IdleStateHandler.class);
    Switchover.removeIfPresent(p, ServerCodec.class);
    // Reading and closing are the tunnel's from now on.
    state = State.TUNNEL;
    pipelined.release();
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    start();
    ctx.fireChannelActive();
  }

  /**
   * Sets the connection up: when the channel becomes active, or when this handler joins an
   * active one (a listener that first looked at which protocol the client speaks).
   */
  private void start() {
    if (exchange != null) {
      return;
    }
    address = listener.clientAddress(ctx.channel());
    side = new ChannelSide(ctx.channel());
    exchange = new Exchange(this, listener, listener.upstreamPool(ctx.channel().eventLoop()), null);
    drainWatch.awaiting(System.nanoTime());
    listener.opened(this, false);
    if (listener.draining()) {
      // Accepted as the listener closed: its first request is answered, then it closes.
      drain();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    drainWatch.announced();
    state = State.CLOSING;
    if (exchange != null) {
      exchange.onClientClosed();
      listener.closed(this, false);
    }
    pipelined.release();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpObject http) {
      dispatch(http);
    } else {
      ReferenceCountUtil.release(msg);
    }
  }

  private void dispatch(HttpObject msg) {
    switch (state) {
      case CLOSING, TUNNEL -> ReferenceCountUtil.release(msg);
      case EXCHANGE -> {
        if (exchange.requestComplete()) {
          // The next request of a pipelining client waits for this response to end.
          pipelined.add(msg);
          updateReading();
        } else if (msg instanceof HttpContent content) {
          exchange.onRequestContent(content);
        } else {
          ReferenceCountUtil.release(msg);
        }
      }
      case IDLE -> {
        if (msg instanceof HttpRequest request) {
          onRequestHead(request);
        } else {
          // Body bytes of nothing we accepted.
          ReferenceCountUtil.release(msg);
        }
      }
    }
  }

  private void onRequestHead(HttpRequest request) {
    try {
      serveHead(request);
    } finally {
      // After the exchange counted the request in flight, so that a stop that sees neither a
      // connection awaiting a request nor a request in flight has really seen none.
      drainWatch.announced();
    }
  }

  private void serveHead(HttpRequest request) {
    if (exchange.refused(request)) {
      return;
    }
    if (upgrades != null && upgrades.upgrade(ctx, request, address.secure())) {
      // The connection speaks another protocol now; its handlers count and drain it.
      state = State.TUNNEL;
      listener.closed(this, true);
      ctx.pipeline().remove(this);
      return;
    }
    state = State.EXCHANGE;
    current = request;
    beginning++;
    try {
      exchange.begin(request);
    } finally {
      beginning--;
    }
    updateReading();
  }

  @Override
  public void refusing() {
    state = State.CLOSING;
    ctx.channel().config().setAutoRead(false);
  }

  @Override
  public void onExchangeEnd(boolean close) {
    if (!ctx.channel().isActive()) {
      state = State.CLOSING;
      return;
    }
    if (close || drainWatch.draining() || state == State.CLOSING) {
      // The client may still be sending (a body cut short, requests behind this one): linger.
      Linger.close(ctx, state == State.EXCHANGE && (!exchange.requestComplete()
          || !pipelined.isEmpty() || !ctx.channel().config().isAutoRead()));
      state = State.CLOSING;
      pipelined.release();
      return;
    }
    state = State.IDLE;
    HttpRequest ended = current;
    current = null;
    if (codec != null && codec.holdsFor(ended)) {
      // An upgrade the backend declined: what the client sent after it is HTTP again (decoded
      // here, or by the decoder's pass this runs in). A request it yields starts at once.
      codec.release();
      exchange.flushUpstream();
    }
    if (!pipelined.isEmpty()) {
      while (!pipelined.isEmpty()
          && (state == State.IDLE || state == State.EXCHANGE && !exchange.requestComplete())) {
        dispatch(pipelined.poll());
      }
      // What the next request wrote upstream waits for a flush, as after a read of the client
      // (channelReadComplete); this runs in the read of the previous answer instead, and
      // without it a pipelined body never leaves (and a request never counts as sent).
      exchange.flushUpstream();
    }
    updateReading();
  }

  /** Reads the client only when the request can go on and no pipelined request is waiting. */
  @Override
  public void updateReading() {
    if (beginning > 0 || state == State.TUNNEL) {
      return;
    }
    boolean want = switch (state) {
      case IDLE -> pipelined.isEmpty();
      // Behind a held upgrade request nothing is read: the bytes would only pile up undecoded.
      case EXCHANGE -> (pipelined.isEmpty()) && exchange.acceptsRequestData()
          && (codec == null || !codec.holding());
      case TUNNEL, CLOSING -> false;
    };
    if (ctx.channel().config().isAutoRead() != want) {
      ctx.channel().config().setAutoRead(want);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (exchange != null) {
      exchange.flushUpstream();
    }
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (exchange != null) {
      exchange.onClientWritabilityChanged();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent) {
      // Idle between requests, or a client that stalls while sending its request.
      if (state != State.EXCHANGE || exchange.waitingOnClient()) {
        ctx.close();
      }
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // I/O errors (reset by peer and the like): the close reaches channelInactive.
    ctx.close();
  }

  /**
   * True while the request in progress waits on the client: for bytes of its body (not on
   * ballast or a backend), or when none is in progress.
   */
  public boolean waitingOnClient() {
    return state != State.EXCHANGE || exchange.waitingOnClient();
  }

  /** True while a request is in progress (not before it, not after it, not in a tunnel). */
  public boolean serving() {
    return state == State.EXCHANGE;
  }

  @Override
  public EventExecutor executor() {
    return ctx.executor();
  }

  /**
   * Graceful stop: the connection takes no request after the one in progress or the next, and
   * closes after its answer (which carries Connection: close). One that is idle, between
   * requests or before its first, is not closed at once: a client may be sending a request
   * right now (one that just connected surely is), and a close would reset it. It stays open for
   * {@link ProxyServer#DRAIN_GRACE} since it became idle or was accepted, and the stop waits for
   * it as long ({@link #awaitingRequest}); a request that comes is answered, else it closes.
   * Event-loop only.
   */
  @Override
  public void drain() {
    if (state != State.IDLE || !ctx.channel().isActive()) {
      drainWatch.drainBusy();
      return;
    }
    long left = drainWatch.drainIdle(System.nanoTime(), ProxyServer.DRAIN_GRACE.toNanos());
    ctx.executor().schedule(this::closeIfIdle, left, TimeUnit.NANOSECONDS);
  }

  private void closeIfIdle() {
    if (state == State.IDLE && ctx.channel().isActive()) {
      state = State.CLOSING;
      ctx.close();
    }
  }

  @Override
  public boolean awaitingRequest(long now, long graceNanos) {
    return drainWatch.awaitingRequest(now, graceNanos);
  }

  /** The listener the connection came in on. */
  @Override
  public ListenerContext listener() {
    return listener;
  }
}
