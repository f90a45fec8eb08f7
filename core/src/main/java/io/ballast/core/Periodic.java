package io.ballast.core;

import java.time.Duration;
import java.util.Objects;

/**
 * A task that runs every interval on a control loop, from a start until a stop: the lifecycle
 * the pool's periodic deciders (the weight optimizer, the load shedder) share. The first tick
 * comes one interval after the start; each tick schedules the next when it ends, so a slow tick
 * delays the next rather than piling ticks up; a stop cancels the pending one and no tick runs
 * after it.
 *
 * <p>Threading: {@link #start} and {@link #stop} are thread-safe and take effect on the loop;
 * {@code onStart} and {@code tick} run on the loop only; {@link #running()} is for the loop.
 */
public final class Periodic {
  private final Duration interval;
  private final Runnable onStart;
  private final Runnable tick;
  private volatile Scheduler scheduler;
  private volatile boolean stopped;
  // Control loop only.
  private Scheduler.Cancellable timer;
  private boolean running;

  /**
   * @param interval between the end of a tick and the next
   * @param onStart runs on the loop at the start, before the first interval
   * @param tick runs on the loop every interval
   */
  public Periodic(Duration interval, Runnable onStart, Runnable tick) {
    this.interval = Objects.requireNonNull(interval, "interval");
    this.onStart = Objects.requireNonNull(onStart, "onStart");
    this.tick = Objects.requireNonNull(tick, "tick");
  }

  /**
   * Starts on {@code scheduler}'s loop. Once: a second start, or a start after stop, does
   * nothing.
   */
  public synchronized void start(Scheduler scheduler) {
    Objects.requireNonNull(scheduler, "scheduler");
    if (this.scheduler != null) {
      return;
    }
    this.scheduler = scheduler;
    scheduler.execute(() -> {
      if (running || stopped) {
        return;
      }
      running = true;
      onStart.run();
      timer = scheduler.schedule(interval, this::run);
    });
  }

  /** Stops for good. Thread-safe. */
  public void stop() {
    stopped = true;
    Scheduler s = scheduler;
    if (s == null) {
      return;
    }
    s.execute(() -> {
      running = false;
      if (timer != null) {
        timer.cancel();
        timer = null;
      }
    });
  }

  /** The scheduler it was started on, or null before the start. */
  public Scheduler scheduler() {
    return scheduler;
  }

  /** True between the start and the stop, as the loop sees it. Control loop only. */
  public boolean running() {
    return running;
  }

  private void run() {
    if (!running) {
      return;
    }
    try {
      tick.run();
    } finally {
      if (running) {
        timer = scheduler.schedule(interval, this::run);
      }
    }
  }
}
