package io.ballast.proxy;

import io.ballast.core.Backend;
import io.ballast.proxy.http1.UpstreamPool;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;

/**
 * The backend connections of a {@link ProxyServer}: one {@link UpstreamPool} per event loop, all
 * made with the same connect, idle and read timeouts. Settings that change those make a new set
 * and retire this one ({@link #retire}).
 *
 * <p>Immutable map, thread-safe: each pool is only touched on its own loop.
 */
final class UpstreamPools {
  private final Map<EventLoop, UpstreamPool> byLoop = new IdentityHashMap<>();
  private final ProxySettings settings;

  UpstreamPools(EventLoopGroup group, ProxySettings settings) {
    this.settings = settings;
    for (EventExecutor e : group) {
      byLoop.put((EventLoop) e, new UpstreamPool((EventLoop) e, settings));
    }
  }

  /** True when {@code next} makes backend connections as these do (the same timeouts). */
  boolean suits(ProxySettings next) {
    return settings.connectTimeout().equals(next.connectTimeout())
        && settings.backendIdleTimeout().equals(next.backendIdleTimeout())
        && settings.backendReadTimeout().equals(next.backendReadTimeout());
  }

  UpstreamPool get(EventLoop loop) {
    return byLoop.get(loop);
  }

  int size() {
    return byLoop.size();
  }

  /** Replaced: every pooled connection finishes its current use and closes. */
  void retire() {
    for (UpstreamPool p : byLoop.values()) {
      p.loop().execute(p::retire);
    }
  }

  /** {@code backend} is gone: its connections close, idle ones now, busy ones when done. */
  void forget(Backend backend) {
    for (Map.Entry<EventLoop, UpstreamPool> e : byLoop.entrySet()) {
      UpstreamPool p = e.getValue();
      try {
        e.getKey().execute(() -> p.forget(backend));
      } catch (RejectedExecutionException ignored) {
        // Shutting down: the connections go with the loops.
      }
    }
  }
}
