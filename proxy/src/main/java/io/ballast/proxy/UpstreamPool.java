package io.ballast.proxy;

import io.netty.channel.EventLoop;

/**
 * The proxy's backend connections of one event loop: upstream channels live on the event loop of
 * the client channels they serve. Every connection whose exchange ended cleanly is kept; the
 * backend idle timeout closes those that sit unused, and the backend read timeout ends a
 * response that stops coming.
 *
 * <p>Event-loop only.
 */
final class UpstreamPool extends BackendConnections<UpstreamHandler> {
  private final long readNanos;

  UpstreamPool(EventLoop loop, ProxySettings settings) {
    super(loop, settings.connectTimeout(), settings.backendIdleTimeout());
    this.readNanos = settings.backendReadTimeout().toNanos();
  }

  /** The shorter of the pool idle and the read timeouts: both are counted in these ticks. */
  @Override
  long tickNanos() {
    return Math.min(idleNanos(), readNanos);
  }

  @Override
  UpstreamHandler newHandler(Entry<UpstreamHandler> entry, BackendCodec codec) {
    return new UpstreamHandler(entry, codec, tickNanos(), idleNanos(), readNanos);
  }
}
