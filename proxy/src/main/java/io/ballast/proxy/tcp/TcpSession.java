package io.ballast.proxy.tcp;

import io.ballast.core.Backend;
import io.ballast.core.attempt.StreamAttempts;
import io.ballast.core.Ticker;
import io.ballast.core.zone.ZoneMap;
import io.ballast.proxy.ProxyObserver;
import io.ballast.proxy.client.HashKey;
import io.ballast.proxy.client.HashKeys;
import io.ballast.proxy.proxyprotocol.ProxyHeaderVersion;
import io.ballast.proxy.proxyprotocol.ProxyHeaderWriter;
import io.ballast.proxy.routing.PoolRef;
import io.ballast.proxy.tunnel.Farewell;
import io.ballast.proxy.tunnel.Tunnel;
import io.ballast.proxy.tunnel.TunnelListener;
import io.ballast.proxy.tunnel.TunnelSummary;
import io.ballast.proxy.upstream.BackendConnections;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection of a TCP listener, from its accept to its log line:
 * <ol>
 *   <li>on a listener that reads first ({@link ReadFirst}: a PROXY protocol header, a TLS
 *       ClientHello) the session opens once the header named the client ({@link #open}), and
 *       learns its pool from the ClientHello's server name ({@link #routed}) or ends there
 *       ({@link #refused}); what was read is held ({@link #channelRead}). Elsewhere it opens at
 *       accept, on the listener's pool, having read nothing;
 *   <li>its attempts start on the pool ({@link StreamAttempts}): the pool's
 *       picker chooses (hash-based pools by the client's address, zone-aware ones by its zone),
 *       the backend's gate (circuit breaker) is asked, and each connect is reported once;
 *   <li>a connect that fails (refused, timed out) goes on to another backend, the failed ones
 *       excluded, as long as the pool's retry settings allow. Nothing was written to the failed
 *       one: the bytes read first stay held, and the rest wait in the kernel, so nothing is lost
 *       or sent twice;
 *   <li>once a backend accepted, the two connections become a {@link Tunnel} (backpressure,
 *       half-closes, the idle timeout, a reset passed on as a reset), counted in the backend's
 *       load for as long as it lives; the held bytes are its first from the client, passed to
 *       it once, and released with the session when no backend took them;
 *   <li>at the end the attempt is reported (a backend's reset is its failure, anything else a
 *       success), and one {@link TcpConnectionLog} goes to the observer.
 * </ol>
 * The backend connection lives on the client's event loop, so the relay needs no lock.
 *
 * <p>Event-loop only (the client connection's), apart from {@link #closeIfTo}, which may be
 * called from any thread.
 */
final class TcpSession extends ChannelInboundHandlerAdapter
    implements TunnelListener, ClientHelloReader.Verdict {
  private static final Logger LOG = LoggerFactory.getLogger(TcpSession.class);

  private final TcpListener listener;
  private final TcpListenerSpec spec;
  private final TcpHost host;
  /** How backends are reached, with the connect timeout at accept. */
  private final BackendDialer dialer;
  /** The observer at accept: opens and closes pair up across a reload. */
  private final ProxyObserver observer;
  private final StreamAttempts attempts;
  private final long startNanos = System.nanoTime();
  private final long startMillis = System.currentTimeMillis();
  private ChannelHandlerContext ctx;
  private Channel client;
  /** The client: its connection's peer, or the address a front balancer's PROXY header named. */
  private InetSocketAddress peer;
  /** The pool of the attempts; null until chosen. */
  private PoolRef pool;
  /** The server name of the client's ClientHello; null when none was read or it named none. */
  private String serverName;
  /** Bytes read before the relay; null while none were. */
  private HeldBytes held;
  /** The backend connection being made; null while none is. */
  private Channel dialing;
  /** A connect was tried (as opposed to every gate refusing, or no backend at all). */
  private boolean connectTried;
  /** The backend relayed to; read from other threads by {@link #closeIfTo}. */
  private volatile Backend backend;
  private Tunnel tunnel;
  private long connectNanos = -1;
  private boolean over;

  TcpSession(TcpListener listener, TcpListenerSpec spec, TcpHost host) {
    this.listener = listener;
    this.spec = spec;
    this.host = host;
    this.dialer = listener.dialer();
    this.observer = host.observer();
    this.attempts = new StreamAttempts(Ticker.SYSTEM, host.attemptListener());
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    if (client == null) {
      // Nothing to read first: the backend is found at accept.
      open(ctx.channel(), null);
      start(spec.pool());
    }
  }

  /** Counted open from now; {@code from}: the client a PROXY header named (null: the peer). */
  void open(Channel connection, InetSocketAddress from) {
    client = connection;
    peer = from != null ? from : (InetSocketAddress) connection.remoteAddress();
    listener.joined(this);
    host.streamStarted();
    safely(() -> observer.onClientConnectionOpened(spec.name()));
  }

  /** After {@link #open}: the attempts begin on {@code ref}. */
  void start(PoolRef ref) {
    pool = ref;
    client.closeFuture().addListener(f -> clientClosed());
    attempts.start(ref.pool(), ref.retry(), hashKey(ref), zone(ref));
    next();
  }

  @Override
  public void routed(String name, PoolRef ref) {
    serverName = name;
    if (LOG.isDebugEnabled()) {
      LOG.debug("tcp listener {}: {} asked for {}: pool {}", spec.name(), peer,
          name == null ? "no name" : name, ref.name());
    }
    start(ref);
  }

  @Override
  public void refused(TcpEnd end, String name, String error) {
    serverName = name;
    finish(end, error, 0, 0);
  }

  /** Bytes read before the relay: held, to be the first the backend gets. */
  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (over || !(msg instanceof ByteBuf chunk)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (held == null) {
      held = new HeldBytes();
    }
    held.add(chunk);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // Before the tunnel: the client broke while its backend was being found.
    LOG.debug("tcp listener {}: client {} failed: {}", spec.name(), peer, cause.toString());
    ctx.close();
  }

  /** The client's key for hash-based pools: its address, as the pool's mask says. */
  private long hashKey(PoolRef ref) {
    return ref.hashKey() instanceof HashKey.ClientIp ip
        ? HashKeys.clientIp(peer.getAddress(), ip) : 0L;
  }

  /** The client's zone in a zone-aware pool, from the locality table; -1 when unknown. */
  private int zone(PoolRef ref) {
    ZoneMap zones = ref.zones();
    return zones == null ? -1 : zones.index(host.locality().tableZone(peer.getAddress()));
  }

  /** The next backend to connect to, or the end when the attempts are over. */
  private void next() {
    Backend b = attempts.next();
    if (b == null) {
      finish(connectTried ? TcpEnd.CONNECT_FAILED : TcpEnd.NO_BACKEND, attempts.reason(), 0, 0);
      client.close();
      return;
    }
    connectTried = true;
    ChannelFuture f = dialer.connect(b, client.eventLoop());
    dialing = f.channel();
    f.addListener((ChannelFuture done) -> connected(done, b));
  }

  private void connected(ChannelFuture f, Backend b) {
    if (f.channel() != dialing) {
      // The client left meanwhile (clientClosed ended the session and closed this channel).
      f.channel().close();
      return;
    }
    dialing = null;
    if (!f.isSuccess()) {
      String why = BackendConnections.describe(f.cause());
      safely(() -> observer.onTcpConnectFailed(spec.name(), pool.name(), b, why));
      if (attempts.connectFailed(why)) {
        next();
      } else {
        finish(TcpEnd.CONNECT_FAILED, attempts.reason(), 0, 0);
        client.close();
      }
      return;
    }
    attempts.opened();
    connectNanos = System.nanoTime() - startNanos;
    ProxyHeaderVersion header = pool.protocol().proxyHeader();
    if (header != null) {
      // The backend wants to know whom it serves: the header goes before any relayed byte, and
      // names the client (the one a front balancer's header named, if any).
      ProxyHeaderWriter.writeNow(f.channel(), header, peer,
          (InetSocketAddress) client.localAddress());
    }
    relay(b, f.channel());
  }

  private void relay(Backend b, Channel upstream) {
    backend = b;
    b.load().connectionOpened();
    upstream.closeFuture().addListener(f -> b.load().connectionClosed());
    tunnel = new Tunnel(client, upstream, spec.idleTimeout(), Farewell.NONE, this,
        host.tunnels());
    tunnel.passResets();
    client.pipeline().addLast(tunnel.endpoint(true));
    upstream.pipeline().addLast(tunnel.endpoint(false));
    if (held != null) {
      // They go to the backend first, once, and count as relayed.
      held.passOn(ctx);
    }
    client.pipeline().remove(this);
    safely(() -> observer.onTcpConnectionOpened(spec.name(), pool.name(), b));
    tunnel.start();
  }

  /** The client's connection closed; before the tunnel, that ends the session. */
  private void clientClosed() {
    if (tunnel != null || over) {
      return;
    }
    Channel d = dialing;
    dialing = null;
    if (d != null) {
      d.close();
    }
    attempts.abandoned();
    finish(TcpEnd.CLIENT_LEFT, "client left while ballast was connecting", 0, 0);
  }

  /**
   * The backend left its pool for good: a connection relayed to it closes (both sides). Any
   * thread.
   */
  void closeIfTo(Backend gone) {
    if (backend != gone) {
      return;
    }
    try {
      client.eventLoop().execute(() -> {
        if (tunnel != null) {
          tunnel.goAway(Duration.ZERO);
        }
      });
    } catch (RejectedExecutionException e) {
      // Shutting down: the connections close with the event loops.
    }
  }

  // ---- the tunnel's reports

  @Override
  public void relayed(boolean fromClient, int bytes) {
    try {
      observer.onTcpBytes(spec.name(), backend, fromClient, bytes);
    } catch (RuntimeException e) {
      LOG.warn("observer failed on tcp bytes", e);
    }
  }

  @Override
  public void closed(TunnelSummary summary) {
    TcpEnd end = TcpEnd.of(summary.end());
    String error = switch (end) {
      case BACKEND_RESET -> "backend reset the connection";
      case CLIENT_RESET -> "client reset the connection";
      case IDLE_TIMEOUT -> "idle timeout after " + spec.idleTimeout().toMillis() + " ms";
      case SHUTDOWN -> "closed by ballast (shutdown, or the backend left its pool)";
      default -> null;
    };
    if (end == TcpEnd.BACKEND_RESET) {
      attempts.broken(error);
    } else {
      attempts.ended();
    }
    finish(end, error, summary.bytesFromClient(), summary.bytesFromBackend());
  }

  /** Once: the session is over; its log goes out and it stops counting. */
  private void finish(TcpEnd end, String error, long fromClient, long fromBackend) {
    if (over) {
      return;
    }
    over = true;
    if (held != null) {
      held.release();
    }
    listener.left(this);
    host.streamEnded();
    List<Backend> tried = attempts.count() == 0 ? List.of() : attempts.backendsTried();
    TcpConnectionLog log = new TcpConnectionLog(startMillis,
        peer.getAddress().getHostAddress(), peer.getPort(), spec.name(),
        pool == null ? null : pool.name(), serverName,
        end.relayed() ? backend : null, tried, fromClient, fromBackend, connectNanos,
        System.nanoTime() - startNanos, end, error);
    safely(() -> observer.onClientConnectionClosed(spec.name()));
    safely(() -> observer.onTcpConnectionClosed(log));
    if (LOG.isDebugEnabled()) {
      LOG.debug("tcp listener {}: {} -> {} ended {} after {} ms", spec.name(), peer,
          backend == null ? "-" : backend.name(), end.label(),
          TimeUnit.NANOSECONDS.toMillis(log.durationNanos()));
    }
  }

  private static void safely(Runnable report) {
    try {
      report.run();
    } catch (RuntimeException e) {
      LOG.warn("observer failed on a tcp connection event", e);
    }
  }

  @Override
  public String toString() {
    return "tcp " + peer + (serverName == null ? "" : " (" + serverName + ")") + " -> "
        + (backend == null ? "?" : backend.name());
  }
}
