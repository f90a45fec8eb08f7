package io.ballast.proxy;

import io.ballast.core.Backend;
import io.ballast.proxy.tcp.TcpConnectionLog;
import io.ballast.proxy.tls.ClientTls;
import io.ballast.proxy.tunnel.TunnelEnd;

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

  /**
   * A client connection of {@code listener} was closed at accept, before any byte was read:
   * {@code reason} is one of a fixed set ({@code access_list}, {@code
   * max_connections_per_client}).
   */
  default void onClientConnectionRefused(String listener, String reason) {}

  /**
   * {@code listener} reached its connection limit with {@code open} connections and stopped
   * accepting: new connections wait in the kernel's backlog until {@link #onAcceptsResumed}.
   */
  default void onAcceptsHeld(String listener, int open) {}

  /** {@code listener} accepts again after holding for {@code heldNanos}. */
  default void onAcceptsResumed(String listener, long heldNanos) {}

  /**
   * A client connection of {@code listener} reached the listener's requests per connection: its
   * last response said {@code Connection: close} (HTTP/1.1), or it was sent GOAWAY (HTTP/2).
   */
  default void onConnectionRequestLimit(String listener) {}

  /** A client's TLS handshake succeeded. */
  default void onTlsHandshake(String listener, ClientTls tls) {}

  /**
   * A client's TLS handshake failed; {@code reason} is one of the kinds
   * {@link io.ballast.proxy.tls.HandshakeWatch.Listener#failure} names.
   */
  default void onTlsHandshakeFailure(String listener, String reason) {}

  /**
   * Ballast ended an HTTP/2 client's connection (GOAWAY) or one of its streams (RST_STREAM)
   * because of what the client did; {@code error} is the HTTP/2 error code's name in lower case
   * ({@code protocol_error}, {@code enhance_your_calm}, ...), or {@code stream_stalled} for a
   * stream reset because its client stopped moving it.
   */
  default void onHttp2Error(String listener, boolean connection, String error) {}

  /**
   * Ballast refused a request (its head: malformed, smuggling-prone, over a limit, too slow; or
   * its body: larger than the route allows, too slow) and answered {@code status} itself (or, when
   * a response had begun, cut it), then closed the connection (an HTTP/2 stream: reset it).
   * {@code reason}
   * comes from a fixed set (the refusal's kind, without the request's bytes), so it may label a
   * metric; the request's own record (the access log) has the full reason.
   */
  default void onRequestRefused(String listener, int status, String reason) {}

  /** A tunnel opened to a backend of {@code pool} (a WebSocket upgrade was answered 101). */
  default void onTunnelOpened(String pool) {}

  /**
   * {@code bytes} crossed a tunnel of {@code pool}, from the client when {@code fromClient},
   * else from the backend. Called once per read while the tunnel lives: keep it cheap.
   */
  default void onTunnelBytes(String pool, boolean fromClient, int bytes) {}

  /**
   * A tunnel of {@code pool} closed, for the reason {@code end}; its request's
   * {@link #onRequestComplete} follows (status 101, the tunnel's bytes and life).
   */
  default void onTunnelClosed(String pool, TunnelEnd end) {}

  /**
   * A connection of the TCP listener {@code listener} reached {@code backend} of {@code pool}
   * and relays from now on; its {@link #onTcpConnectionClosed} follows.
   */
  default void onTcpConnectionOpened(String listener, String pool, Backend backend) {}

  /**
   * {@code bytes} crossed a connection of the TCP listener {@code listener} to {@code backend},
   * from the client when {@code fromClient}. Called once per read: keep it cheap.
   */
  default void onTcpBytes(String listener, Backend backend, boolean fromClient, int bytes) {}

  /**
   * A connect of the TCP listener {@code listener} to {@code backend} of {@code pool} failed;
   * {@code reason} is one of a few words ({@code connect refused}, {@code connect timeout}).
   * The client's connection may go on to another backend.
   */
  default void onTcpConnectFailed(String listener, String pool, Backend backend, String reason) {}

  /** A connection of a TCP listener closed (whether or not it reached a backend); once each. */
  default void onTcpConnectionClosed(TcpConnectionLog log) {}
}
