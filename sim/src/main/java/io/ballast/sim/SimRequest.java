package io.ballast.sim;

import io.ballast.core.attempt.Attempts;
import io.ballast.core.shed.Priority;

/**
 * One client request in flight in a simulated pool: its run of core's attempt protocol
 * ({@link Attempts}), when it arrived, the attempt in progress and the client's timeout. Reused,
 * attempts and all, once it ends.
 *
 * <p>Single-threaded: a plain holder, read and written only by its {@link RequestDriver} on the
 * simulation thread.
 */
final class SimRequest {
  final Attempts attempts;
  /** Virtual time it arrived at, in nanoseconds. */
  long start;
  /** Virtual time the pool's load shedding admitted it (after a wait in line, if any). */
  long admittedAt;
  /** The attempt in progress, or null between attempts. */
  RequestDriver.Attempt attempt;
  /** The client's timeout, or null without one. */
  SimEvent timeout;
  /** Its class, for load shedding. */
  Priority priority = Priority.DEFAULT;
  /** Admitted by the pool's load shedding: released when it ends. */
  boolean admitted;
  /** Its place in the driver's list of live requests. */
  int liveIndex;

  SimRequest(Attempts attempts) {
    this.attempts = attempts;
  }
}
