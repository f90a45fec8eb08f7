package io.ballast.core;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The real control loop: one daemon thread that runs every control-plane task serially, so the
 * decision code it runs needs no locks.
 *
 * <p>Thread-safe: any thread may submit tasks. A task that throws is reported to the error
 * handler and does not stop the loop.
 */
public final class ControlLoop implements Scheduler, AutoCloseable {
  private final ScheduledExecutorService executor;
  private final Consumer<Throwable> onError;
  private volatile Thread thread;

  public ControlLoop(String name, Consumer<Throwable> onError) {
    this.onError = onError;
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      thread = t;
      return t;
    });
  }

  @Override
  public void execute(Runnable task) {
    executor.execute(guard(task));
  }

  @Override
  public Cancellable schedule(Duration delay, Runnable task) {
    ScheduledFuture<?> future =
        executor.schedule(guard(task), Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
    return () -> future.cancel(false);
  }

  @Override
  public Ticker ticker() {
    return Ticker.SYSTEM;
  }

  /** True when the caller runs on this loop's thread. */
  public boolean inLoop() {
    return Thread.currentThread() == thread;
  }

  private Runnable guard(Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (Throwable t) {
        onError.accept(t);
      }
    };
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
