package io.ballast.proxy;

import io.netty.util.concurrent.EventExecutor;

/**
 * One open client connection as the server sees it, whatever its protocol: something to drain
 * when the process stops or its listener goes away. HTTP/1.1 connections close after their
 * current response; HTTP/2 connections send GOAWAY and close once their streams have ended.
 *
 * <p>{@link #drain()} runs on {@link #executor()} only.
 */
public interface ClientConnection {
  /** The listener the connection came in on. */
  ListenerContext listener();

  /** The client's connection (its channel). */
  io.netty.channel.Channel connection();

  /** The connection's event loop. */
  EventExecutor executor();

  /** Graceful stop: no new request is taken; the connection closes once its requests end. */
  void drain();

  /**
   * True while the connection is draining and idle, and may have a request on its way: since
   * its accept (no request yet) or since the drain found it between requests, for less than
   * {@code graceNanos} before {@code now}. A stop waits for such a request rather than cut the
   * connection under it. Thread-safe.
   */
  default boolean awaitingRequest(long now, long graceNanos) {
    return false;
  }
}
