package io.ballast.proxy;

import io.ballast.core.Backend;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.IdentityHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Backend connections of one event loop: for each backend, the idle keep-alive connections and the
 * way to open new ones. Upstream channels live on the event loop of the client channels they
 * serve, so the pool needs no lock.
 *
 * <p>Event-loop only: every method must be called on {@link #loop()}.
 */
final class UpstreamPool {
  private final EventLoop loop;
  private final Bootstrap template;
  private final long idleNanos;
  private final IdentityHashMap<Backend, Entry> entries = new IdentityHashMap<>();

  UpstreamPool(EventLoop loop, ProxySettings settings) {
    this.loop = loop;
    this.idleNanos = settings.backendIdleTimeout().toNanos();
    this.template = new Bootstrap()
        .group(loop)
        .channel(Transport.socketChannel(loop))
        .option(io.netty.channel.ChannelOption.TCP_NODELAY, true)
        .option(io.netty.channel.ChannelOption.CONNECT_TIMEOUT_MILLIS,
            (int) Math.min(Integer.MAX_VALUE, settings.connectTimeout().toMillis()));
  }

  EventLoop loop() {
    return loop;
  }

  Entry entry(Backend backend) {
    Entry e = entries.get(backend);
    if (e == null) {
      e = new Entry(backend);
      entries.put(backend, e);
    }
    return e;
  }

  /** Idle connections kept for all backends, for tests and metrics. */
  int idleCount() {
    int n = 0;
    for (Entry e : entries.values()) {
      n += e.idle.size();
    }
    return n;
  }

  /** Closes every idle connection. */
  void closeIdle() {
    for (Entry e : entries.values()) {
      UpstreamHandler h;
      while ((h = e.idle.pollLast()) != null) {
        h.channel().close();
      }
    }
  }

  /** Connections to one backend from this event loop. */
  final class Entry extends ChannelInitializer<Channel> {
    final Backend backend;
    private final ArrayDeque<UpstreamHandler> idle = new ArrayDeque<>();
    private final Bootstrap bootstrap;

    Entry(Backend backend) {
      this.backend = backend;
      // Resolved once per event loop and backend; backends are usually IP literals.
      InetSocketAddress address = new InetSocketAddress(backend.host(), backend.port());
      this.bootstrap = template.clone().handler(this).remoteAddress(address);
    }

    @Override
    protected void initChannel(Channel ch) {
      ch.pipeline().addLast(
          // Reader idle only: an all-idle or writer-idle time makes Netty wrap every write's void
          // promise in a real one and add a listener to every other promise (a profiler showed
          // ~250 bytes and two listener calls per request). A pooled connection's last event is
          // the read of its last response, so reader idle is the time it has sat in the pool.
          new IdleStateHandler(idleNanos, 0, 0, TimeUnit.NANOSECONDS),
          new HttpClientCodec(new HttpDecoderConfig()
              .setMaxInitialLineLength(8192)
              .setMaxHeaderSize(65536)
              .setAllowDuplicateContentLengths(true)
              .setTrailersFactory(TrailerHeaders.FACTORY), false, false),
          new UpstreamHandler(this));
    }

    /** The most recently used live idle connection, or null. */
    UpstreamHandler pollIdle() {
      UpstreamHandler h;
      while ((h = idle.pollLast()) != null) {
        if (h.channel().isActive()) {
          return h;
        }
      }
      return null;
    }

    ChannelFuture connect() {
      return bootstrap.connect();
    }

    /** Keeps a connection whose exchange ended cleanly for the next request. */
    void release(UpstreamHandler h) {
      idle.addLast(h);
    }

    /** Forgets a connection that closed. */
    void remove(UpstreamHandler h) {
      idle.remove(h);
    }
  }
}
