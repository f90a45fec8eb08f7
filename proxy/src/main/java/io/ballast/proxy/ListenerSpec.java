package io.ballast.proxy;

import io.ballast.core.LoadBalancer;
import io.ballast.core.Ticker;
import io.ballast.core.retry.RetryPolicy;
import io.ballast.core.retry.RetrySettings;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * One listening socket and the pool it sends traffic to. (Routing to several pools by host, path
 * and header comes later; it will replace the single pool with a route table.)
 *
 * @param name the listener's name, in logs and metrics
 * @param bind where to listen; port 0 binds any free port
 * @param pool where requests go
 * @param retry the pool's retry policy (shared by every listener of the pool: its budget is the
 *     pool's)
 * @param hashKey where a hash-based pool takes the request's key from; null when the pool's
 *     algorithm does not hash (no key is computed then)
 * @param loadReportHeader the pool's load-report response header (read into the backend's
 *     signals and stripped from every response), or null when the pool reads none
 */
public record ListenerSpec(
    String name, InetSocketAddress bind, LoadBalancer pool, RetryPolicy retry,
    HashKey hashKey, String loadReportHeader) {

  public ListenerSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(bind, "bind");
    Objects.requireNonNull(pool, "pool");
    Objects.requireNonNull(retry, "retry");
    if (loadReportHeader != null
        && (loadReportHeader.isEmpty() || !HeaderRewriter.isToken(loadReportHeader))) {
      throw new IllegalArgumentException("loadReportHeader: \"" + loadReportHeader
          + "\" (expected: a header name such as " + SignalsSpec.DEFAULT_HEADER + ")");
    }
  }

  /** A listener whose pool reads no load-report header. */
  public ListenerSpec(String name, InetSocketAddress bind, LoadBalancer pool, RetryPolicy retry,
      HashKey hashKey) {
    this(name, bind, pool, retry, hashKey, null);
  }

  /** A listener with the default retry settings ({@link RetrySettings#DEFAULTS}). */
  public ListenerSpec(String name, InetSocketAddress bind, LoadBalancer pool) {
    this(name, bind, pool, new RetryPolicy(RetrySettings.DEFAULTS, Ticker.SYSTEM),
        pool.algorithm().hashBased() ? HashKey.CLIENT_IP : null);
  }
}
