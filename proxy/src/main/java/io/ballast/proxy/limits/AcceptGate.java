package io.ballast.proxy.limits;

import io.ballast.proxy.client.AccessList;
import io.ballast.proxy.proxyprotocol.ProxyProtocolSpec;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelFutureListener;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Admits the connections one listener (HTTP or TCP) accepts, on its listening channel, before a connection is
 * registered with an event loop or a byte of it is read:
 *
 * <ul>
 *   <li>a peer the listener's access list refuses is closed and counted
 *       ({@code access_list}); on a listener behind front balancers (PROXY protocol) a peer
 *       that is not one of them is ({@code proxy_protocol_untrusted}), and the clients they name
 *       are judged by the access list per request;
 *   <li>a peer with {@link ListenerLimits#maxConnectionsPerClient} connections open already is
 *       closed and counted ({@code max_connections_per_client}). A trusted proxy is not limited:
 *       the clients it forwards for share its address;
 *   <li>at {@link ListenerLimits#maxConnections} the listener stops accepting (its channel's
 *       autoRead off), and starts again when a connection closes: new connections wait in the
 *       kernel's accept backlog for a few moments instead of being refused (HAProxy's
 *       {@code maxconn}). With epoll the count is exact: the accept loop looks at autoRead after
 *       each connection. With NIO a batch of up to 16 accepted together may pass the limit.
 * </ul>
 *
 * <p>Thread-safe. Accepts run on the listening channel's event loop; closes on the connections'
 * own loops, which only count down and, while accepting is held, hand the listening loop a look
 * at the count: accepting is only ever turned off or on from the listening loop.
 */
public final class AcceptGate extends ChannelInboundHandlerAdapter {
  private final GatedListener listener;
  private final AtomicInteger open = new AtomicInteger();
  private final ClientCounts perClient = new ClientCounts();
  /** Accepting is held at the limit; written on the listening loop only. */
  private volatile boolean held;
  private long heldSince;
  private volatile Channel server;

  public AcceptGate(GatedListener listener) {
    this.listener = listener;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    server = ctx.channel();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    Channel child = (Channel) msg;
    InetAddress peer = ((InetSocketAddress) child.remoteAddress()).getAddress();
    ListenerLimits limits = listener.limits();
    ProxyProtocolSpec proxyProtocol = listener.proxyProtocol();
    // A front balancer that sends PROXY headers is not a client: the clients it names are judged
    // by the access list per request, and it is not limited per client (they share its address).
    boolean trusted = proxyProtocol != null || listener.trustedProxies().contains(peer);
    AccessList access = listener.access();
    String refused = null;
    boolean counted = limits.maxConnectionsPerClient() != ListenerLimits.NONE && !trusted;
    if (proxyProtocol != null) {
      if (!proxyProtocol.accepts(peer)) {
        refused = "proxy_protocol_untrusted";
      }
    } else if (access != null && access.refusesAtAccept(peer, listener.trustedProxies())) {
      refused = "access_list";
    } else if (counted && !perClient.tryAcquire(peer, limits.maxConnectionsPerClient())) {
      refused = "max_connections_per_client";
    }
    if (refused != null) {
      // Counted first, so the count is there once the client sees the close. Not registered
      // yet: closed as the acceptor closes a connection it cannot register, before any handler,
      // buffer or TLS handshake; nothing is counted open.
      listener.observer().onClientConnectionRefused(listener.name(), refused);
      child.unsafe().closeForcibly();
      return;
    }
    open.incrementAndGet();
    listener.accepted(child);
    child.closeFuture().addListener((ChannelFutureListener) f -> closed(peer, counted));
    if (open.get() >= limits.maxConnections()) {
      hold();
    }
    ctx.fireChannelRead(child);
  }

  private void closed(InetAddress peer, boolean counted) {
    if (counted) {
      perClient.release(peer);
    }
    open.decrementAndGet();
    if (held) {
      onListeningLoop(this::reconsider);
    }
  }

  /** The limits changed (a reload): a higher limit may let accepting go on. Any thread. */
  public void limitsChanged() {
    onListeningLoop(this::reconsider);
  }

  private void onListeningLoop(Runnable task) {
    Channel s = server;
    if (s != null) {
      try {
        s.eventLoop().execute(task);
      } catch (RejectedExecutionException e) {
        // Shutting down: nothing is accepted any more.
      }
    }
  }

  /** On the listening loop: accepting resumes when the count is below the limit again. */
  private void reconsider() {
    if (held && open.get() < listener.limits().maxConnections()) {
      held = false;
      server.config().setAutoRead(true);
      listener.observer().onAcceptsResumed(listener.name(), System.nanoTime() - heldSince);
    }
  }

  /** On the listening loop, at the limit. */
  private void hold() {
    if (held) {
      return;
    }
    held = true;
    heldSince = System.nanoTime();
    server.config().setAutoRead(false);
    listener.observer().onAcceptsHeld(listener.name(), open.get());
    // A connection that closed between the count and the hold saw no hold to lift.
    reconsider();
  }

  /** Connections open now (accepted, not yet closed). */
  public int open() {
    return open.get();
  }

  /** Connections open now from {@code address} (counted only under a per-client limit). */
  public int open(InetAddress address) {
    return perClient.count(address);
  }

  /** True while the listener holds accepting at its connection limit. */
  public boolean holding() {
    return held;
  }
}
