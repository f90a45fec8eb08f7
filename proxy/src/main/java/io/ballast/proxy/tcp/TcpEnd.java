package io.ballast.proxy.tcp;

import io.ballast.proxy.tunnel.TunnelEnd;

/**
 * How one connection of a TCP listener ended: the first ending event decides, as for a tunnel
 * ({@link TunnelEnd}), plus the ends a connection can have before it reaches a backend: while
 * its backend is found, and, on a listener that routes TLS by server name, while its ClientHello
 * is read ({@link ClientHelloReader}). Immutable.
 */
public enum TcpEnd {
  /** The client closed its side first (a FIN). */
  CLIENT_CLOSED("client_closed"),
  /** The backend closed its side first (a FIN). */
  BACKEND_CLOSED("backend_closed"),
  /** Neither side sent a byte for the listener's idle timeout. */
  IDLE_TIMEOUT("idle_timeout"),
  /** The client's connection broke (a reset, a write error) before either side closed. */
  CLIENT_RESET("client_reset"),
  /**
   * The backend's connection broke before either side closed: the client's is reset too, and
   * the backend counts a failure.
   */
  BACKEND_RESET("backend_reset"),
  /** Every connect the pool's retry settings allowed failed (refused, timed out). */
  CONNECT_FAILED("connect_failed"),
  /** The pool had no backend to try (none available, every one's circuit open). */
  NO_BACKEND("no_backend"),
  /**
   * The client left before a backend was reached: while ballast was connecting, or before it
   * sent a byte of its ClientHello.
   */
  CLIENT_LEFT("client_left"),
  /** The first bytes were not a TLS ClientHello (plain text, another protocol, SSLv2). */
  NOT_TLS("not_tls"),
  /** The client closed its connection in the middle of its ClientHello. */
  CLIENT_HELLO_TRUNCATED("client_hello_truncated"),
  /** The whole ClientHello did not arrive within the listener's {@code client_hello_timeout}. */
  CLIENT_HELLO_TIMEOUT("client_hello_timeout"),
  /** The ClientHello said it was longer than ballast reads ({@link ClientHelloReader#MAX_LENGTH}). */
  CLIENT_HELLO_TOO_LARGE("client_hello_too_large"),
  /** The ClientHello's server name (or its lack of one) matched no route, and there is no default. */
  NO_ROUTE("no_route"),
  /** Ballast closed it: shutdown, or its backend left the pool for good. */
  SHUTDOWN("shutdown");

  private final String label;

  TcpEnd(String label) {
    this.label = label;
  }

  /** A metric label and the log's {@code end} field, such as {@code backend_closed}. */
  public String label() {
    return label;
  }

  /** True when the connection reached a backend and relayed (whatever ended it). */
  public boolean relayed() {
    return switch (this) {
      case CONNECT_FAILED, NO_BACKEND, CLIENT_LEFT, NOT_TLS, CLIENT_HELLO_TRUNCATED,
          CLIENT_HELLO_TIMEOUT, CLIENT_HELLO_TOO_LARGE, NO_ROUTE -> false;
      default -> true;
    };
  }

  /** The end of a relayed connection, from its tunnel's. */
  static TcpEnd of(TunnelEnd end) {
    return switch (end) {
      case CLIENT_CLOSED -> CLIENT_CLOSED;
      case BACKEND_CLOSED -> BACKEND_CLOSED;
      case IDLE_TIMEOUT -> IDLE_TIMEOUT;
      case CLIENT_RESET -> CLIENT_RESET;
      case BACKEND_RESET -> BACKEND_RESET;
      // Plain TCP has no protocol limit to break; the farewell never refuses.
      case CLIENT_OVER_LIMIT, SHUTDOWN -> SHUTDOWN;
    };
  }
}
