package io.ballast.sim;

import io.ballast.core.Scheduler;
import io.ballast.core.Ticker;
import java.time.Duration;
import java.util.Objects;
import java.util.PriorityQueue;

/**
 * A virtual clock and the control loop that runs on it: events in a priority queue ordered by
 * time, then by the order they were scheduled in, so that a run is a pure function of its inputs.
 * Core's timers ({@link #schedule}) and posted tasks ({@link #execute}) are events like the
 * simulator's own; {@code execute} runs the task at the current instant, after what is already
 * due at that instant (as a real control loop runs posted tasks in order).
 *
 * <p>Single-threaded: the methods of {@link Scheduler} are thread-safe by contract, but the
 * simulator calls everything from the one thread that runs {@link #runUntil}; it is not for use
 * from several threads. Time starts at 0 and only moves forward.
 */
public final class VirtualScheduler implements Scheduler, Ticker {
  private final PriorityQueue<SimEvent> queue = new PriorityQueue<>(1024, (a, b) -> {
    int c = Long.compare(a.at, b.at);
    return c != 0 ? c : Long.compare(a.seq, b.seq);
  });
  private long now;
  private long seq;
  private long fired;

  /** Virtual nanoseconds since the start of the run. */
  @Override
  public long nanos() {
    return now;
  }

  @Override
  public Ticker ticker() {
    return this;
  }

  /** Events run so far (cancelled ones excluded). */
  public long eventsFired() {
    return fired;
  }

  /** Events waiting (cancelled ones included until their time comes). */
  public int pending() {
    return queue.size();
  }

  /** Schedules {@code event} at absolute virtual time {@code atNanos} (never in the past). */
  public void at(long atNanos, SimEvent event) {
    event.at = Math.max(atNanos, now);
    event.seq = seq++;
    event.cancelled = false;
    queue.add(event);
  }

  /** Schedules {@code event} {@code delayNanos} from now. */
  public void after(long delayNanos, SimEvent event) {
    at(now + Math.max(0, delayNanos), event);
  }

  @Override
  public void execute(Runnable task) {
    at(now, new TaskEvent(task));
  }

  @Override
  public Cancellable schedule(Duration delay, Runnable task) {
    TaskEvent e = new TaskEvent(task);
    after(delay.toNanos(), e);
    return e::cancel;
  }

  /**
   * Runs events in order while the next one is due at or before {@code endNanos} and
   * {@code keepGoing} says so (checked before each event); the clock ends at the last event run,
   * or at {@code endNanos} when the queue ran dry of events due by then.
   */
  public void runUntil(long endNanos, java.util.function.BooleanSupplier keepGoing) {
    Objects.requireNonNull(keepGoing, "keepGoing");
    for (;;) {
      SimEvent e = queue.peek();
      if (e == null || e.at > endNanos) {
        now = Math.max(now, endNanos);
        return;
      }
      if (!keepGoing.getAsBoolean()) {
        return;
      }
      queue.poll();
      if (e.cancelled) {
        continue;
      }
      now = e.at;
      fired++;
      e.fire();
    }
  }

  /** Runs every event due at or before {@code endNanos}. */
  public void runUntil(long endNanos) {
    runUntil(endNanos, () -> true);
  }

  @Override
  public String toString() {
    return "virtual time " + now / 1e9 + " s, " + queue.size() + " events pending";
  }

  /** A core task (timer or posted work) as an event. */
  private static final class TaskEvent extends SimEvent {
    private final Runnable task;

    TaskEvent(Runnable task) {
      this.task = Objects.requireNonNull(task, "task");
    }

    @Override
    protected void fire() {
      task.run();
    }
  }
}
