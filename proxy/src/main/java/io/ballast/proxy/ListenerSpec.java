package io.ballast.proxy;

import io.ballast.core.LoadBalancer;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * One listening socket and the pool it sends traffic to. (Routing to several pools by host, path
 * and header comes later; it will replace the single pool with a route table.)
 */
public record ListenerSpec(String name, InetSocketAddress bind, LoadBalancer pool) {
  public ListenerSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(bind, "bind");
    Objects.requireNonNull(pool, "pool");
  }
}
