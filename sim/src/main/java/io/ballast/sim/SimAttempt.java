package io.ballast.sim;

import io.ballast.core.Backend;

/**
 * One request's attempt at one backend, as the backend's {@link SimBackend} model sees it: the
 * model serves, queues or rejects it and sets its answer ({@link #status}, {@link #error}); the
 * attempt fires when the backend is done with it and hands itself back to whoever sent it (the
 * core pool's {@link RequestDriver}, or the {@link OracleDispatcher}).
 *
 * <p>Single-threaded: an event of the pool's {@link VirtualScheduler}; its fields are read and
 * written by its sender and the model on the simulation thread.
 */
abstract class SimAttempt extends SimEvent {
  final Backend backend;
  final SimBackend model;
  /** Virtual time the attempt was sent, in nanoseconds. */
  final long startNanos;
  /** The backend's answer, set when it starts serving (or rejects); 0 without one. */
  int status;
  /** How the backend fails this attempt, or null when it serves it. */
  ErrorKind error;
  /** Rejected at once because the backend's queue was full (never held a worker). */
  boolean overflow;
  /** The sender is done with it (timeout, reset, client gone); the backend may still work on it. */
  boolean abandoned;

  SimAttempt(Backend backend, SimBackend model, long startNanos) {
    this.backend = backend;
    this.model = model;
    this.startNanos = startNanos;
  }
}
