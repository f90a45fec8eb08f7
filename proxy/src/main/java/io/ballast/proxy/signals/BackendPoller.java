package io.ballast.proxy.signals;

import io.ballast.core.Backend;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.proxy.probe.MemberTasks;
import io.ballast.proxy.probe.ProbeTask;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.ConnectException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Asks every backend of a pool something over a fresh TCP connection on a jittered interval, on
 * the proxy's event loops, as the health checker does: one {@link ProbeTask} per backend bound
 * to one event loop, one {@link Attempt} at a time, a timeout over the whole attempt. Subclasses
 * say what to send and how to read the answer, and what a success or a failure means.
 *
 * <p>Thread-safe lifecycle ({@link #start()}, {@link #close()}); everything else runs on the
 * event loop of the backend's task.
 */
public abstract class BackendPoller implements AutoCloseable {
  public final LoadBalancer pool;
  private final int port;
  private final Duration timeout;
  private final MemberTasks<ProbeTask> targets;
  private volatile boolean closed;

  public BackendPoller(LoadBalancer pool, EventLoopGroup group, int port, Duration interval,
      Duration timeout) {
    this.pool = Objects.requireNonNull(pool, "pool");
    Objects.requireNonNull(group, "group");
    this.port = port;
    this.timeout = timeout;
    this.targets = new MemberTasks<>(pool, new MemberTasks.Factory<>() {
      @Override
      public ProbeTask start(Backend b, boolean joined) {
        ProbeTask t = new ProbeTask(b, port, group, interval, timeout, () -> closed, Attempt::new);
        t.start(joined);
        return t;
      }

      @Override
      public void stop(ProbeTask t) {
        left(t.backend());
        t.stop();
      }
    });
  }

  /** Adds the attempt's handlers to a new connection's pipeline. */
  abstract void initChannel(Channel channel, Attempt attempt);

  /** The connection is up: send the question, if any. */
  abstract void connected(Attempt attempt, Channel channel);

  /** The backend left the pool: nothing more is asked of it. */
  void left(Backend backend) {}

  /** The attempt failed (unreachable, timed out, garbage). */
  abstract void failed(Backend backend, String reason);

  /**
   * Starts polling, and follows the pool's membership: the first poll of each backend comes at a
   * random point of one interval; a backend that joins later is polled at once.
   */
  public void start() {
    targets.start();
  }

  /** Stops polling; an attempt in progress is abandoned without a report. */
  @Override
  public void close() {
    closed = true;
    targets.close();
  }

  /** One connection and its answer; event-loop only. */
  public final class Attempt implements ProbeTask.Attempt {
    private final ProbeTask task;
    private Channel channel;
    private ScheduledFuture<?> timer;
    private boolean over;

    Attempt(ProbeTask task) {
      this.task = task;
    }

    public Backend backend() {
      return task.backend();
    }

    @Override
    public void begin() {
      long ms = timeout.toMillis();
      timer = task.loop().schedule(() -> fail("no answer within " + ms + " ms"),
          timeout.toNanos(), TimeUnit.NANOSECONDS);
      ChannelFuture f = task.connect(new ChannelInitializer<Channel>() {
        @Override
        protected void initChannel(Channel ch) {
          BackendPoller.this.initChannel(ch, Attempt.this);
        }
      });
      channel = f.channel();
      f.addListener((ChannelFuture cf) -> {
        if (over) {
          return;
        }
        if (!cf.isSuccess()) {
          Throwable c = cf.cause();
          fail(c instanceof ConnectException ? "connect refused on port " + port
              : c instanceof ConnectTimeoutException ? "connect timed out after " + ms + " ms"
                  : "connect failed: " + c);
          return;
        }
        connected(this, cf.channel());
      });
    }

    /** True once the attempt has ended (answer, failure or abandon): ignore what comes after. */
    public boolean over() {
      return over;
    }

    /** The answer was read and handled: close and schedule the next poll. */
    public void succeed() {
      if (end()) {
        task.finished(this);
      }
    }

    /** The attempt failed: report it, close, schedule the next poll. */
    public void fail(String reason) {
      if (end()) {
        if (!closed) {
          failed(task.backend(), reason);
        }
        task.finished(this);
      }
    }

    @Override
    public void abandon() {
      end();
    }

    private boolean end() {
      if (over) {
        return false;
      }
      over = true;
      timer.cancel(false);
      channel.close();
      return true;
    }
  }
}
