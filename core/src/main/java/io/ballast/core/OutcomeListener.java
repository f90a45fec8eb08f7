package io.ballast.core;

/**
 * Told how each attempt on a backend went, as passive health sees it: the backend's outlier
 * tracker when its pool runs outlier detection ({@code io.ballast.core.outlier}), else
 * {@link #NONE}. A contract, so that whoever drives attempts needs no detector type.
 *
 * <p>Thread-safe and non-blocking: called by every event loop; implementations only count, and
 * post to the control loop when a count crosses a threshold.
 */
public interface OutcomeListener {
  /** Listens to nothing. */
  OutcomeListener NONE = new OutcomeListener() {
    @Override
    public void response(int status) {}

    @Override
    public void localOriginFailure() {}

    @Override
    public void localOriginSuccess() {}

    @Override
    public String toString() {
      return "no outcome listener";
    }
  };

  /** The backend answered with this HTTP status (a gRPC answer maps to one too). */
  void response(int status);

  /** No answer came because of the connection: refused, reset, timed out. */
  void localOriginFailure();

  /** The connection to the backend was established. */
  void localOriginSuccess();
}
