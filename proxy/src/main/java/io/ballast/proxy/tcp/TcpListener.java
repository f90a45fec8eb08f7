package io.ballast.proxy.tcp;

import io.ballast.core.Backend;
import io.ballast.proxy.ProxyObserver;
import io.ballast.proxy.ListenSockets;
import io.ballast.proxy.client.AccessList;
import io.ballast.proxy.client.TrustedProxies;
import io.ballast.proxy.limits.AcceptGate;
import io.ballast.proxy.limits.GatedListener;
import io.ballast.proxy.limits.ListenerLimits;
import io.ballast.proxy.proxyprotocol.ProxyProtocolSpec;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One listening socket of raw TCP: its accept gate (access list, connection limits, the same as
 * an HTTP listener's; behind front balancers, only they pass), and for each connection it admits
 * a {@link TcpSession}, which picks a backend of the pool and relays, after reading what the
 * listener asks for first ({@link ReadFirst}: a PROXY protocol header, a ClientHello to route by
 * its server name). Everything the listener is configured with but its address is replaced live
 * ({@link #replace}): the next connection takes the new pool or routes, timeouts, access list,
 * limits and front balancers; open connections keep what they began with.
 *
 * <p>Thread-safe: the spec is one volatile read per connection; sessions join and leave the set
 * on their event loops.
 */
final class TcpListener implements GatedListener {
  private final TcpHost host;
  private final AcceptGate gate = new AcceptGate(this);
  /** The open connections of every TCP listener of the proxy (closed listeners' too). */
  private final Set<TcpSession> sessions;
  private final EventLoopGroup group;
  private final Map<Backend, InetSocketAddress> addresses;
  private volatile TcpListenerSpec spec;
  /** Made with the spec's connect timeout; replaced with a spec that changes it. */
  private volatile BackendDialer dialer;
  private volatile Channel channel;

  TcpListener(TcpListenerSpec spec, TcpHost host, Set<TcpSession> sessions,
      EventLoopGroup group, Map<Backend, InetSocketAddress> addresses) {
    this.spec = Objects.requireNonNull(spec, "spec");
    this.group = Objects.requireNonNull(group, "group");
    this.addresses = Objects.requireNonNull(addresses, "addresses");
    this.dialer = new BackendDialer(group, spec.connectTimeout(), addresses);
    this.host = Objects.requireNonNull(host, "host");
    this.sessions = Objects.requireNonNull(sessions, "sessions");
  }

  /**
   * Opens the listening socket on the TCP event loops, from {@code sockets} (a fresh bind, or
   * the socket a ballast handed over), and returns its address.
   *
   * @throws IllegalStateException naming the address when the bind fails
   */
  InetSocketAddress bind(ListenSockets sockets) {
    TcpListenerSpec s = spec;
    ServerBootstrap b = new ServerBootstrap()
        .group(group)
        .option(ChannelOption.SO_BACKLOG, 1024)
        .option(ChannelOption.SO_REUSEADDR, true)
        .handler(gate)
        // No TCP_NODELAY here: Netty sets it on every socket it makes; again is a syscall more.
        // Reading is asked for, never automatic: a plain listener reads nothing from a client
        // before its backend is connected (its bytes wait in the kernel, and the tunnel turns
        // reading on once both sides can take them); one with proxy_protocol or sni reads just
        // the header and the ClientHello first (ReadFirst).
        .childOption(ChannelOption.AUTO_READ, false)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            TcpListenerSpec now = TcpListener.this.spec;
            TcpSession session = new TcpSession(TcpListener.this, now, host);
            // A listener that reads a PROXY header or a ClientHello first asks for those reads
            // itself; the relay still turns reading on for the rest.
            if (now.readsFirst()) {
              ReadFirst.install(ch, now, session, host.observer());
            } else {
              ch.pipeline().addLast(session);
            }
          }
        });
    ChannelFuture f = sockets.open(b, s.name(), s.bind()).awaitUninterruptibly();
    if (!f.isSuccess()) {
      throw new IllegalStateException("listener " + s.name() + ": cannot bind " + s.bind() + ": "
          + f.cause().getMessage(), f.cause());
    }
    channel = f.channel();
    return address();
  }

  /** The spec new connections take. */
  TcpListenerSpec spec() {
    return spec;
  }

  /** How new connections reach their backends. */
  BackendDialer dialer() {
    return dialer;
  }

  /** New connections take {@code next}; a higher connection limit lets held accepts go on. */
  void replace(TcpListenerSpec next) {
    if (!next.connectTimeout().equals(dialer.connectTimeout())) {
      dialer = new BackendDialer(group, next.connectTimeout(), addresses);
    }
    spec = next;
    gate.limitsChanged();
  }

  /** Stops accepting; open connections go on until they end. */
  void close() {
    Channel c = channel;
    if (c != null) {
      c.close().awaitUninterruptibly();
    }
  }

  InetSocketAddress address() {
    Channel c = channel;
    return c == null ? null : (InetSocketAddress) c.localAddress();
  }

  /** Connections open now (accepted, not yet closed). */
  int open() {
    return gate.open();
  }

  void joined(TcpSession s) {
    sessions.add(s);
  }

  void left(TcpSession s) {
    sessions.remove(s);
  }

  // ---- what the accept gate reads

  @Override
  public String name() {
    return spec.name();
  }

  @Override
  public ListenerLimits limits() {
    return spec.limits();
  }

  @Override
  public AccessList access() {
    return spec.access();
  }

  /**
   * None: a TCP connection carries no forwarded address to judge later, so every peer is judged
   * by its own address at accept (behind front balancers, {@link #proxyProtocol} decides).
   */
  @Override
  public TrustedProxies trustedProxies() {
    return TrustedProxies.NONE;
  }

  /**
   * The front balancers that send PROXY protocol headers (null: clients connect directly): only
   * they pass the gate, and the access list judges the clients they name once the header is read
   * ({@link ReadFirst}).
   */
  @Override
  public ProxyProtocolSpec proxyProtocol() {
    return spec.proxyProtocol();
  }

  @Override
  public ProxyObserver observer() {
    return host.observer();
  }

  @Override
  public String toString() {
    TcpListenerSpec s = spec;
    return "tcp listener " + s.name() + " -> " + (s.sni() != null ? s.sni() : "pool "
        + s.pool().name()) + (s.proxyProtocol() == null ? "" : ", behind " + s.proxyProtocol());
  }
}
