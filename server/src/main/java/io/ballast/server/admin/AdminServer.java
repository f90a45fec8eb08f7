package io.ballast.server.admin;

import io.ballast.core.pool.LoadBalancer;
import io.ballast.proxy.ListenSockets;
import io.ballast.proxy.Transport;
import io.ballast.server.metrics.ProxyMetrics;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin listener: {@code GET /metrics} (Prometheus text), {@code /healthz}, {@code /readyz}
 * and {@code /admin/backends} (JSON), served by a small HTTP/1.1 server on its own one-thread
 * event loop group, so that a scrape never runs on, or waits for, the data plane's event loops.
 *
 * <p>The bind address comes from the configuration (loopback by default there): the endpoints are
 * unauthenticated, so it should stay on loopback or a management network.
 *
 * <p>Threading: {@link #start()} and {@link #close()} are thread-safe; start once, close any
 * number of times. Requests are served on the admin event loop.
 */
public final class AdminServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);
  /** Admin requests are small: a bigger body is refused with 413. */
  private static final int MAX_REQUEST_BYTES = 64 * 1024;
  /** A connection that sends nothing for this long is closed. */
  private static final int IDLE_SECONDS = 60;

  private final InetSocketAddress bind;
  private final AdminHandler handler;
  private EventLoopGroup group;
  private Channel channel;
  /** Where the listening socket comes from; guarded by this. */
  private ListenSockets listenSockets = ListenSockets.BIND;

  /**
   * An admin server over a fixed set of pools.
   *
   * @param bind where to listen (port 0 picks a free port)
   * @param metrics the metrics served on {@code /metrics}
   * @param pools the pools shown on {@code /admin/backends}
   * @param ready answers {@code /readyz}; see {@link Readiness}
   */
  public AdminServer(InetSocketAddress bind, ProxyMetrics metrics, List<LoadBalancer> pools,
      BooleanSupplier ready) {
    this(bind, metrics, supplierOf(pools), ready, null);
  }

  /**
   * An admin server that also takes actions (drain, maintenance, activate) from callers that
   * present {@code token} as a bearer token; null keeps it read-only.
   */
  public AdminServer(InetSocketAddress bind, ProxyMetrics metrics, List<LoadBalancer> pools,
      BooleanSupplier ready, String token) {
    this(bind, metrics, supplierOf(pools), ready, token);
  }

  /**
   * An admin server whose pools are looked up on each request (for example
   * {@code metrics::pools}, which follows reloads).
   */
  public AdminServer(InetSocketAddress bind, ProxyMetrics metrics,
      Supplier<List<LoadBalancer>> pools, BooleanSupplier ready, String token) {
    this.bind = Objects.requireNonNull(bind, "bind");
    this.handler = new AdminHandler(Objects.requireNonNull(metrics, "metrics"),
        Objects.requireNonNull(pools, "pools"), Objects.requireNonNull(ready, "ready"), token);
  }

  /**
   * Serves the process's decision log at {@code /admin/decisions} (JSON, newest last,
   * {@code ?limit=N} default 100, {@code ?pool=NAME}). Thread-safe; call before or after start.
   */
  public void useSplits(io.ballast.server.Splits splits) {
    handler.useSplits(Objects.requireNonNull(splits, "splits"));
  }

  /** Serves the sticky pools' sessions and rebalancing at {@code /admin/affinity}. Thread-safe. */
  public void useAffinities(
      Supplier<List<io.ballast.proxy.affinity.PoolAffinity>> affinities) {
    handler.useAffinities(Objects.requireNonNull(affinities, "affinities"));
  }

  /**
   * Lets token holders add and remove backends ({@code POST /admin/pools/{pool}/backends},
   * {@code DELETE /admin/pools/{pool}/backends/{backend}}) through {@code membership}.
   */
  public void useMembership(Membership membership) {
    handler.useMembership(Objects.requireNonNull(membership, "membership"));
  }

  /** The bearer token actions need from now on (a reload may change it); null: read-only. */
  public void useToken(String token) {
    handler.useToken(token);
  }

  /** Serves the zone-aware pools' zones and plans at {@code /admin/zones}. Thread-safe. */
  public void useZones(io.ballast.server.Zones zones) {
    handler.useZones(Objects.requireNonNull(zones, "zones"));
  }

  /**
   * Serves the JSON {@code json} renders at {@code GET path} (and HEAD), read-only: a view a
   * feature adds without a change here. Thread-safe; call before or after start.
   */
  public void useView(String path, Supplier<byte[]> json) {
    handler.useView(Objects.requireNonNull(path, "path"), Objects.requireNonNull(json, "json"));
  }

  /** The answer to {@code POST /admin/reload}: an HTTP status and a JSON body. */
  public record ReloadAnswer(int status, byte[] json) {}

  /**
   * Answers {@code POST /admin/reload} (with the bearer token) by running {@code reload}, which
   * must not block: the answer is written when its stage completes. Without it the endpoint
   * answers 404. Thread-safe; call before or after start.
   */
  public void useReload(Supplier<CompletionStage<ReloadAnswer>> reload) {
    handler.useReload(Objects.requireNonNull(reload, "reload"));
  }

  /** Serves {@code log} at /admin/decisions. */
  public void useDecisionLog(io.ballast.core.decision.DecisionLog log) {
    handler.useDecisionLog(Objects.requireNonNull(log, "log"));
  }

  private static Supplier<List<LoadBalancer>> supplierOf(List<LoadBalancer> pools) {
    List<LoadBalancer> copy = List.copyOf(pools);
    return () -> copy;
  }

  /**
   * Binds and starts serving.
   *
   * @return the bound address (with the real port when the configured one was 0)
   * @throws UncheckedIOException when the address cannot be bound
   * @throws IllegalStateException when already started
   * @throws InterruptedException when interrupted while binding
   */
  public synchronized InetSocketAddress start() throws InterruptedException {
    if (group != null) {
      throw new IllegalStateException("admin server: already started");
    }
    // The proxy's transport (epoll where it runs), so that a listening socket taken over from
    // another ballast process (an epoll channel) can run on this loop too.
    group = Transport.newGroup(1, "ballast-admin");
    try {
      ServerBootstrap bootstrap = new ServerBootstrap()
          .group(group)
          .option(ChannelOption.SO_REUSEADDR, true)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              ch.pipeline()
                  .addLast(new ReadTimeoutHandler(IDLE_SECONDS, TimeUnit.SECONDS))
                  .addLast(new HttpServerCodec())
                  .addLast(new HttpObjectAggregator(MAX_REQUEST_BYTES))
                  .addLast(handler);
            }
          });
      channel = listenSockets.open(bootstrap, "admin", bind).sync().channel();
    } catch (Exception e) {
      group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      group = null;
      if (e instanceof InterruptedException ie) {
        throw ie;
      }
      if (e instanceof IOException io) {
        // sync() rethrows the bind failure (e.g. address in use) undeclared.
        throw new UncheckedIOException("admin listener: cannot bind " + bind, io);
      }
      if (e instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException("admin listener: cannot bind " + bind, e);
    }
    InetSocketAddress bound = (InetSocketAddress) channel.localAddress();
    LOG.debug("admin listener on http://{}:{}", bound.getHostString(), bound.getPort());
    return bound;
  }

  /**
   * Takes its listening socket from {@code sockets} rather than binding one (a take-over from
   * another ballast process). Call before {@link #start}.
   */
  public synchronized void useListenSockets(ListenSockets sockets) {
    listenSockets = Objects.requireNonNull(sockets, "sockets");
  }

  /**
   * Stops accepting (closes this process's handle of the listening socket) and keeps serving the
   * admin connections that are open; {@link #close} ends them. Used when another ballast process
   * took the socket over: from then on it answers new admin connections.
   */
  public synchronized void stopAccepting() {
    if (channel != null) {
      channel.close().syncUninterruptibly();
    }
  }

  /** Stops listening, closes the admin connections and waits for the event loop to end. */
  @Override
  public synchronized void close() {
    if (group == null) {
      return;
    }
    if (channel != null) {
      channel.close().syncUninterruptibly();
      channel = null;
    }
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    group = null;
  }

  @Override
  public String toString() {
    Channel c = channel;
    return "AdminServer(" + (c == null ? "stopped, " + bind : c.localAddress()) + ")";
  }
}
