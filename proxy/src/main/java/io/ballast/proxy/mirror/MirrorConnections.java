package io.ballast.proxy.mirror;

import io.ballast.proxy.upstream.BackendCodec;
import io.ballast.proxy.upstream.BackendConnections;
import io.netty.channel.EventLoop;

/**
 * One {@link Mirror}'s state on one event loop: the copies in flight there and its own
 * connections to the shadow backends (never the proxy's {@link UpstreamPool}: a shadow can never
 * take or spoil a connection the real traffic uses).
 *
 * <p>Event-loop only: every method and field must be used on {@link #loop()}.
 */
final class MirrorConnections extends BackendConnections<MirrorHandler> {
  /** Copies started on this loop and not yet ended; at most the spec's {@code maxInFlight}. */
  int inFlight;
  /**
   * Idle connections kept per backend. No more connections than copies in flight are ever open
   * at once, so {@code maxInFlight} is the natural bound; it is enforced anyway so a change of
   * spec or a burst of late connects cannot grow the pool.
   */
  private final int maxIdle;
  private final Mirror mirror;
  private boolean closed;

  MirrorConnections(Mirror mirror, EventLoop loop, MirrorSpec spec) {
    // The mirror's own timer ends the whole copy at the spec's timeout; the connect timeout only
    // keeps the transport from waiting longer than that on its own.
    super(loop, spec.timeout(), spec.idleTimeout());
    this.mirror = mirror;
    this.maxIdle = spec.maxInFlight();
  }

  @Override
  public MirrorHandler newHandler(Entry<MirrorHandler> entry, BackendCodec codec) {
    return new MirrorHandler(entry, codec);
  }

  @Override
  public boolean keep(MirrorHandler connection, int idle) {
    // The mirror's own flag too: a loop first used while the mirror was closing never got the
    // close task.
    return !closed && !mirror.closed() && idle < maxIdle && connection.channel().isActive();
  }

  /** Closes every idle connection; connections still in use close when their copy ends. */
  void close() {
    closed = true;
    closeIdle();
  }
}
