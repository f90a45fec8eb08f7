package io.ballast.proxy;

import io.ballast.core.Backend;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.IdentityHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One {@link Mirror}'s state on one event loop: the copies in flight there and, per shadow
 * backend, the idle kept-alive connections and the way to open new ones. Kept apart from the
 * proxy's {@link UpstreamPool} so that a shadow can never take or spoil a connection the real
 * traffic uses.
 *
 * <p>Event-loop only: every method and field must be used on {@link #loop}.
 */
final class MirrorConnections {
  final EventLoop loop;
  /** Copies started on this loop and not yet ended; at most the spec's {@code maxInFlight}. */
  int inFlight;
  private final Bootstrap template;
  private final long idleNanos;
  /**
   * Idle connections kept per backend. No more connections than copies in flight are ever open
   * at once, so {@code maxInFlight} is the natural bound; it is enforced anyway so a change of
   * spec or a burst of late connects cannot grow the pool.
   */
  private final int maxIdle;
  private final IdentityHashMap<Backend, Entry> entries = new IdentityHashMap<>();
  private final Mirror mirror;
  private boolean closed;

  MirrorConnections(Mirror mirror, EventLoop loop, MirrorSpec spec) {
    this.mirror = mirror;
    this.loop = loop;
    this.idleNanos = spec.idleTimeout().toNanos();
    this.maxIdle = spec.maxInFlight();
    this.template = new Bootstrap()
        .group(loop)
        .channel(Transport.socketChannel(loop))
        .option(ChannelOption.TCP_NODELAY, true)
        // The mirror's own timer ends the whole exchange at the spec's timeout; this only keeps
        // the transport from waiting longer than that on its own.
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
            (int) Math.max(1, Math.min(Integer.MAX_VALUE, spec.timeout().toMillis())));
  }

  Entry entry(Backend backend) {
    Entry e = entries.get(backend);
    if (e == null) {
      e = new Entry(backend);
      entries.put(backend, e);
    }
    return e;
  }

  /** Idle connections kept for every backend, for tests. */
  int idleCount() {
    int n = 0;
    for (Entry e : entries.values()) {
      n += e.idle.size();
    }
    return n;
  }

  /** Closes every idle connection; connections still in use close when their copy ends. */
  void close() {
    closed = true;
    for (Entry e : entries.values()) {
      MirrorHandler h;
      while ((h = e.idle.pollLast()) != null) {
        h.channel().close();
      }
    }
  }

  /** Connections to one shadow backend from this event loop. */
  final class Entry extends ChannelInitializer<Channel> {
    final Backend backend;
    private final ArrayDeque<MirrorHandler> idle = new ArrayDeque<>();
    private final Bootstrap bootstrap;

    Entry(Backend backend) {
      this.backend = backend;
      // Resolved once per event loop and backend; backends are usually IP literals.
      this.bootstrap = template.clone().handler(this)
          .remoteAddress(new InetSocketAddress(backend.host(), backend.port()));
    }

    @Override
    protected void initChannel(Channel ch) {
      ch.pipeline().addLast(
          // Reader idle only, as for the proxy's own backend connections: a pooled connection's
          // last event is the read of its last response.
          new IdleStateHandler(idleNanos, 0, 0, TimeUnit.NANOSECONDS),
          new HttpClientCodec(new HttpDecoderConfig()
              .setMaxInitialLineLength(8192)
              .setMaxHeaderSize(65536)
              .setAllowDuplicateContentLengths(true), false, false),
          new MirrorHandler(this));
    }

    /** The most recently used live idle connection, or null. */
    MirrorHandler pollIdle() {
      MirrorHandler h;
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

    /** Keeps a connection whose copy ended cleanly for the next copy, or closes it. */
    void release(MirrorHandler h) {
      // The mirror's own flag too: a loop first used while the mirror was closing never got
      // the close task.
      if (closed || mirror.closed() || idle.size() >= maxIdle || !h.channel().isActive()) {
        h.channel().close();
      } else {
        idle.addLast(h);
      }
    }

    /** Forgets a connection that closed. */
    void remove(MirrorHandler h) {
      idle.remove(h);
    }
  }
}
