package io.ballast.proxy.upstream;

import io.ballast.core.Backend;
import io.ballast.proxy.Transport;
import io.ballast.proxy.proxyprotocol.ProxyHeaderReader;
import io.ballast.proxy.proxyprotocol.ProxyHeaderVersion;
import io.ballast.proxy.proxyprotocol.ProxyHeaderWriter;
import io.ballast.proxy.tls.BackendTls;
import io.ballast.proxy.upstream.h2.BackendStream;
import io.ballast.proxy.upstream.h2.H2Connections;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.IdentityHashMap;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Connections to backends from one event loop: for each backend, the idle HTTP/1.1 keep-alive
 * connections and the way to open new ones, and for pools that speak HTTP/2 the multiplexed
 * connections whose streams carry requests ({@link #stream}). Connections live on the event loop of the exchanges
 * they serve, so nothing here needs a lock. The proxy's {@link UpstreamPool} and each mirror's
 * {@link MirrorConnections} are two of these, kept apart so that a shadow copy never takes or
 * spoils a connection real traffic uses.
 *
 * <p>Event-loop only: every method must be called on {@link #loop()}.
 *
 * @param <H> the last handler of a connection, the one the exchange talks to
 */
public abstract class BackendConnections<H extends PooledConnection> {
  private final EventLoop loop;
  private final Bootstrap template;
  private final long idleNanos;
  private final IdentityHashMap<Backend, Entry<H>> entries = new IdentityHashMap<>();
  /**
   * Connections that carry one client's requests only, by that client's connection: those of
   * pools that begin each connection with a PROXY header naming the client. Dropped, with their
   * idle connections, when the client's connection closes.
   */
  private final IdentityHashMap<Channel, IdentityHashMap<Backend, Entry<H>>> privateEntries =
      new IdentityHashMap<>();
  /** HTTP/2 connections, made on first use: most pools speak HTTP/1.1. */
  private H2Connections multiplexed;

  /**
   * @param connectTimeout how long a connect may take
   * @param idleTimeout how long a connection may sit idle in the pool before it is closed
   */
  public BackendConnections(EventLoop loop, Duration connectTimeout, Duration idleTimeout) {
    this.loop = loop;
    this.idleNanos = idleTimeout.toNanos();
    this.template = new Bootstrap()
        .group(loop)
        .channel(Transport.socketChannel(loop))
        // No TCP_NODELAY here: Netty sets it on every socket it makes; again is a syscall more.
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
            (int) Math.max(1, Math.min(Integer.MAX_VALUE, connectTimeout.toMillis())));
  }

  /** The most telling message of a failure: the first one in its chain that has one. */
  public static String message(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getMessage() == null) {
      c = c.getCause();
    }
    return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
  }

  /** Why a connect failed, in a few words: "connect refused", "connect timeout". */
  public static String describe(Throwable cause) {
    if (cause instanceof io.netty.channel.ConnectTimeoutException) {
      return "connect timeout";
    }
    if (cause instanceof java.net.ConnectException) {
      return "connect refused";
    }
    if (cause instanceof java.net.SocketException) {
      // A reset of a connection the backend's kernel had just accepted (a backend dying as it
      // accepts), an unreachable network: the message says which.
      return "connect failed: " + message(cause);
    }
    return cause == null ? "connect failed" : cause.getClass().getSimpleName();
  }

  /** The last handler of a new connection to {@code entry}'s backend, reading {@code codec}. */
  public abstract H newHandler(Entry<H> entry, BackendCodec codec);

  /**
   * The period of the timer that ticks for the streams of this pool's HTTP/2 connections (their
   * users count read timeouts in it: {@link H2Connections}); 0, the default: no timer.
   */
  public long streamTickNanos() {
    return 0;
  }

  /**
   * A new stream to {@code backend} on an HTTP/2 connection spoken as {@code tls} and
   * {@code protocol} say (see {@link H2Connections#open}). HTTP/1.1 connections kept for the
   * backend are retired: the pool speaks HTTP/2 now.
   */
  public final Future<BackendStream> stream(Backend backend, BackendTls tls,
      BackendProtocol protocol) {
    return multiplexed(backend).open(backend, tls, protocol);
  }

  /**
   * As {@link #stream}, when a stream can be had now ({@link H2Connections#openNow}); else
   * null.
   */
  public final BackendStream streamNow(Backend backend, BackendTls tls,
      BackendProtocol protocol) {
    return multiplexed(backend).openNow(backend, tls, protocol);
  }

  private H2Connections multiplexed(Backend backend) {
    if (entries.containsKey(backend)) {
      forgetHttp1(backend);
    }
    if (multiplexed == null) {
      multiplexed = new H2Connections(loop, template, idleNanos, streamTickNanos());
    }
    return multiplexed;
  }

  /** HTTP/2 connections to {@code backend} that take streams now, for tests. */
  public final int multiplexedConnections(Backend backend) {
    return multiplexed == null ? 0 : multiplexed.connections(backend);
  }

  /**
   * How often an idle connection is looked at (its {@code IdleStateHandler}'s reader idle
   * time): the pool idle timeout, unless a subclass times something shorter.
   */
  public long tickNanos() {
    return idleNanos;
  }

  public final long idleNanos() {
    return idleNanos;
  }

  /**
   * Whether a connection whose exchange ended cleanly is kept for the next one; it is closed
   * otherwise. {@code idle} is how many the backend's entry keeps already.
   */
  public boolean keep(H connection, int idle) {
    return true;
  }

  public final EventLoop loop() {
    return loop;
  }

  /** Plain connections to {@code backend}. */
  public final Entry<H> entry(Backend backend) {
    return entry(backend, null);
  }

  /**
   * Connections to {@code backend} spoken as {@code tls} says (null: plain). When the pool's TLS
   * changed (a reload), the connections made the old way are retired like a forgotten
   * backend's, and new ones are made the new way.
   */
  public final Entry<H> entry(Backend backend, BackendTls tls) {
    Entry<H> e = entries.get(backend);
    if (e != null && !Objects.equals(e.tls, tls)) {
      forgetHttp1(backend);
      e = null;
    }
    if (e == null && multiplexed != null) {
      // The pool speaks HTTP/1.1 now: its HTTP/2 connections drain.
      multiplexed.forget(backend);
    }
    if (e == null) {
      e = new Entry<>(this, backend, tls);
      entries.put(backend, e);
    }
    return e;
  }

  /**
   * Connections to {@code backend} that serve {@code client}'s connection alone, each beginning
   * with a PROXY protocol {@code header} that names the client (the address its header named,
   * when it came through a front balancer, or its peer) and the address it reached ballast on.
   * They close when the client's connection does.
   */
  public final Entry<H> privateEntry(Backend backend, BackendTls tls, Channel client,
      ProxyHeaderVersion header) {
    IdentityHashMap<Backend, Entry<H>> mine = privateEntries.get(client);
    if (mine == null) {
      mine = new IdentityHashMap<>();
      privateEntries.put(client, mine);
      client.closeFuture().addListener(f -> forgetClient(client));
    }
    Entry<H> e = mine.get(backend);
    if (e != null && !Objects.equals(e.tls, tls)) {
      e.retire();
      e = null;
    }
    if (e == null) {
      InetSocketAddress from = ProxyHeaderReader.client(client);
      e = new Entry<>(this, backend, tls, header,
          from != null ? from : (InetSocketAddress) client.remoteAddress(),
          (InetSocketAddress) client.localAddress());
      mine.put(backend, e);
    }
    return e;
  }

  private void forgetClient(Channel client) {
    IdentityHashMap<Backend, Entry<H>> mine = privateEntries.remove(client);
    if (mine != null) {
      for (Entry<H> e : mine.values()) {
        e.retire();
      }
    }
  }

  /** Idle connections kept for every backend, for tests. */
  public final int idleCount() {
    int n = 0;
    for (Entry<H> e : entries.values()) {
      n += e.idle.size();
    }
    for (IdentityHashMap<Backend, Entry<H>> mine : privateEntries.values()) {
      for (Entry<H> e : mine.values()) {
        n += e.idle.size();
      }
    }
    return n;
  }

  /**
   * The backend left its pool: its idle connections close now, and those in use when their
   * request is done (never back to a pool).
   */
  public final void forget(Backend backend) {
    forgetHttp1(backend);
    if (multiplexed != null) {
      multiplexed.forget(backend);
    }
  }

  private void forgetHttp1(Backend backend) {
    Entry<H> e = entries.remove(backend);
    if (e != null) {
      e.retire();
    }
    for (IdentityHashMap<Backend, Entry<H>> mine : privateEntries.values()) {
      Entry<H> p = mine.remove(backend);
      if (p != null) {
        p.retire();
      }
    }
  }

  /**
   * Closes every idle connection; connections in use close when their exchange ends (an HTTP/2
   * connection when its last stream does).
   */
  public final void closeIdle() {
    if (multiplexed != null) {
      multiplexed.retireAll();
    }
    for (Entry<H> e : entries.values()) {
      e.closeIdle();
    }
    for (IdentityHashMap<Backend, Entry<H>> mine : privateEntries.values()) {
      for (Entry<H> e : mine.values()) {
        e.closeIdle();
      }
    }
  }

  /** Connections to one backend from this event loop. */
  public static final class Entry<H extends PooledConnection> extends ChannelInitializer<Channel> {
    public final Backend backend;
    /** How connections speak TLS to the backend; null: plain. */
    private final BackendTls tls;
    private final BackendConnections<H> owner;
    private final ArrayDeque<H> idle = new ArrayDeque<>();
    private final Bootstrap bootstrap;
    /** The PROXY header each connection begins with, for {@link #client}; null: none. */
    private final ProxyHeaderVersion proxyHeader;
    private final InetSocketAddress client;
    private final InetSocketAddress local;
    /** Forgotten by its owner: connections close when their use ends. */
    private boolean retired;

    private Entry(BackendConnections<H> owner, Backend backend, BackendTls tls) {
      this(owner, backend, tls, null, null, null);
    }

    private Entry(BackendConnections<H> owner, Backend backend, BackendTls tls,
        ProxyHeaderVersion proxyHeader, InetSocketAddress client, InetSocketAddress local) {
      this.owner = owner;
      this.backend = backend;
      this.tls = tls;
      this.proxyHeader = proxyHeader;
      this.client = client;
      this.local = local;
      // Resolved once per event loop and backend; backends are usually IP literals.
      InetSocketAddress address = new InetSocketAddress(backend.host(), backend.port());
      this.bootstrap = owner.template.clone().handler(this).remoteAddress(address);
    }

    @Override
    protected void initChannel(Channel ch) {
      BackendCodec codec = new BackendCodec(new HttpDecoderConfig()
          .setMaxInitialLineLength(8192)
          .setMaxHeaderSize(65536)
          .setAllowDuplicateContentLengths(true)
          .setTrailersFactory(TrailerHeaders.FACTORY));
      if (proxyHeader != null) {
        ProxyHeaderWriter.forClient(ch, proxyHeader, client, local);
      }
      if (tls != null) {
        ch.pipeline().addLast(tls.newHandler(ch.alloc(), backend));
      }
      ch.pipeline().addLast(
          // Reader idle only: an all-idle or writer-idle time makes Netty wrap every write's void
          // promise in a real one and add a listener to every other promise (a profiler showed
          // ~250 bytes and two listener calls per request). A pooled connection's last event is
          // the read of its last response, so reader idle is the time it has sat in the pool.
          new IdleStateHandler(owner.tickNanos(), 0, 0, TimeUnit.NANOSECONDS),
          codec,
          owner.newHandler(this, codec));
    }

    /** The most recently used live idle connection, or null. */
    public H pollIdle() {
      H h;
      while ((h = idle.pollLast()) != null) {
        if (h.channel().isActive()) {
          return h;
        }
      }
      return null;
    }

    public ChannelFuture connect() {
      return bootstrap.connect();
    }

    /** Keeps a connection whose exchange ended cleanly for the next one, or closes it. */
    public void release(H h) {
      if (!retired && owner.keep(h, idle.size())) {
        idle.addLast(h);
      } else {
        h.channel().close();
      }
    }

    /** Its connections are not used again: idle ones close now, busy ones when done. */
    private void retire() {
      retired = true;
      closeIdle();
    }

    private void closeIdle() {
      H h;
      while ((h = idle.pollLast()) != null) {
        h.channel().close();
      }
    }

    /** Forgets a connection that closed. */
    public void remove(H h) {
      idle.remove(h);
    }
  }
}
