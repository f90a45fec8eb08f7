package io.ballast.proxy.tcp;

import io.ballast.proxy.routing.PoolRef;
import io.ballast.proxy.tls.ServerNames;
import java.util.List;
import java.util.Objects;

/**
 * One route of a TCP listener that routes TLS passthrough by server name ({@link SniSpec}): the
 * connections whose ClientHello names one of {@code serverNames} go to {@code pool}. Immutable
 * and validated at construction.
 *
 * @param serverNames exact names ({@code api.example.com}) or one-label wildcards
 *     ({@code *.example.com}), matched as {@link ServerNames} says; at least one
 * @param pool where those connections go; a pool a TCP listener can use
 */
public record SniRoute(List<String> serverNames, PoolRef pool) {
  public SniRoute {
    serverNames = ServerNames.requireNames("server_names", serverNames);
    TcpListenerSpec.checkPool(Objects.requireNonNull(pool, "pool"));
  }

  @Override
  public String toString() {
    return serverNames + " -> " + pool.name();
  }
}
