package io.ballast.proxy.tunnel;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A tunnel's idle timeout: fires when nothing was read from either side for the whole timeout.
 *
 * <p>Activity only records the time ({@link #touch()}, once per read batch); one task is queued
 * at a time and, when it finds recent activity, queues itself again for the time left, so that a
 * busy tunnel does not schedule and cancel a task per read. A tunnel that lives an hour costs a
 * handful of wake-ups.
 *
 * <p>Event-loop only: every method runs on {@code loop}.
 */
final class IdleTimer {
  private final EventLoop loop;
  private final long timeoutNanos;
  private final Runnable onIdle;
  private final Runnable check = this::check;
  private long lastNanos;
  private ScheduledFuture<?> task;
  private boolean stopped;

  IdleTimer(EventLoop loop, long timeoutNanos, Runnable onIdle) {
    if (timeoutNanos <= 0) {
      throw new IllegalArgumentException("timeoutNanos: " + timeoutNanos + " (expected: > 0)");
    }
    this.loop = loop;
    this.timeoutNanos = timeoutNanos;
    this.onIdle = onIdle;
  }

  void start() {
    lastNanos = System.nanoTime();
    task = loop.schedule(check, timeoutNanos, TimeUnit.NANOSECONDS);
  }

  /** Something was read now. */
  void touch() {
    lastNanos = System.nanoTime();
  }

  void stop() {
    stopped = true;
    ScheduledFuture<?> t = task;
    task = null;
    if (t != null) {
      t.cancel(false);
    }
  }

  private void check() {
    task = null;
    if (stopped) {
      return;
    }
    long idle = System.nanoTime() - lastNanos;
    if (idle >= timeoutNanos) {
      stopped = true;
      onIdle.run();
      return;
    }
    task = loop.schedule(check, timeoutNanos - idle, TimeUnit.NANOSECONDS);
  }
}
