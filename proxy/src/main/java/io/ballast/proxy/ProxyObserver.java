package io.ballast.proxy;

/**
 * Receives what the data plane did, for metrics and the access log.
 *
 * <p>Called on event-loop threads: implementations must be thread-safe and must not block (hand
 * slow work such as file writes to another thread).
 */
public interface ProxyObserver {
  ProxyObserver NONE = new ProxyObserver() {};

  /** A client request ended; called exactly once per request head received. */
  default void onRequestComplete(RequestLog log) {}

  /** A client connection was accepted. */
  default void onClientConnectionOpened(String listener) {}

  /** A client connection closed. */
  default void onClientConnectionClosed(String listener) {}
}
