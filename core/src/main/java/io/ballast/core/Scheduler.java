package io.ballast.core;

import java.time.Duration;

/**
 * Runs control-plane tasks one at a time, now or later. Every decision in core that depends on
 * time runs on a scheduler, so tests and the simulator can drive it with a manual clock.
 *
 * <p>Implementations run all tasks serially on one logical thread (the control loop); the
 * methods themselves are thread-safe.
 */
public interface Scheduler {
  /** Runs the task on the control loop as soon as possible. */
  void execute(Runnable task);

  /** Runs the task once after the delay; the returned handle cancels it. */
  Cancellable schedule(Duration delay, Runnable task);

  /** The clock the scheduler's delays are measured on. */
  Ticker ticker();

  /** A scheduled task that can be cancelled. */
  @FunctionalInterface
  interface Cancellable {
    void cancel();
  }
}
