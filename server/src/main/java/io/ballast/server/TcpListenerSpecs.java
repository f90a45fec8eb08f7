package io.ballast.server;

import io.ballast.proxy.routing.PoolRef;
import io.ballast.proxy.tcp.TcpListenerSpec;
import io.ballast.server.config.ListenerConfig;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Builds the proxy's spec of each {@code mode: tcp} listener of one configuration: its pool as
 * the running pools give it (balancer, retry policy, hash key, zones: the same {@link PoolRef}
 * HTTP routes use), its timeouts (the connect timeout falls back on the top-level
 * {@code timeouts.connect}), its access list and its connection limits.
 *
 * <p>Immutable; used on the thread that starts or reloads.
 */
final class TcpListenerSpecs {
  private final Map<String, PoolRef> refs;
  private final Duration connectTimeout;

  /**
   * @param refs the running pools by name
   * @param connectTimeout the top-level {@code timeouts.connect}
   */
  TcpListenerSpecs(Map<String, PoolRef> refs, Duration connectTimeout) {
    this.refs = Objects.requireNonNull(refs, "refs");
    this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
  }

  /** The spec of {@code l}, a tcp listener whose pool runs. */
  TcpListenerSpec spec(ListenerConfig l) {
    PoolRef pool = refs.get(l.tcpPool());
    if (pool == null) {
      throw new IllegalStateException("listener " + l.name() + ": pool " + l.tcpPool()
          + " is not running");
    }
    return new TcpListenerSpec(l.name(), l.bind().toSocketAddress(), pool,
        l.tcp().connectTimeout(connectTimeout), l.tcp().idleTimeout(),
        l.access() == null ? null : l.access().list(), l.limits().connections());
  }
}
