package io.ballast.proxy.mirror;

import io.ballast.core.pool.LoadBalancer;
import io.ballast.proxy.tls.BackendTls;
import io.ballast.proxy.upstream.BackendProtocol;
import java.time.Duration;
import java.util.Objects;

/**
 * What a {@link Mirror} copies and where to: a share of a route's requests sent to a shadow pool
 * whose answers nobody reads.
 *
 * <p>Immutable and validated at construction.
 *
 * @param pool the shadow pool; its picker chooses each copy's backend and its health, load and
 *     outlier state learn from the copies' outcomes
 * @param percent share of requests copied, 0 to 100 (fractions allowed: 0.5 copies one in 200)
 * @param maxBody largest request body copied, in bytes; a request with a larger body is not
 *     mirrored (and counted), which bounds the memory a slow shadow can hold
 * @param timeout the whole mirror exchange, from the send to the last response byte (connect
 *     included); expiry closes the connection and frees the slot
 * @param maxInFlight copies in flight at once per event loop; a copy over it is dropped (and
 *     counted) rather than queued, so a stuck shadow costs at most this many connections and
 *     {@code maxInFlight * maxBody} bytes per event loop
 * @param idleTimeout an idle kept-alive connection to a shadow backend is closed after this
 * @param tls how the shadow pool speaks TLS to its backends; null for plain connections
 * @param protocol which HTTP the shadow pool speaks (HTTP/1.1, or HTTP/2 streams)
 */
public record MirrorSpec(
    LoadBalancer pool,
    double percent,
    long maxBody,
    Duration timeout,
    int maxInFlight,
    Duration idleTimeout,
    BackendTls tls,
    BackendProtocol protocol) {

  /** How long an idle shadow connection is kept unless told otherwise. */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);

  public MirrorSpec {
    Objects.requireNonNull(pool, "pool");
    if (!(percent >= 0 && percent <= 100)) {
      throw new IllegalArgumentException("percent: " + percent + " (expected: 0..100)");
    }
    if (maxBody < 0) {
      throw new IllegalArgumentException("maxBody: " + maxBody + " (expected: >= 0)");
    }
    positive("timeout", timeout);
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("maxInFlight: " + maxInFlight + " (expected: >= 1)");
    }
    positive("idleTimeout", idleTimeout);
    Objects.requireNonNull(protocol, "protocol");
  }

  /** A spec for a shadow pool that speaks HTTP/1.1 (over TLS as {@code tls} says). */
  public MirrorSpec(LoadBalancer pool, double percent, long maxBody, Duration timeout,
      int maxInFlight, Duration idleTimeout, BackendTls tls) {
    this(pool, percent, maxBody, timeout, maxInFlight, idleTimeout, tls, BackendProtocol.HTTP1);
  }

  /** A spec whose idle shadow connections close after {@link #DEFAULT_IDLE_TIMEOUT}. */
  public MirrorSpec(
      LoadBalancer pool, double percent, long maxBody, Duration timeout, int maxInFlight) {
    this(pool, percent, maxBody, timeout, maxInFlight, DEFAULT_IDLE_TIMEOUT, null);
  }

  /** A spec for a shadow pool whose backends speak plain HTTP. */
  public MirrorSpec(LoadBalancer pool, double percent, long maxBody, Duration timeout,
      int maxInFlight, Duration idleTimeout) {
    this(pool, percent, maxBody, timeout, maxInFlight, idleTimeout, null);
  }

  /** A spec whose idle shadow connections close after {@link #DEFAULT_IDLE_TIMEOUT}. */
  public MirrorSpec(LoadBalancer pool, double percent, long maxBody, Duration timeout,
      int maxInFlight, BackendTls tls) {
    this(pool, percent, maxBody, timeout, maxInFlight, DEFAULT_IDLE_TIMEOUT, tls);
  }

  private static void positive(String name, Duration d) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
    }
  }

  @Override
  public String toString() {
    return "MirrorSpec[pool=" + pool.name() + ", percent=" + percent + ", maxBody=" + maxBody
        + ", timeout=" + timeout + ", maxInFlight=" + maxInFlight + ", idleTimeout="
        + idleTimeout + (tls == null ? "" : ", " + tls)
        + (protocol.multiplexed() ? ", " + protocol : "") + "]";
  }
}
