package io.ballast.proxy.http1;

import io.ballast.proxy.ProxySettings;
import io.ballast.proxy.upstream.BackendCodec;
import io.ballast.proxy.upstream.BackendConnections;
import io.netty.channel.EventLoop;

/**
 * The proxy's backend connections of one event loop: upstream channels live on the event loop of
 * the client channels they serve. Every connection whose exchange ended cleanly is kept; the
 * backend idle timeout closes those that sit unused, and the backend read timeout ends a
 * response that stops coming. Pools that speak HTTP/2 get streams of multiplexed connections
 * instead ({@link #stream}), read by the same handler.
 *
 * <p>Event-loop only.
 */
public final class UpstreamPool extends BackendConnections<UpstreamHandler> {
  private final long readNanos;
  /** Replaced by a pool with other settings: connections close when their use ends. */
  private boolean retired;

  public UpstreamPool(EventLoop loop, ProxySettings settings) {
    super(loop, settings.connectTimeout(), settings.backendIdleTimeout());
    this.readNanos = settings.backendReadTimeout().toNanos();
  }

  /**
   * The settings changed and a new pool serves from now on: idle connections close now, busy
   * ones when their response is done. Event loop only.
   */
  public void retire() {
    retired = true;
    closeIdle();
  }

  @Override
  public boolean keep(UpstreamHandler connection, int idle) {
    return !retired;
  }

  /** The shorter of the pool idle and the read timeouts: both are counted in these ticks. */
  @Override
  public long tickNanos() {
    return Math.min(idleNanos(), readNanos);
  }

  /**
   * A stream's read timeout is counted in ticks of its connection's timer, at half the timeout
   * ({@link UpstreamStream}); idleness is its connection's.
   */
  @Override
  public long streamTickNanos() {
    return readNanos / 2;
  }

  @Override
  public UpstreamHandler newHandler(Entry<UpstreamHandler> entry, BackendCodec codec) {
    return new UpstreamHandler(entry, codec, tickNanos(), idleNanos(), readNanos);
  }
}
