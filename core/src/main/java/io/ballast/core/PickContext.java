package io.ballast.core;

/**
 * The narrow view of one pick attempt that a picker may use. Core never sees HTTP: the proxy
 * adapts a request to this (usually one reusable mutable object per request).
 *
 * <p>Implementations are used by one thread at a time (the event loop serving the request).
 */
public interface PickContext {
  /** A context for a first attempt with no hash key and nothing excluded. */
  PickContext NONE = new PickContext() {};

  /** The precomputed request hash key for hash-based pickers; 0 when there is none. */
  default long hashKey() {
    return 0L;
  }

  /** 0 for the first attempt of a request, 1 for the first retry, and so on. */
  default int attempt() {
    return 0;
  }

  /** True when this backend was already tried for the request and must not be picked again. */
  default boolean isExcluded(Backend backend) {
    return false;
  }

  /**
   * The client's zone: its index in the pool's {@code io.ballast.core.zone.ZoneMap} (the proxy
   * looks the client's "region/zone" up once per request), or -1 when the client's locality is
   * unknown. Only zone-aware pickers read it; with -1 they balance over the whole pool.
   */
  default int locality() {
    return -1;
  }

  /**
   * True when a copy of this request may probe a backend beside it: the request is safe and
   * bodiless (GET or HEAD without a body), this is its first attempt, and its driver sends such
   * copies ({@link PickResult.Picked#probe}). A picker that wants to test a shunned backend then
   * sends the request where it would anyway and names the backend to probe, so that the client
   * never waits on the probe.
   */
  default boolean probeAside() {
    return false;
  }
}
