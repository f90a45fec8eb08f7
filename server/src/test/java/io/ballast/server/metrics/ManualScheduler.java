package io.ballast.server.metrics;

import io.ballast.core.Scheduler;
import io.ballast.core.Ticker;
import java.time.Duration;
import java.util.PriorityQueue;

/** A scheduler on a manual clock: tasks run only inside {@link #advance}, on the caller's thread. */
public final class ManualScheduler implements Scheduler {
  private record Task(long due, long seq, Runnable run, boolean[] cancelled) {}

  private final PriorityQueue<Task> tasks = new PriorityQueue<>(
      (a, b) -> a.due != b.due ? Long.compare(a.due, b.due) : Long.compare(a.seq, b.seq));
  private long now;
  private long seq;

  @Override
  public synchronized void execute(Runnable task) {
    schedule(Duration.ZERO, task);
  }

  @Override
  public synchronized Cancellable schedule(Duration delay, Runnable task) {
    boolean[] cancelled = {false};
    tasks.add(new Task(now + delay.toNanos(), seq++, task, cancelled));
    return () -> cancelled[0] = true;
  }

  @Override
  public Ticker ticker() {
    return () -> now;
  }

  /** Moves the clock forward, running every task that falls due, in order. */
  public synchronized void advance(Duration d) {
    long end = now + d.toNanos();
    while (!tasks.isEmpty() && tasks.peek().due <= end) {
      Task t = tasks.poll();
      now = t.due;
      if (!t.cancelled[0]) {
        t.run.run();
      }
    }
    now = end;
  }

  /** Tasks waiting, cancelled ones included. */
  public synchronized int pending() {
    return (int) tasks.stream().filter(t -> !t.cancelled[0]).count();
  }
}
