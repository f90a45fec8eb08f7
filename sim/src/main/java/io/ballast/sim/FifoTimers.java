package io.ballast.sim;

import java.util.ArrayDeque;

/**
 * Timers that fall due in the order they were set (all with the same delay, such as client
 * timeouts), kept in a FIFO instead of the scheduler's heap: one heap entry (the sweep) stands
 * for all of them, so tens of thousands of pending timeouts cost O(1) each instead of
 * O(log n) heap work. A cancelled timer stays in the FIFO and is dropped when it reaches the head.
 *
 * <p>Single-threaded, like its {@link VirtualScheduler}.
 */
final class FifoTimers {
  private final ArrayDeque<SimEvent> due = new ArrayDeque<>();
  private final VirtualScheduler scheduler;
  private final Sweep sweep = new Sweep();
  private boolean armed;

  FifoTimers(VirtualScheduler scheduler) {
    this.scheduler = scheduler;
  }

  /** Fires {@code event} at {@code atNanos}, which must not precede any timer already added. */
  void add(SimEvent event, long atNanos) {
    SimEvent last = due.peekLast();
    if (last != null && last.at > atNanos) {
      throw new IllegalArgumentException(
          "atNanos: " + atNanos + " (expected: >= the last timer's " + last.at + ")");
    }
    event.at = atNanos;
    event.cancelled = false;
    due.add(event);
    if (!armed) {
      arm();
    }
  }

  private void arm() {
    SimEvent head;
    while ((head = due.peek()) != null && head.cancelled) {
      due.poll();
    }
    armed = head != null;
    if (armed) {
      scheduler.at(head.at, sweep);
    }
  }

  private final class Sweep extends SimEvent {
    @Override
    protected void fire() {
      long now = scheduler.nanos();
      SimEvent head;
      while ((head = due.peek()) != null && head.at <= now) {
        due.poll();
        if (!head.cancelled) {
          head.fire();
        }
      }
      arm();
    }
  }
}
