package io.ballast.proxy.tunnel;

/**
 * Why a tunnel ended: the first of its ending events decides. A side that closed its half first
 * (a FIN) ended it in order, whatever happens on the way down after that (a client whose peer
 * vanished often resets its own side a moment later); a reset or an error before any FIN, the
 * idle timeout and ballast's own shutdown are the other ways.
 */
public enum TunnelEnd {
  /** The client closed its side first. */
  CLIENT_CLOSED("client_closed", null),
  /** The backend closed its side first (a WebSocket server does, after the close handshake). */
  BACKEND_CLOSED("backend_closed", null),
  /** The client's connection broke (reset, write error) before either side closed. */
  CLIENT_RESET("client_reset", "tunnel: client connection reset"),
  /** The backend's connection broke (reset, write error) before either side closed. */
  BACKEND_RESET("backend_reset", "tunnel: backend connection reset"),
  /** Neither side sent a byte for the tunnel idle timeout. */
  IDLE_TIMEOUT("idle_timeout", "tunnel idle timeout"),
  /**
   * The client broke a limit of the tunnelled protocol (a WebSocket frame larger than the
   * limit): the client got the protocol's refusal (a close frame 1009), the backend a close.
   */
  CLIENT_OVER_LIMIT("client_over_limit", "tunnel: websocket frame over the limit"),
  /** Ballast closed it at shutdown (the client got the protocol's farewell when it could). */
  SHUTDOWN("shutdown", "tunnel closed at shutdown");

  private final String label;
  private final String problem;

  TunnelEnd(String label, String problem) {
    this.label = label;
    this.problem = problem;
  }

  /** A metric label value, such as {@code backend_closed}. */
  public String label() {
    return label;
  }

  /** What went wrong, for the access log's error field; null for an orderly close. */
  public String problem() {
    return problem;
  }
}
