package io.ballast.proxy;

import io.ballast.core.LoadBalancer;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * One listening socket and the pool it sends traffic to. (Routing to several pools by host, path
 * and header comes later; it will replace the single pool with a route table.)
 *
 * @param name the listener's name, in logs and metrics
 * @param bind where to listen; port 0 binds any free port
 * @param pool where requests go
 * @param maxConnectAttempts how many different backends of the pool a request tries when
 *     connecting fails (1 = no second try)
 * @param hashKey where a hash-based pool takes the request's key from; null when the pool's
 *     algorithm does not hash (no key is computed then)
 */
public record ListenerSpec(
    String name, InetSocketAddress bind, LoadBalancer pool, int maxConnectAttempts,
    HashKey hashKey) {
  /** The default of {@link #maxConnectAttempts}. */
  public static final int DEFAULT_CONNECT_ATTEMPTS = 3;

  public ListenerSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(bind, "bind");
    Objects.requireNonNull(pool, "pool");
    if (maxConnectAttempts < 1) {
      throw new IllegalArgumentException(
          "maxConnectAttempts: " + maxConnectAttempts + " (expected: >= 1)");
    }
  }

  /** A listener whose requests try up to {@link #DEFAULT_CONNECT_ATTEMPTS} backends. */
  public ListenerSpec(String name, InetSocketAddress bind, LoadBalancer pool) {
    this(name, bind, pool, DEFAULT_CONNECT_ATTEMPTS,
        pool.algorithm().hashBased() ? HashKey.CLIENT_IP : null);
  }
}
