package io.ballast.proxy.probe;

import io.netty.channel.Channel;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * How one health probe attempt ends, whatever ends it (its verdict, its timeout, its task
 * stopping): exactly once, with its timer cancelled and its connection closed, and its verdict
 * reported through its {@link ProbeTask} unless it was abandoned. Shared by the probe kinds so
 * that none can leak a connection or report twice.
 *
 * <p>Event-loop only: the task's loop.
 */
final class AttemptEnd {
  private final ProbeTask task;
  private final ProbeTask.Attempt attempt;
  private final Duration timeout;
  private final ProbeTask.Verdict verdict;
  private ScheduledFuture<?> timer;
  private Channel channel;
  private boolean over;

  AttemptEnd(ProbeTask task, ProbeTask.Attempt attempt, Duration timeout,
      ProbeTask.Verdict verdict) {
    this.task = task;
    this.attempt = attempt;
    this.timeout = timeout;
    this.verdict = verdict;
  }

  /** Starts the clock: at the timeout the attempt fails with "timeout after N ms". */
  void arm() {
    timer = task.loop().schedule(() -> end(false, "timeout after " + timeout.toMillis() + " ms"),
        timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** The attempt's connection, closed at its end. */
  void channel(Channel channel) {
    this.channel = channel;
  }

  /** Ends the attempt with a verdict, unless it ended already. */
  void end(boolean passed, String detail) {
    if (over) {
      return;
    }
    stop();
    task.finished(attempt, () -> verdict.report(passed, detail));
  }

  /** Ends the attempt without a verdict (its task stopped). */
  void abandon() {
    stop();
  }

  private void stop() {
    over = true;
    if (timer != null) {
      timer.cancel(false);
    }
    if (channel != null) {
      channel.close();
    }
  }
}
