package io.ballast.sim;

/**
 * Something that happens at one instant of virtual time. Subclasses are the simulator's own
 * events (an arrival, a backend finishing a request, a timeout); control-plane tasks of core are
 * wrapped in one.
 *
 * <p>Single-threaded: owned by one {@link VirtualScheduler}. An event is scheduled at most once
 * at a time; a cancelled event stays in the queue and is skipped when its time comes (cheaper
 * than removing it from the heap).
 */
public abstract class SimEvent {
  long at;
  long seq;
  boolean cancelled;

  /** Runs the event; the scheduler's clock reads its time. */
  protected abstract void fire();

  /** Keeps the event from firing, if it has not yet. */
  public final void cancel() {
    cancelled = true;
  }

  /** The virtual time the event is (or was last) scheduled at, in nanoseconds. */
  public final long at() {
    return at;
  }
}
