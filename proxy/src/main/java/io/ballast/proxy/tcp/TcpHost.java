package io.ballast.proxy.tcp;

import io.ballast.core.attempt.AttemptListener;
import io.ballast.proxy.ProxyObserver;
import io.ballast.proxy.client.ClientLocality;
import io.ballast.proxy.tunnel.Tunnels;

/**
 * What a TCP listener uses of the proxy it runs in: the observer and client locality of the
 * moment (read once per connection), the attempt listener, the registry of open tunnels (which
 * ends them at shutdown), and the count of work in flight that a graceful stop waits for.
 *
 * <p>Implementations are thread-safe: event loops call them.
 */
public interface TcpHost {
  ProxyObserver observer();

  ClientLocality locality();

  AttemptListener attemptListener();

  Tunnels tunnels();

  /** A connection began: a graceful stop waits for it (up to its drain timeout). */
  void streamStarted();

  /** A connection counted by {@link #streamStarted} has closed. */
  void streamEnded();
}
