package io.ballast.core;

/**
 * Sees every completed request of one backend after its {@link BackendLoad} counted it: the
 * {@code auto} algorithm's history ({@code io.ballast.core.pick.AutoLoad}) is one. A contract, so
 * that load accounting needs no picker type.
 *
 * <p>Thread-safe and non-blocking: called by every event loop, once per completion.
 */
public interface LoadObserver {
  /**
   * @param success false when the request counts against the backend
   * @param nanos its latency
   * @param nowNanos the load's clock when it completed
   * @param joined requests in flight on the backend with it when it started; 0 when unknown
   */
  void record(boolean success, long nanos, long nowNanos, int joined);
}
