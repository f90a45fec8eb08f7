package io.ballast.core;

/**
 * What the data plane asks before each attempt on a backend, and tells once the attempt is over:
 * the backend's circuit breaker when its pool runs one ({@code io.ballast.core.circuit}), else
 * {@link #OPEN}. A contract, so that whoever drives attempts needs no breaker type.
 *
 * <p>Every {@code tryAcquire} that returns true is followed by exactly one {@link #onResult} (the
 * attempt reached the backend and ended) or {@link #release} (it never did, or was abandoned
 * without an outcome).
 *
 * <p>Thread-safe and non-blocking: called by every event loop.
 */
public interface AttemptGate {
  /** Lets every attempt through and remembers nothing. */
  AttemptGate OPEN = new AttemptGate() {
    @Override
    public boolean tryAcquire(boolean ignoreState) {
      return true;
    }

    @Override
    public void onResult(long nanos, boolean failure) {}

    @Override
    public void release() {}

    @Override
    public String refusal() {
      return "never refused";
    }

    @Override
    public String toString() {
      return "open gate";
    }
  };

  /**
   * May an attempt go to the backend now? With {@code ignoreState} (the pool is in panic mode and
   * balances over every backend), only a limit on attempts in flight may refuse.
   */
  boolean tryAcquire(boolean ignoreState);

  /** The granted attempt ended after {@code nanos}; {@code failure} when it failed the backend. */
  void onResult(long nanos, boolean failure);

  /** The granted attempt ends without an outcome: its permit goes back. */
  void release();

  /** Why the gate refuses now, for logs ("circuit open", "concurrency limit reached"). */
  String refusal();
}
