package io.ballast.sim;

import io.ballast.core.Backend;

/**
 * One attempt of a {@link SimRequest} at one backend. The backend's {@link SimBackend} model
 * serves, queues or rejects it and sets its answer ({@link #status}, {@link #error}); the attempt
 * fires when the backend is done with it and hands itself back to its {@link RequestDriver}.
 *
 * <p>Single-threaded: an event of the pool's {@link VirtualScheduler}; its fields are read and
 * written by the driver and the model on the simulation thread.
 */
final class SimAttempt extends SimEvent {
  final RequestDriver driver;
  final SimRequest request;
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
  /** The pool is done with it (timeout, reset, client gone); the backend may still work on it. */
  boolean abandoned;
  /** The per-try timeout, or null without one. */
  SimEvent timer;

  SimAttempt(RequestDriver driver, SimRequest request, Backend backend, SimBackend model,
      long startNanos) {
    this.driver = driver;
    this.request = request;
    this.backend = backend;
    this.model = model;
    this.startNanos = startNanos;
  }

  @Override
  protected void fire() {
    driver.answered(this);
  }
}
