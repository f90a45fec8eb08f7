package io.ballast.proxy;

import io.ballast.core.attempt.AttemptListener;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.proxy.client.ClientLocality;
import io.ballast.proxy.http1.UpstreamPool;
import io.ballast.proxy.mirror.AsideProbes;
import io.ballast.proxy.probe.HealthCheckSpec;
import io.ballast.proxy.probe.HealthChecker;
import io.ballast.proxy.routing.RouteTable;
import io.ballast.proxy.tls.BackendTls;
import io.ballast.proxy.signals.SignalPollers;
import io.ballast.proxy.signals.SignalsSpec;
import io.ballast.proxy.tcp.TcpListeners;
import io.ballast.proxy.tunnel.Tunnels;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP/1.1 reverse proxy: listeners, client connections and their exchanges, and one pool of
 * backend connections per event loop. Everything a running proxy is configured with changes live:
 * listeners open and close ({@link #addListener}, {@link #removeListener}), their routes swap
 * ({@link #replaceRoutes}), and the settings, observer and client locality are replaced whole
 * ({@link #update}, {@link #useClientLocality}). Each is read once per connection or per request,
 * so a request in flight finishes with what it started with.
 *
 * <p>Thread-safe: the lifecycle and update methods may be called from any thread (they serialise
 * on this object; none runs on the request path); what handlers read is one volatile read.
 */
public final class ProxyServer implements AutoCloseable {
  public static final Logger LOG = LoggerFactory.getLogger(ProxyServer.class);
  /**
   * How long a tunnel closed at shutdown may take to reach a boundary of its stream (the end of
   * a WebSocket frame in progress) and hand its goodbye to the client.
   */
  public static final Duration TUNNEL_GOODBYE = Duration.ofSeconds(1);

  /**
   * How long a draining connection that is idle stays open for a request that may be on its way
   * (a client that has just connected, or that sends its next request on a keep-alive
   * connection as the drain begins): on loopback it comes within microseconds; two seconds
   * leave room for a client's round trip and a TLS handshake. A stop waits as long for them.
   */
  public static final Duration DRAIN_GRACE = Duration.ofSeconds(2);

  private final EventLoopGroup group;
  private final ClientConnections connections = new ClientConnections();
  private final Tunnels tunnels = new Tunnels();
  private final AsideProbes asideProbes;
  /** Each listener by name; guarded by this. */
  private final Map<String, ListenerContext> listeners = new LinkedHashMap<>();
  private volatile SharedState shared;
  private volatile UpstreamPools upstreamPools;
  private volatile ClientLocality locality = ClientLocality.NONE;
  private volatile AttemptListener attemptListener = AttemptListener.NONE;
  /** Where listeners get their listening sockets (bound here, or taken over). */
  private volatile ListenSockets listenSockets = ListenSockets.BIND;
  private volatile boolean draining;
  private boolean closed;
  /** The raw TCP listeners ({@code mode: tcp}), on the same event loops. */
  private final TcpListeners tcp;

  /**
   * @param threads event loop threads; 0 for the number of cores
   */
  public ProxyServer(ProxySettings settings, ProxyObserver observer, int threads) {
    if (threads < 0) {
      throw new IllegalArgumentException("threads: " + threads + " (expected: >= 0)");
    }
    this.shared = SharedState.of(Objects.requireNonNull(settings, "settings"),
        Objects.requireNonNull(observer, "observer"));
    this.group = Transport.newGroup(threads, "ballast-io");
    this.upstreamPools = new UpstreamPools(group, settings);
    this.asideProbes = new AsideProbes(settings.responseTimeout());
    this.tcp = new TcpListeners(threads, new ServerTcpHost(this));
    LOG.info("proxy transport: {} with {} event loops", Transport.name(), upstreamPools.size());
  }

  public ProxySettings settings() {
    return shared.settings();
  }

  /** "epoll" or "nio". */
  public String transportName() {
    return Transport.name();
  }

  /** The event loops; health checks and discovery run their I/O here too. */
  public EventLoopGroup eventLoopGroup() {
    return group;
  }

  /** Starts one level of active health checks of {@code pool} on this server's event loops. */
  public HealthChecker healthChecker(LoadBalancer pool, HealthCheckSpec spec) {
    return new HealthChecker(pool, spec, group);
  }

  /**
   * Starts active health checks of {@code pool} in one or more levels ({@code levels.get(i)}
   * probes the pool policy's level {@code i}) on this server's event loops.
   */
  public HealthChecker healthChecker(LoadBalancer pool, List<HealthCheckSpec> levels) {
    return new HealthChecker(pool, levels, group);
  }

  /**
   * As above, HTTP checks over TLS as {@code tls} says (null: plain), in the pool's
   * {@code protocol} (HTTP/1.1, or HTTP/2 streams).
   */
  public HealthChecker healthChecker(LoadBalancer pool, List<HealthCheckSpec> levels,
      BackendTls tls, io.ballast.proxy.upstream.BackendProtocol protocol) {
    return new HealthChecker(pool, levels, tls, protocol, group);
  }

  /** Starts polling the agent and Prometheus sources of {@code pool} on this server's loops. */
  public SignalPollers signalPollers(LoadBalancer pool, SignalsSpec spec) {
    return SignalPollers.start(pool, spec, group);
  }

  /**
   * Replaces the settings and the observer: new client connections take the new limits and idle
   * timeout, every request begun after the call the new timeouts and forwarding rules, and new
   * backend connections the new connect, idle and read timeouts (connections already pooled
   * finish their current use and close). Thread-safe.
   */
  public synchronized void update(ProxySettings settings, ProxyObserver observer) {
    shared = SharedState.of(Objects.requireNonNull(settings, "settings"),
        Objects.requireNonNull(observer, "observer"));
    UpstreamPools old = upstreamPools;
    if (!old.suits(settings)) {
      upstreamPools = new UpstreamPools(group, settings);
      old.retire();
    }
  }

  /**
   * A backend left its pool for good (drained): its pooled connections close on every event
   * loop, idle ones now and busy ones when their request is done. Thread-safe.
   */
  public void forgetBackend(io.ballast.core.Backend backend) {
    upstreamPools.forget(backend);
    tcp.forget(backend);
  }

  /**
   * The raw TCP listeners ({@code mode: tcp}): opened, replaced and closed by name, beside the
   * HTTP listeners and on the same event loops; a graceful stop waits for their connections as
   * for requests in flight, and a stop closes them.
   */
  public TcpListeners tcp() {
    return tcp;
  }

  /** How every listener finds a client's zone; without it every client's zone is unknown. */
  public void useClientLocality(ClientLocality locality) {
    this.locality = Objects.requireNonNull(locality, "locality");
  }

  /**
   * Tells {@code listener} of every attempt of every request as it ends, with its
   * classification (for tests that hold the proxy's attempts against the simulator's, and for
   * tracing). Connections opened after the call use it.
   */
  public void useAttemptListener(AttemptListener listener) {
    this.attemptListener = Objects.requireNonNull(listener, "listener");
  }

  /**
   * From now on listeners get their listening sockets from {@code sockets} rather than binding
   * their own (a take-over from another ballast process). Call before {@link #start}.
   */
  public void useListenSockets(ListenSockets sockets) {
    this.listenSockets = Objects.requireNonNull(sockets, "sockets");
    tcp.useListenSockets(sockets);
  }

  /**
   * Binds every listener and returns the bound addresses in the same order (so port 0 works).
   *
   * @throws IllegalStateException naming the address when a bind fails; listeners bound before
   *     the failure are closed again
   */
  public synchronized List<InetSocketAddress> start(List<ListenerSpec> specs) {
    List<InetSocketAddress> bound = new ArrayList<>(specs.size());
    try {
      for (ListenerSpec spec : specs) {
        bound.add(addListener(spec));
      }
    } catch (RuntimeException e) {
      for (ListenerSpec spec : specs) {
        if (listeners.containsKey(spec.name())) {
          removeListener(spec.name());
        }
      }
      throw e;
    }
    return List.copyOf(bound);
  }

  /**
   * Opens a listener and returns the address it is bound to.
   *
   * @throws IllegalStateException when the server is closed or draining, a listener of that
   *     name exists, or the bind fails (naming the address)
   */
  public synchronized InetSocketAddress addListener(ListenerSpec spec) {
    if (closed || draining) {
      throw new IllegalStateException("proxy server is stopping");
    }
    if (listeners.containsKey(spec.name())) {
      throw new IllegalStateException("listener " + spec.name() + " exists");
    }
    ListenerContext context = new ListenerContext(spec.name(), RouteTable.of(spec.routes()),
        spec.tls(), spec.access(), spec.limits(), spec.proxyProtocol(), this);
    ServerBootstrap b = new ServerBootstrap()
        .group(group)
        .option(ChannelOption.SO_BACKLOG, 1024)
        .option(ChannelOption.SO_REUSEADDR, true)
        .handler(context.gate())
        // No TCP_NODELAY here: Netty sets it on every socket it makes; again is a syscall more.
        .childHandler(new ClientPipeline(context, () -> shared));
    ChannelFuture f = listenSockets.open(b, spec.name(), spec.bind()).awaitUninterruptibly();
    if (!f.isSuccess()) {
      throw new IllegalStateException("listener " + spec.name() + ": cannot bind " + spec.bind()
          + ": " + f.cause().getMessage(), f.cause());
    }
    context.bound(f.channel());
    listeners.put(spec.name(), context);
    InetSocketAddress local = (InetSocketAddress) f.channel().localAddress();
    LOG.debug("listener {} on {}: {}", spec.name(), local, context.routes());
    return local;
  }

  /**
   * Closes a listener: it stops accepting now, and its connections close after their current or
   * next response (which carries Connection: close); an idle one closes after
   * {@link #DRAIN_GRACE} without a request. Requests in flight finish. Does nothing for an
   * unknown name.
   */
  public synchronized void removeListener(String name) {
    ListenerContext context = listeners.remove(name);
    if (context == null) {
      return;
    }
    context.close();
    connections.drain(context);
  }

  /** The names of the open listeners, in the order they were opened. */
  public synchronized List<String> listenerNames() {
    return List.copyOf(listeners.keySet());
  }

  /** Where the listener is bound, or null for an unknown name. */
  public synchronized InetSocketAddress listenerAddress(String name) {
    ListenerContext c = listeners.get(name);
    return c == null ? tcp.address(name) : c.address();
  }

  /**
   * What a reload may change of the started listener {@code name}.
   *
   * @throws IllegalArgumentException when no listener has that name
   */
  public synchronized ListenerControl listener(String name) {
    return new ListenerControl(started(name));
  }

  /** The started listener of that name; IllegalArgumentException naming the others if none. */
  private ListenerContext started(String listener) {
    ListenerContext context = listeners.get(listener);
    if (context == null) {
      throw new IllegalArgumentException("listener: '" + listener
          + "' (expected: one of " + listeners.keySet() + ")");
    }
    return context;
  }

  /**
   * Closes every listening socket (this process's handle of it); connections close after their
   * current or next response (which carries Connection: close), idle ones after
   * {@link #DRAIN_GRACE} without a request.
   */
  public synchronized void stopAccepting() {
    draining = true;
    tcp.stopAccepting();
    for (ListenerContext c : listeners.values()) {
      c.close();
    }
    connections.drain(null);
  }

  /**
   * Waits until no request is in flight and no idle connection may still have one on its way
   * (for at most {@link #DRAIN_GRACE} each: see {@link ClientConnection#awaitingRequest}) (true),
   * or the time has passed (false).
   */
  public boolean awaitDrained(Duration timeout) {
    return connections.awaitDrained(timeout, DRAIN_GRACE);
  }

  /**
   * Requests in flight (head received, last response byte not yet written); a WebSocket counts
   * until its tunnel closes, and a TCP listener's connection until it closes, so a drain waits
   * for them too.
   */
  public int activeRequests() {
    return connections.requests();
  }

  /** The open tunnels (WebSockets after their upgrade). */
  public Tunnels tunnels() {
    return tunnels;
  }

  /** Copies of requests that probe shunned backends beside them. */
  public AsideProbes asideProbes() {
    return asideProbes;
  }

  /** Client connections open now. */
  public int openConnections() {
    return connections.open();
  }

  /**
   * Closes every listener and connection and shuts the event loops down. Open tunnels end first:
   * each client gets its protocol's goodbye (a WebSocket close frame, 1001) within
   * {@link #TUNNEL_GOODBYE}, rather than a bare reset when the event loops stop.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    draining = true;
    tcp.stopAccepting();
    for (ListenerContext c : listeners.values()) {
      c.close();
    }
    if (!tunnels.closeAll(TUNNEL_GOODBYE)) {
      LOG.warn("{} tunnel(s) did not close within {} ms of their goodbye and are cut",
          tunnels.open(), TUNNEL_GOODBYE.toMillis());
    }
    tcp.close();
    asideProbes.close();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
  }

  // ---- for the handlers of this server's connections

  SharedState shared() {
    return shared;
  }

  ClientLocality locality() {
    return locality;
  }

  AttemptListener attemptListener() {
    return attemptListener;
  }

  boolean draining() {
    return draining;
  }

  UpstreamPool upstreamPool(EventLoop loop) {
    return upstreamPools.get(loop);
  }

  void requestStarted() {
    connections.requestStarted();
  }

  void requestEnded() {
    connections.requestEnded();
  }

  void accepted(io.netty.channel.Channel child) {
    connections.accepted(child);
  }

  void register(ClientConnection c) {
    connections.register(c);
  }

  void unregister(ClientConnection c) {
    connections.unregister(c);
  }
}
