package io.ballast.proxy.probe;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * When the next probe of one backend runs (a health check, an agent check, a scrape): the first
 * at a random point of one interval, then one interval ±10% after each probe ends, so that
 * backends and levels are not probed in lockstep.
 *
 * <p>Event-loop only (its loop), except {@link #start()}.
 */
public final class ProbeSchedule {
  private final EventLoop loop;
  private final Runnable probe;
  private final long intervalNanos;
  private ScheduledFuture<?> next;

  public ProbeSchedule(EventLoop loop, Runnable probe, Duration interval) {
    this.loop = loop;
    this.probe = probe;
    this.intervalNanos = interval.toNanos();
  }

  /** From any thread: the first probe, at a random point of one interval from now. */
  public void start() {
    long first = (long) (ThreadLocalRandom.current().nextDouble() * intervalNanos);
    loop.execute(() -> schedule(first));
  }

  /** From any thread: the first probe now (a backend that just joined its pool). */
  public void startNow() {
    loop.execute(() -> schedule(0));
  }

  /** From any thread: {@link #startNow()} for a backend that {@code joined}, else {@link #start()}. */
  public void start(boolean joined) {
    if (joined) {
      startNow();
    } else {
      start();
    }
  }

  /**
   * From any thread: runs {@code stop} on the schedule's loop (cancel the schedule, abandon a
   * probe in progress); nothing when the loops are already shut down, and every probe with them.
   */
  public void stopWith(Runnable stop) {
    try {
      loop.execute(stop);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // Shut down already.
    }
  }

  /** The probe ended: the next one in one interval ±10%. */
  public void scheduleNext() {
    schedule((long) (intervalNanos * (0.9 + 0.2 * ThreadLocalRandom.current().nextDouble())));
  }

  /** No further probe (one already running is its owner's to abandon). */
  public void cancel() {
    if (next != null) {
      next.cancel(false);
    }
  }

  private void schedule(long delayNanos) {
    next = loop.schedule(probe, delayNanos, TimeUnit.NANOSECONDS);
  }
}
