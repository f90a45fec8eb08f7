package io.ballast.sim;

import io.ballast.core.Scheduler;
import io.ballast.core.Ticker;
import java.time.Duration;
import java.util.Objects;

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
  /**
   * A binary min-heap by (time, sequence), written out rather than a {@code PriorityQueue} with a
   * comparator: the comparison is inlined, and the heap is the simulator's hottest code.
   */
  private SimEvent[] heap = new SimEvent[1024];
  private int size;
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
    return size;
  }

  /** Schedules {@code event} at absolute virtual time {@code atNanos} (never in the past). */
  public void at(long atNanos, SimEvent event) {
    event.at = Math.max(atNanos, now);
    event.seq = seq++;
    event.cancelled = false;
    if (size == heap.length) {
      heap = java.util.Arrays.copyOf(heap, size * 2);
    }
    // Sift up.
    int i = size++;
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      SimEvent p = heap[parent];
      if (!before(event, p)) {
        break;
      }
      heap[i] = p;
      i = parent;
    }
    heap[i] = event;
  }

  private static boolean before(SimEvent a, SimEvent b) {
    return a.at < b.at || (a.at == b.at && a.seq < b.seq);
  }

  private SimEvent poll() {
    SimEvent top = heap[0];
    SimEvent last = heap[--size];
    heap[size] = null;
    if (size > 0) {
      // Sift down.
      int i = 0;
      int half = size >>> 1;
      while (i < half) {
        int child = 2 * i + 1;
        SimEvent c = heap[child];
        int right = child + 1;
        if (right < size && before(heap[right], c)) {
          child = right;
          c = heap[right];
        }
        if (!before(c, last)) {
          break;
        }
        heap[i] = c;
        i = child;
      }
      heap[i] = last;
    }
    return top;
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
      SimEvent e = size == 0 ? null : heap[0];
      if (e == null || e.at > endNanos) {
        now = Math.max(now, endNanos);
        return;
      }
      if (!keepGoing.getAsBoolean()) {
        return;
      }
      poll();
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
    return "virtual time " + now / 1e9 + " s, " + size + " events pending";
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
