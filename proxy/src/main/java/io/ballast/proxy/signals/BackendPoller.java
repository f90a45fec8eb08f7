package io.ballast.proxy.signals;

import io.ballast.core.Backend;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.proxy.Transport;
import io.ballast.proxy.probe.MemberTasks;
import io.ballast.proxy.probe.ProbeSchedule;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Asks every backend of a pool something over a fresh TCP connection on a jittered interval, on
 * the proxy's event loops, as the health checker does: one {@link Target} per backend bound to
 * one event loop, one {@link Attempt} at a time, a timeout over the whole attempt. Subclasses say
 * what to send and how to read the answer, and what a success or a failure means.
 *
 * <p>Thread-safe lifecycle ({@link #start()}, {@link #close()}); everything else runs on the
 * target's event loop.
 */
public abstract class BackendPoller implements AutoCloseable {
  public final LoadBalancer pool;
  private final EventLoopGroup group;
  private final int port;
  private final Duration interval;
  private final Duration timeout;
  private final MemberTasks<Target> targets;
  private volatile boolean closed;

  public BackendPoller(LoadBalancer pool, EventLoopGroup group, int port, Duration interval,
      Duration timeout) {
    this.pool = Objects.requireNonNull(pool, "pool");
    this.group = Objects.requireNonNull(group, "group");
    this.port = port;
    this.interval = interval;
    this.timeout = timeout;
    this.targets = new MemberTasks<>(pool, new MemberTasks.Factory<>() {
      @Override
      public Target start(Backend b, boolean joined) {
        Target t = new Target(b, group.next());
        t.schedule.start(joined);
        return t;
      }

      @Override
      public void stop(Target t) {
        left(t.backend);
        t.schedule.stopWith(t::stop);
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

  /** The polls of one backend; event-loop only (its {@link #loop}). */
  final class Target implements Runnable {
    final Backend backend;
    final EventLoop loop;
    private final Bootstrap bootstrap;
    final ProbeSchedule schedule;
    private Attempt current;

    Target(Backend backend, EventLoop loop) {
      this.backend = backend;
      this.loop = loop;
      this.schedule = new ProbeSchedule(loop, this, interval);
      this.bootstrap = new Bootstrap()
          .group(loop)
          .channel(Transport.socketChannel(group))
          .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
              (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis())))
          .remoteAddress(new InetSocketAddress(backend.host(), port));
    }

    void stop() {
      schedule.cancel();
      if (current != null) {
        current.abandon();
      }
    }

    @Override
    public void run() {
      if (closed) {
        return;
      }
      current = new Attempt(this);
      current.begin();
    }

    void finished(Attempt a) {
      if (current != a) {
        return;
      }
      current = null;
      if (!closed) {
        schedule.scheduleNext();
      }
    }
  }

  /** One connection and its answer; event-loop only. */
  public final class Attempt {
    final Target target;
    private Channel channel;
    private ScheduledFuture<?> timer;
    private boolean over;

    Attempt(Target target) {
      this.target = target;
    }

    public Backend backend() {
      return target.backend;
    }

    void begin() {
      long ms = timeout.toMillis();
      timer = target.loop.schedule(() -> fail("no answer within " + ms + " ms"),
          timeout.toNanos(), TimeUnit.NANOSECONDS);
      ChannelFuture f = target.bootstrap.clone()
          .handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
              BackendPoller.this.initChannel(ch, Attempt.this);
            }
          })
          .connect();
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
        target.finished(this);
      }
    }

    /** The attempt failed: report it, close, schedule the next poll. */
    public void fail(String reason) {
      if (end()) {
        if (!closed) {
          failed(target.backend, reason);
        }
        target.finished(this);
      }
    }

    void abandon() {
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
