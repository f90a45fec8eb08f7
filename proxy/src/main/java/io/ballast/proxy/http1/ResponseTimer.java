package io.ballast.proxy.http1;

import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A connection's response deadline, armed for each request and disarmed when the response starts,
 * without scheduling and cancelling a task per request.
 *
 * <p>Why: {@code eventLoop().schedule()} allocates a task and inserts it into the loop's priority
 * queue, and {@code cancel()} removes it again; a profiler showed the queue's sift-up among the
 * event loop's top CPU frames and the task among its top allocations, once per request. Here at
 * most one task per connection is queued. Arming only moves the deadline; a task that fires before
 * the deadline schedules itself again for the time left, and one that finds the timer disarmed
 * does nothing. (Netty's {@code IdleStateHandler} keeps its timeouts the same way.) With a fixed
 * timeout the deadline only ever moves later, so a queued task is never late.
 *
 * <p>The timer of an HTTP/2 stream's exchange queues no task of its own: it joins its
 * connection's {@link Deadlines} while armed, which keeps one task for all the streams.
 *
 * <p>Event-loop only: every method runs on the channel's event loop. The queued task is cancelled
 * when the channel closes, so closed connections leave nothing in the queue.
 */
final class ResponseTimer {
  private final ClientSide side;
  private final Runnable onTimeout;
  private final Runnable check = this::check;
  /** The stream's connection's deadlines; null on an HTTP/1.1 connection (this queues its own). */
  private final Deadlines shared;
  /** When the timer fires, in {@link System#nanoTime()} terms; meaningful while armed. */
  long deadline;
  private boolean armed;
  private ScheduledFuture<?> task;
  /** When the queued task runs; meaningful while {@code task} is not null. */
  private long taskTime;
  /** In the shared list ({@link Deadlines} keeps these). */
  ResponseTimer prev;
  ResponseTimer next;
  boolean listed;

  /** {@code shared}: the connection's deadlines when {@code channel} is an HTTP/2 stream's. */
  ResponseTimer(ClientSide side, Deadlines shared, Runnable onTimeout) {
    this.side = side;
    this.onTimeout = onTimeout;
    this.shared = shared;
    if (shared == null) {
      side.connection().closeFuture().addListener(f -> cancelTask());
    }
  }

  /** Fires {@code onTimeout} after {@code nanos} unless {@link #disarm()} comes first. */
  void arm(long nanos) {
    long now = System.nanoTime();
    if (shared != null) {
      shared.remove(this);
      deadline = now + nanos;
      armed = true;
      shared.add(this);
      return;
    }
    deadline = now + nanos;
    armed = true;
    if (task != null && taskTime - deadline > 0) {
      // Only with a deadline earlier than the queued task's time: requeue.
      cancelTask();
    }
    if (task == null && side.connection().isOpen()) {
      schedule(nanos, now);
    }
  }

  /** Stops the timer; a queued task stays and finds it disarmed. */
  void disarm() {
    armed = false;
    if (shared != null) {
      shared.remove(this);
    }
  }

  /** The shared deadlines found this timer's passed. */
  void expired() {
    armed = false;
    onTimeout.run();
  }

  boolean armed() {
    return armed;
  }

  private void schedule(long nanos, long now) {
    taskTime = now + nanos;
    task = side.eventLoop().schedule(check, nanos, TimeUnit.NANOSECONDS);
  }

  private void check() {
    task = null;
    if (!armed) {
      return;
    }
    long now = System.nanoTime();
    long left = deadline - now;
    if (left > 0) {
      if (side.connection().isOpen()) {
        schedule(left, now);
      }
      return;
    }
    armed = false;
    onTimeout.run();
  }

  private void cancelTask() {
    ScheduledFuture<?> t = task;
    if (t != null) {
      task = null;
      t.cancel(false);
    }
  }
}
