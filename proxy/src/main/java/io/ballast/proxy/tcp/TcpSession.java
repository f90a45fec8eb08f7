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
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
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
 *   <li>its attempts start on the listener's pool ({@link StreamAttempts}): the pool's
 *       picker chooses (hash-based pools by the client's address, zone-aware ones by its zone),
 *       the backend's gate (circuit breaker) is asked, and each connect is reported once;
 *   <li>a connect that fails (refused, timed out) goes on to another backend, the failed ones
 *       excluded, as long as the pool's retry settings allow; the client has sent nothing yet
 *       that ballast read (its bytes wait in the kernel), so nothing is lost or sent twice;
 *   <li>once a backend accepted, the two connections become a {@link Tunnel} (backpressure,
 *       half-closes, the idle timeout, a reset passed on as a reset), counted in the backend's
 *       load for as long as it lives;
 *   <li>at the end the attempt is reported (a backend's reset is its failure, anything else a
 *       success), and one {@link TcpConnectionLog} goes to the observer.
 * </ol>
 * The backend connection lives on the client's event loop, so the relay needs no lock.
 *
 * <p>Event-loop only (the client connection's), apart from {@link #closeIfTo}, which may be
 * called from any thread.
 */
final class TcpSession extends ChannelInboundHandlerAdapter implements TunnelListener {
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
  private Channel client;
  private InetSocketAddress peer;
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
  public void channelActive(ChannelHandlerContext ctx) {
    client = ctx.channel();
    peer = (InetSocketAddress) client.remoteAddress();
    listener.joined(this);
    host.streamStarted();
    safely(() -> observer.onClientConnectionOpened(spec.name()));
    client.closeFuture().addListener(f -> clientClosed());
    PoolRef ref = spec.pool();
    attempts.start(ref.pool(), ref.retry(), hashKey(ref), zone(ref));
    next();
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
      safely(() -> observer.onTcpConnectFailed(spec.name(), spec.pool().name(), b, why));
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
    ProxyHeaderVersion header = spec.pool().protocol().proxyHeader();
    if (header != null) {
      // The backend wants to know whom it serves: the header goes before any relayed byte.
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
    client.pipeline().remove(this);
    safely(() -> observer.onTcpConnectionOpened(spec.name(), spec.pool().name(), b));
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
    listener.left(this);
    host.streamEnded();
    List<Backend> tried = attempts.count() == 0 ? List.of() : attempts.backendsTried();
    TcpConnectionLog log = new TcpConnectionLog(startMillis,
        peer.getAddress().getHostAddress(), peer.getPort(), spec.name(), spec.pool().name(),
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
    return "tcp " + peer + " -> " + (backend == null ? "?" : backend.name());
  }
}
