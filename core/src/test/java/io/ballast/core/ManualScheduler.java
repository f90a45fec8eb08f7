package io.ballast.core;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Queue;

/** A scheduler for tests: tasks run when the test calls {@link #runAll()} or advances time. */
public final class ManualScheduler implements Scheduler {
  private final Queue<Runnable> ready = new ArrayDeque<>();
  private final List<Timed> timed = new ArrayList<>();
  private long now;

  private record Timed(long due, long seq, Runnable task) {}

  private long seq;

  @Override
  public void execute(Runnable task) {
    ready.add(task);
  }

  @Override
  public Cancellable schedule(Duration delay, Runnable task) {
    Timed t = new Timed(now + delay.toNanos(), seq++, task);
    timed.add(t);
    return () -> timed.remove(t);
  }

  @Override
  public Ticker ticker() {
    return () -> now;
  }

  /** Runs every ready task, including tasks they submit. */
  public void runAll() {
    Runnable r;
    while ((r = ready.poll()) != null) {
      r.run();
    }
  }

  /** Moves the clock forward, running each timer that falls due, in order. */
  public void advance(Duration d) {
    long end = now + d.toNanos();
    runAll();
    while (true) {
      Timed next = timed.stream()
          .filter(t -> t.due() <= end)
          .min(Comparator.comparingLong(Timed::due).thenComparingLong(Timed::seq))
          .orElse(null);
      if (next == null) {
        break;
      }
      timed.remove(next);
      now = next.due();
      next.task().run();
      runAll();
    }
    now = end;
  }
}
