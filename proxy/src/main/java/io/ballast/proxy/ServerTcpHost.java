package io.ballast.proxy;

import io.ballast.core.attempt.AttemptListener;
import io.ballast.proxy.client.ClientLocality;
import io.ballast.proxy.tcp.TcpHost;
import io.ballast.proxy.tunnel.Tunnels;

/**
 * What the TCP listeners of a {@link ProxyServer} use of it: its observer and client locality of
 * the moment, its attempt listener and open tunnels, and its count of work in flight (which a
 * graceful stop waits for).
 *
 * <p>Thread-safe: each call is one volatile read or an atomic update of the server.
 */
final class ServerTcpHost implements TcpHost {
  private final ProxyServer server;

  ServerTcpHost(ProxyServer server) {
    this.server = server;
  }

  @Override
  public ProxyObserver observer() {
    return server.shared().observer();
  }

  @Override
  public ClientLocality locality() {
    return server.locality();
  }

  @Override
  public AttemptListener attemptListener() {
    return server.attemptListener();
  }

  @Override
  public Tunnels tunnels() {
    return server.tunnels();
  }

  @Override
  public void streamStarted() {
    server.requestStarted();
  }

  @Override
  public void streamEnded() {
    server.requestEnded();
  }
}
