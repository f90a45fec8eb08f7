package io.ballast.proxy;

import io.ballast.proxy.client.ClientLocality;
import io.ballast.proxy.client.TrustedProxies;
import io.ballast.proxy.http1.ClientHandler;
import io.ballast.proxy.http1.HeaderRewriter;
import io.ballast.proxy.http1.ServerCodec;
import io.ballast.proxy.http1.UpstreamPool;
import io.ballast.proxy.probe.HealthCheckSpec;
import io.ballast.proxy.probe.HealthChecker;
import io.ballast.proxy.routing.PoolRef;
import io.ballast.proxy.routing.Route;
import io.ballast.proxy.routing.RouteSpec;
import io.ballast.proxy.routing.RouteTable;
import io.ballast.proxy.signals.LoadReportReader;
import io.ballast.proxy.signals.SignalPollers;
import io.ballast.proxy.signals.SignalsSpec;
import io.ballast.proxy.upstream.TrailerHeaders;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP/1.1 reverse proxy: listeners, client connections and their exchanges, and one pool of
 * backend connections per event loop.
 *
 * <p>Thread-safe lifecycle: {@link #start}, {@link #stopAccepting}, {@link #awaitDrained} and
 * {@link #close} may be called from any thread (they serialise on this object; none runs on the
 * request path). {@link #activeRequests()} is a lock-free read.
 */
public final class ProxyServer implements AutoCloseable {
  public static final Logger LOG = LoggerFactory.getLogger(ProxyServer.class);

  private final ProxySettings settings;
  private final ProxyObserver observer;
  private final EventLoopGroup group;
  private final Map<EventLoop, UpstreamPool> upstreamPools;
  private final HttpDecoderConfig decoderConfig;
  private final Set<ClientHandler> connections = ConcurrentHashMap.newKeySet();
  private final AtomicInteger active = new AtomicInteger();
  private final List<Channel> serverChannels = new ArrayList<>();
  /** Each listener's shared state by name, for route reloads; guarded by this. */
  private final Map<String, ListenerContext> listeners = new java.util.LinkedHashMap<>();
  /** One load-report reader per pool, shared by every route of every listener; guarded by this. */
  private final Map<PoolRef, Route.Target> targets = new java.util.HashMap<>();
  private volatile boolean draining;
  private boolean started;
  private boolean closed;
  private ClientLocality locality = ClientLocality.NONE;
  private volatile io.ballast.core.attempt.AttemptListener attemptListener =
      io.ballast.core.attempt.AttemptListener.NONE;

  /**
   * @param threads event loop threads; 0 for the number of cores
   */
  public ProxyServer(ProxySettings settings, ProxyObserver observer, int threads) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.observer = Objects.requireNonNull(observer, "observer");
    if (threads < 0) {
      throw new IllegalArgumentException("threads: " + threads + " (expected: >= 0)");
    }
    this.group = Transport.newGroup(threads, "ballast-io");
    Map<EventLoop, UpstreamPool> pools = new IdentityHashMap<>();
    for (EventExecutor e : group) {
      EventLoop loop = (EventLoop) e;
      pools.put(loop, new UpstreamPool(loop, settings));
    }
    this.upstreamPools = pools;
    this.decoderConfig = new HttpDecoderConfig()
        .setMaxInitialLineLength(settings.maxInitialLineLength())
        .setMaxHeaderSize(settings.maxHeaderSize())
        .setValidateHeaders(true)
        .setTrailersFactory(TrailerHeaders.FACTORY)
        .setAllowDuplicateContentLengths(true)
        .setStrictLineParsing(true)
        .setUseRfc9112TransferEncoding(true);
    LOG.info("proxy transport: {} with {} event loops", Transport.name(), pools.size());
  }

  public ProxySettings settings() {
    return settings;
  }

  /** "epoll" or "nio". */
  public String transportName() {
    return Transport.name();
  }

  /** The event loops; health checks run their I/O here too. */
  public EventLoopGroup eventLoopGroup() {
    return group;
  }

  /** Starts active health checks of {@code pool} on this server's event loops. */
  public HealthChecker healthChecker(io.ballast.core.pool.LoadBalancer pool, HealthCheckSpec spec) {
    return new HealthChecker(pool, spec, group);
  }

  /**
   * Starts active health checks of {@code pool} in several levels ({@code levels.get(i)} probes
   * the pool policy's level {@code i}) on this server's event loops.
   */
  public HealthChecker healthChecker(io.ballast.core.pool.LoadBalancer pool,
      java.util.List<HealthCheckSpec> levels) {
    return new HealthChecker(pool, levels, group);
  }

  /**
   * Starts polling the agent and Prometheus sources of {@code pool} that {@code spec} configures,
   * on this server's event loops. The load-report header is read through
   * {@link ListenerSpec#loadReportHeader()} instead.
   */
  public SignalPollers signalPollers(io.ballast.core.pool.LoadBalancer pool, SignalsSpec spec) {
    return SignalPollers.start(pool, spec, group);
  }

  /**
   * How every listener finds a client's zone (header from trusted proxies, network table); call
   * before {@link #start}. Without it every client's zone is unknown.
   */
  public synchronized void useClientLocality(ClientLocality locality) {
    this.locality = Objects.requireNonNull(locality, "locality");
  }

  /**
   * Tells {@code listener} of every attempt of every request as it ends, with its
   * classification (for tests that hold the proxy's attempts against the simulator's, and for
   * tracing). Connections opened after the call use it.
   */
  public void useAttemptListener(io.ballast.core.attempt.AttemptListener listener) {
    this.attemptListener = Objects.requireNonNull(listener, "listener");
  }

  io.ballast.core.attempt.AttemptListener attemptListener() {
    return attemptListener;
  }

  /**
   * Binds every listener and returns the bound addresses in the same order (so port 0 works).
   *
   * @throws IllegalStateException naming the address when a bind fails; listeners bound before
   *     the failure are closed again
   */
  public synchronized List<InetSocketAddress> start(List<ListenerSpec> listeners) {
    if (started || closed) {
      throw new IllegalStateException("proxy server already started or closed");
    }
    started = true;
    TrustedProxies trusted = TrustedProxies.of(settings.forwarding().trustedProxies());
    HeaderRewriter rewriter = new HeaderRewriter(settings.forwarding());
    List<InetSocketAddress> bound = new ArrayList<>(listeners.size());
    for (ListenerSpec spec : listeners) {
      RouteTable table = routeTable(spec.routes());
      ListenerContext context = new ListenerContext(spec.name(), table, settings, observer,
          rewriter, trusted, this, locality);
      this.listeners.put(spec.name(), context);
      ServerBootstrap b = new ServerBootstrap()
          .group(group)
          .channel(Transport.serverChannel())
          .option(ChannelOption.SO_BACKLOG, 1024)
          .option(ChannelOption.SO_REUSEADDR, true)
          .childOption(ChannelOption.TCP_NODELAY, true)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              ch.pipeline().addLast(
                  // Reader idle only: watching writes too would make Netty wrap every write's
                  // void promise in a real one with a listener (a profiler showed ~300 bytes per
                  // request). A response in progress is not idle: ClientHandler ignores the event
                  // unless the connection is between requests or the client stalls mid-request.
                  new IdleStateHandler(settings.clientIdleTimeout().toNanos(), 0, 0,
                      TimeUnit.NANOSECONDS),
                  new ServerCodec(decoderConfig.clone()),
                  new ClientHandler(context));
            }
          });
      ChannelFuture f = b.bind(spec.bind()).awaitUninterruptibly();
      if (!f.isSuccess()) {
        for (Channel c : serverChannels) {
          c.close().awaitUninterruptibly();
        }
        serverChannels.clear();
        throw new IllegalStateException(
            "listener " + spec.name() + ": cannot bind " + spec.bind() + ": "
                + f.cause().getMessage(), f.cause());
      }
      serverChannels.add(f.channel());
      InetSocketAddress local = (InetSocketAddress) f.channel().localAddress();
      bound.add(local);
      LOG.debug("listener {} on {}: {}", spec.name(), local, table);
    }
    return List.copyOf(bound);
  }

  /**
   * Replaces the routes of a started listener: the next request it begins is routed by
   * {@code routes}, requests in flight finish on the routes they started with. Pools are shared
   * with the old routes (one load-report reader per {@link PoolRef}).
   *
   * @throws IllegalArgumentException when no listener has that name, or the routes are not valid
   *     for a listener (none, or a name twice)
   */
  public synchronized void replaceRoutes(String listener, List<RouteSpec> routes) {
    ListenerContext context = listeners.get(listener);
    if (context == null) {
      throw new IllegalArgumentException("listener: '" + listener
          + "' (expected: one of " + listeners.keySet() + ")");
    }
    // The same checks as at start: at least one route, unique names.
    new ListenerSpec(listener, new InetSocketAddress(0), routes);
    RouteTable table = routeTable(routes);
    context.replaceRoutes(table);
    LOG.debug("listener {}: routes replaced: {}", listener, table);
  }

  /** A listener's routes ready for the data plane; callers hold this object's lock. */
  private RouteTable routeTable(List<RouteSpec> specs) {
    List<Route> routes = new ArrayList<>();
    for (RouteSpec r : specs) {
      routes.add(new Route(r, ref -> targets.computeIfAbsent(ref, p -> new Route.Target(
          p, p.loadReportHeader() == null ? null
              : new LoadReportReader(io.netty.util.AsciiString.of(p.loadReportHeader()), p.pool())))));
    }
    return new RouteTable(routes);
  }

  /**
   * Closes the listening sockets; idle keep-alive connections close now, busy ones after their
   * current response (which carries Connection: close).
   */
  public synchronized void stopAccepting() {
    draining = true;
    for (Channel c : serverChannels) {
      c.close().awaitUninterruptibly();
    }
    serverChannels.clear();
    for (ClientHandler h : connections) {
      h.context().executor().execute(h::drain);
    }
  }

  /** Waits until no request is in flight (true) or the time has passed (false). */
  public boolean awaitDrained(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (active.get() > 0) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      // Shutdown path only: a short park keeps this simple without touching the hot path.
      LockSupport.parkNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(5)));
      if (Thread.interrupted()) {
        Thread.currentThread().interrupt();
        return active.get() == 0;
      }
    }
    return true;
  }

  /** Requests in flight (head received, last response byte not yet written). */
  public int activeRequests() {
    return active.get();
  }

  /** Client connections open now. */
  public int openConnections() {
    return connections.size();
  }

  /** Closes every listener and connection and shuts the event loops down. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    draining = true;
    for (Channel c : serverChannels) {
      c.close();
    }
    serverChannels.clear();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
  }

  // ---- package-private, for handlers

  public boolean draining() {
    return draining;
  }

  public UpstreamPool upstreamPool(EventLoop loop) {
    return upstreamPools.get(loop);
  }

  public void requestStarted() {
    active.incrementAndGet();
  }

  public void requestEnded() {
    active.decrementAndGet();
  }

  public void register(ClientHandler h) {
    connections.add(h);
  }

  public void unregister(ClientHandler h) {
    connections.remove(h);
  }
}
