package io.ballast.server.pool;

import io.ballast.core.pool.LoadBalancer;
import io.ballast.server.config.PoolConfig;
import java.util.Optional;

/**
 * One concern of a running pool that runs beside its balancer (active health checks, outlier
 * detection, circuit breakers, signal pollers, weight control, discovery): how it is read from
 * the pool's configuration and how it is started. Each is one unit: the wiring starts every part
 * a pool has with one loop, and a reload compares each part's settings and restarts only the
 * parts whose settings changed.
 *
 * <p>Implementations are stateless singletons; thread-safe.
 *
 * @param <S> the part's settings, compared with {@code ConfigDiff.same} across reloads
 * @param <R> the started part
 */
public interface PoolPart<S, R extends PoolPart.Running> {
  /** The part's name in logs and decisions ("health checks"). */
  String name();

  /** The part's settings in {@code config}; empty when the pool does not run it. */
  Optional<S> settings(PoolConfig config);

  /**
   * Starts the part for {@code pool} (already running, with its members). The returned handle
   * stops it again; a stopped part leaves the pool as if it had never run (no ejection, no open
   * circuit, no adjusted weight remains).
   */
  R start(LoadBalancer pool, PoolConfig config, S settings, PoolServices services);

  /** A started part. */
  @FunctionalInterface
  interface Running extends AutoCloseable {
    /** Stops the part. Idempotent. */
    @Override
    void close();
  }
}
