package io.ballast.proxy;

import io.ballast.core.attempt.AttemptListener;
import io.ballast.proxy.client.AccessList;
import io.ballast.proxy.client.ClientAddress;
import io.ballast.proxy.client.ClientLocality;
import io.ballast.proxy.client.TrustedProxies;
import io.ballast.proxy.http1.HeaderRewriter;
import io.ballast.proxy.http1.UpstreamPool;
import io.ballast.proxy.limits.AcceptGate;
import io.ballast.proxy.limits.ListenerLimits;
import io.ballast.proxy.proxyprotocol.ProxyHeaderReader;
import io.ballast.proxy.proxyprotocol.ProxyProtocolSpec;
import io.ballast.proxy.routing.RouteTable;
import io.ballast.proxy.tls.ServerTls;
import io.ballast.proxy.tls.TlsAcceptor;
import io.ballast.proxy.tunnel.Tunnels;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Objects;

/**
 * What every connection of one listener shares: its name and routes, and through its server the
 * settings, the observer, how a client's zone is found and the backend connections.
 *
 * <p>Thread-safe. The route table and what the server shares are volatile references that a
 * reload replaces; handlers read each once per request (or per connection), so a request in
 * flight finishes on what it began with and the next one sees the new.
 */
public final class ListenerContext implements io.ballast.proxy.limits.GatedListener {
  private final String name;
  private final ProxyServer server;
  private volatile RouteTable routes;
  /** Which client addresses the listener serves; null: every one. */
  private volatile AccessList access;
  /** The certificates new connections get; null for a plain-HTTP listener. */
  private volatile ServerTls tls;
  /** How many connections, from whom, and how many requests each. */
  private volatile ListenerLimits limits;
  /** The front balancers that send PROXY protocol headers; null: clients connect directly. */
  private volatile ProxyProtocolSpec proxyProtocol;
  /** Admits each accepted connection (access list, connection limits). */
  private final AcceptGate gate = new AcceptGate(this);
  private volatile Channel channel;
  /** The listener was removed: its connections close after their current response. */
  private volatile boolean closed;

  ListenerContext(String name, RouteTable routes, ServerTls tls, AccessList access,
      ListenerLimits limits, ProxyProtocolSpec proxyProtocol, ProxyServer server) {
    this.proxyProtocol = proxyProtocol;
    this.name = Objects.requireNonNull(name, "name");
    this.routes = Objects.requireNonNull(routes, "routes");
    this.tls = tls;
    this.access = access;
    this.limits = Objects.requireNonNull(limits, "limits");
    this.server = Objects.requireNonNull(server, "server");
  }

  public String name() {
    return name;
  }

  /** The route table now; read it once per request. */
  public RouteTable routes() {
    return routes;
  }

  /** Publishes a new route table; requests that began before keep the one they read. */
  void replaceRoutes(RouteTable next) {
    routes = Objects.requireNonNull(next, "next");
  }

  /**
   * Which client addresses the listener serves (null: every one); read at accept and once per
   * request, so a reload applies to the next request of an open connection too.
   */
  public AccessList access() {
    return access;
  }

  /** Publishes a new access list (null: every address). */
  void replaceAccess(AccessList next) {
    access = next;
  }

  /**
   * The listener's connection limits; read at each accept, and at each request of an open
   * connection, so that a reload applies to both.
   */
  public ListenerLimits limits() {
    return limits;
  }

  /** Publishes new limits; a higher connection limit lets held accepts go on at once. */
  void replaceLimits(ListenerLimits next) {
    limits = Objects.requireNonNull(next, "next");
    gate.limitsChanged();
  }

  /** The handler of the listening channel that admits each accepted connection. */
  AcceptGate gate() {
    return gate;
  }

  /**
   * The front balancers whose PROXY protocol headers the listener reads (null: none, clients
   * connect directly); read at each accept.
   */
  public ProxyProtocolSpec proxyProtocol() {
    return proxyProtocol;
  }

  /** Publishes who may send PROXY protocol headers (null: nobody); new connections follow. */
  void replaceProxyProtocol(ProxyProtocolSpec next) {
    proxyProtocol = next;
  }

  /** The certificates a new connection gets, or null for plain HTTP; read once per connection. */
  public ServerTls tls() {
    return tls;
  }

  /**
   * Publishes new certificates (or TLS on or off); connections that began their handshake keep
   * what they chose.
   */
  void replaceTls(ServerTls next) {
    tls = next;
  }

  void bound(Channel serverChannel) {
    channel = serverChannel;
  }

  /** Where the listener accepts connections, or null before it is bound. */
  InetSocketAddress address() {
    Channel c = channel;
    return c == null ? null : (InetSocketAddress) c.localAddress();
  }

  /** Stops accepting; connections close after their current response. */
  void close() {
    closed = true;
    Channel c = channel;
    if (c != null) {
      c.close().awaitUninterruptibly();
    }
  }

  /** True when connections should close after their current response (stop, or removed). */
  public boolean draining() {
    return closed || server.draining();
  }

  public ProxySettings settings() {
    return server.shared().settings();
  }

  public ProxyObserver observer() {
    return server.shared().observer();
  }

  public HeaderRewriter rewriter() {
    return server.shared().rewriter();
  }

  public TrustedProxies trustedProxies() {
    return server.shared().trusted();
  }

  /** The peer of a client's {@code connection} on this listener (a connection, not a stream). */
  public ClientAddress clientAddress(Channel connection) {
    // A TLS listener's connection is secure from its first byte: the TLS handlers sit before
    // the client handler (the handshake itself may not have finished yet).
    boolean secure = connection.pipeline().get(TlsAcceptor.class) != null
        || connection.pipeline().get(SslHandler.class) != null;
    // Behind a front balancer that sent a PROXY protocol header, the client is the one it named.
    SocketAddress client = ProxyHeaderReader.client(connection);
    return ClientAddress.of(client != null ? client : connection.remoteAddress(),
        trustedProxies(), secure);
  }

  /** How the clients' zones are found. */
  public ClientLocality locality() {
    return server.locality();
  }

  /** Told of every attempt as it ends (tests and tracing); usually nobody. */
  public AttemptListener attemptListener() {
    return server.attemptListener();
  }

  /** The proxy's open tunnels, which every new tunnel joins. */
  public Tunnels tunnels() {
    return server.tunnels();
  }

  /** Copies of requests that probe shunned backends beside them. */
  public io.ballast.proxy.mirror.AsideProbes asideProbes() {
    return server.asideProbes();
  }

  /** The backend connections of {@code loop}. */
  public UpstreamPool upstreamPool(EventLoop loop) {
    return server.upstreamPool(loop);
  }

  public void requestStarted() {
    server.requestStarted();
  }

  public void requestEnded() {
    server.requestEnded();
  }

  /**
   * A connection was accepted; until a protocol's handler takes it ({@link #opened}) a stop
   * waits a little for it rather than cut it before its first request.
   */
  public void accepted(Channel child) {
    server.accepted(child);
  }

  /**
   * A client connection opened: it is drained with the listener or the process, and counted
   * open unless {@code counted} already (a connection that switched protocols keeps its count).
   */
  public void opened(ClientConnection c, boolean counted) {
    server.register(c);
    if (!counted) {
      try {
        observer().onClientConnectionOpened(name);
      } catch (RuntimeException e) {
        ProxyServer.LOG.warn("observer failed on connection open", e);
      }
    }
  }

  /**
   * A client connection closed, and is counted closed; or ({@code handedOver}) its handler
   * gave it to another protocol's, which counts its close.
   */
  public void closed(ClientConnection c, boolean handedOver) {
    server.unregister(c);
    if (!handedOver) {
      try {
        observer().onClientConnectionClosed(name);
      } catch (RuntimeException e) {
        ProxyServer.LOG.warn("observer failed on connection close", e);
      }
    }
  }

  @Override
  public String toString() {
    return "listener " + name + ": " + routes;
  }
}
