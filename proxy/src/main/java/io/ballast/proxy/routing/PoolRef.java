package io.ballast.proxy.routing;

import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.retry.RetryPolicy;
import io.ballast.core.zone.ZoneMap;
import io.ballast.proxy.affinity.PoolAffinity;
import io.ballast.proxy.client.HashKey;
import io.ballast.proxy.http1.HeaderRewriter;
import io.ballast.proxy.shed.Shedding;
import io.ballast.proxy.signals.SignalsSpec;
import io.ballast.proxy.tls.BackendTls;
import io.ballast.proxy.upstream.BackendProtocol;
import java.util.Objects;

/**
 * A pool as routes send traffic to it: the pool, its retry policy (shared by every route that
 * does not set its own: the retry budget is the pool's), where its hash key comes from, and the
 * load-report header it reads. One per pool, shared by every route. Immutable.
 *
 * @param pool the pool
 * @param retry the pool's retry policy
 * @param hashKey where a hash-based pool takes the request's key from; null when the pool's
 *     algorithm does not hash
 * @param loadReportHeader the pool's load-report response header, or null when it reads none
 * @param zones the zones of a zone-aware pool, to turn a client's "region/zone" into the index
 *     its picks read; null when the pool is not zone-aware
 * @param affinity the pool's session affinity, or null when its requests are not sticky (or
 *     stick through the pool's hash algorithm alone)
 * @param tls how the pool speaks TLS to its backends; null for plain connections
 * @param protocol which HTTP the pool speaks to its backends (HTTP/1.1, or HTTP/2 streams)
 * @param shedding the pool's adaptive load shedding, or null when it sheds nothing
 */
public record PoolRef(LoadBalancer pool, RetryPolicy retry, HashKey hashKey,
    String loadReportHeader, ZoneMap zones, PoolAffinity affinity, BackendTls tls,
    BackendProtocol protocol, Shedding shedding) {
  public PoolRef {
    Objects.requireNonNull(pool, "pool");
    Objects.requireNonNull(retry, "retry");
    Objects.requireNonNull(protocol, "protocol");
    if (protocol.version() == BackendProtocol.Version.H2 && tls == null) {
      throw new IllegalArgumentException("protocol: h2 without tls (expected: tls for h2, or h2c)");
    }
    if (loadReportHeader != null
        && (loadReportHeader.isEmpty() || !HeaderRewriter.isToken(loadReportHeader))) {
      throw new IllegalArgumentException("loadReportHeader: \"" + loadReportHeader
          + "\" (expected: a header name such as " + SignalsSpec.DEFAULT_HEADER + ")");
    }
    if (shedding != null && !shedding.limiter().pool().equals(pool.name())) {
      throw new IllegalArgumentException("shedding: of pool " + shedding.limiter().pool()
          + " (expected: of pool " + pool.name() + ")");
    }
    if (affinity != null && affinity.sessions().pool() != pool) {
      throw new IllegalArgumentException("affinity: of pool " + affinity.sessions().pool().name()
          + " (expected: of pool " + pool.name() + ")");
    }
  }

  /** A pool that sheds nothing. */
  public PoolRef(LoadBalancer pool, RetryPolicy retry, HashKey hashKey, String loadReportHeader,
      ZoneMap zones, PoolAffinity affinity, BackendTls tls, BackendProtocol protocol) {
    this(pool, retry, hashKey, loadReportHeader, zones, affinity, tls, protocol, null);
  }

  /** A pool that is neither zone-aware nor sticky. */
  public PoolRef(LoadBalancer pool, RetryPolicy retry, HashKey hashKey, String loadReportHeader) {
    this(pool, retry, hashKey, loadReportHeader, null, null);
  }

  /** A pool whose backends speak plain HTTP. */
  public PoolRef(LoadBalancer pool, RetryPolicy retry, HashKey hashKey, String loadReportHeader,
      ZoneMap zones, PoolAffinity affinity) {
    this(pool, retry, hashKey, loadReportHeader, zones, affinity, null);
  }

  /** A pool that speaks HTTP/1.1, over TLS as {@code tls} says (null: plain). */
  public PoolRef(LoadBalancer pool, RetryPolicy retry, HashKey hashKey, String loadReportHeader,
      ZoneMap zones, PoolAffinity affinity, BackendTls tls) {
    this(pool, retry, hashKey, loadReportHeader, zones, affinity, tls, BackendProtocol.HTTP1);
  }

  public String name() {
    return pool.name();
  }
}
