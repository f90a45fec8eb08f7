package io.ballast.proxy.probe;

import io.ballast.core.Backend;
import io.ballast.proxy.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * The probes of one backend by one prober (a level of health checks, an agent check, a scrape):
 * a connection bootstrap to the backend whose connect timeout is the probe's timeout, the
 * {@link ProbeSchedule} of its probes, and the probe in progress, at most one. When the schedule
 * fires, a new {@link Attempt} begins unless the prober is closed; the attempt reports its end to
 * {@link #finished(Attempt, Runnable)}, which ignores an attempt abandoned since and otherwise,
 * unless the prober is closed, reports the result and schedules the next probe.
 *
 * <p>Everything runs on one event loop of the prober's group ({@link #loop()}), the attempts' I/O
 * and timers included, so nothing is locked; only {@link #start(boolean)} and {@link #stop()} may
 * be called from any thread, and they hand their work to that loop.
 */
public final class ProbeTask {
  /** One probe of the backend; event-loop only. */
  public interface Attempt {
    /** Starts the probe; it ends with {@link ProbeTask#finished(Attempt, Runnable)}. */
    void begin();

    /** Ends the probe at once, without a report (the task stopped). */
    void abandon();
  }

  /** Where a health probe's verdict goes. */
  public interface Verdict {
    /** The probe passed or not, and why; called once, on the task's loop. */
    void report(boolean passed, String detail);
  }

  private final Backend backend;
  private final EventLoop loop;
  private final Bootstrap bootstrap;
  private final ProbeSchedule schedule;
  private final BooleanSupplier closed;
  private final Function<ProbeTask, Attempt> newAttempt;
  private Attempt current;

  /**
   * @param port the port probed on the backend's host (its own, an agent's, an exporter's)
   * @param closed true once the prober is closed: no probe begins, no result is reported
   * @param newAttempt the next probe of this task
   */
  public ProbeTask(Backend backend, int port, EventLoopGroup group, Duration interval,
      Duration timeout, BooleanSupplier closed, Function<ProbeTask, Attempt> newAttempt) {
    this.backend = Objects.requireNonNull(backend, "backend");
    this.loop = group.next();
    this.closed = Objects.requireNonNull(closed, "closed");
    this.newAttempt = Objects.requireNonNull(newAttempt, "newAttempt");
    this.schedule = new ProbeSchedule(loop, this::probe, interval);
    this.bootstrap = new Bootstrap()
        .group(loop)
        .channel(Transport.socketChannel(group))
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
            (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis())))
        .remoteAddress(new InetSocketAddress(backend.host(), port));
  }

  public Backend backend() {
    return backend;
  }

  /** The event loop of the task and its attempts. */
  public EventLoop loop() {
    return loop;
  }

  /** A new connection to the probed port, on {@link #loop()}, with {@code handler}. */
  public ChannelFuture connect(ChannelHandler handler) {
    return bootstrap.clone().handler(handler).connect();
  }

  /** From any thread: the first probe now for a backend that {@code joined}, else soon. */
  public void start(boolean joined) {
    schedule.start(joined);
  }

  /** From any thread: no further probe; one in progress is abandoned without a report. */
  public void stop() {
    schedule.stopWith(() -> {
      schedule.cancel();
      if (current != null) {
        current.abandon();
      }
    });
  }

  private void probe() {
    if (closed.getAsBoolean()) {
      return;
    }
    current = newAttempt.apply(this);
    current.begin();
  }

  /** Why a probe's connect failed, in a check's words: "connect refused", "timeout after N ms". */
  public static String connectFailure(Throwable cause, Duration timeout) {
    return cause instanceof ConnectException ? "connect refused"
        : cause instanceof ConnectTimeoutException ? "timeout after " + timeout.toMillis() + " ms"
            : "connect failed: " + cause;
  }

  /** {@link #finished(Attempt, Runnable)} for an attempt that reported its result itself. */
  public void finished(Attempt attempt) {
    finished(attempt, () -> { });
  }

  /**
   * The attempt ended: nothing if it is not the one in progress (abandoned); else, unless the
   * prober is closed, {@code report} runs and the next probe is scheduled.
   */
  public void finished(Attempt attempt, Runnable report) {
    if (current != attempt) {
      return;
    }
    current = null;
    if (closed.getAsBoolean()) {
      return;
    }
    report.run();
    schedule.scheduleNext();
  }
}
