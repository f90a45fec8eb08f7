package io.ballast.proxy;

import io.netty.channel.EventLoop;

/**
 * The proxy's backend connections of one event loop: upstream channels live on the event loop of
 * the client channels they serve. Every connection whose exchange ended cleanly is kept; the
 * backend idle timeout closes those that sit unused.
 *
 * <p>Event-loop only.
 */
final class UpstreamPool extends BackendConnections<UpstreamHandler> {
  UpstreamPool(EventLoop loop, ProxySettings settings) {
    super(loop, settings.connectTimeout(), settings.backendIdleTimeout());
  }

  @Override
  UpstreamHandler newHandler(Entry<UpstreamHandler> entry) {
    return new UpstreamHandler(entry);
  }
}
