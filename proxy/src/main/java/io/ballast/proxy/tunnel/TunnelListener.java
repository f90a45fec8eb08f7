package io.ballast.proxy.tunnel;

/**
 * Hears what one tunnel does: the bytes as they cross it (for counters that move while a long
 * tunnel lives, not only at its end) and its end.
 *
 * <p>Called on the tunnel's event loop: must not block, and should be cheap, since
 * {@link #relayed} runs once per read.
 */
public interface TunnelListener {
  /** {@code bytes} were read from the client ({@code fromClient}) or from the backend. */
  void relayed(boolean fromClient, int bytes);

  /** Both connections are closed; called exactly once, last. */
  void closed(TunnelSummary summary);
}
