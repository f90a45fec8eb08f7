package io.ballast.proxy;

import io.ballast.core.Backend;
import io.ballast.core.LoadBalancer;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Active health checks of one pool: every backend is probed over a fresh connection on its own
 * jittered interval, with {@code GET path} (Connection: close) for an HTTP check or a bare
 * connect for a TCP check, and each result goes to {@link LoadBalancer#reportCheck}, where
 * rise/fall damping decides the backend's state.
 *
 * <p>Thread-safe lifecycle ({@link #start()}, {@link #close()}). Each backend's probe runs on one
 * event loop of the group and never blocks it.
 */
public final class HealthChecker implements AutoCloseable {
  private final LoadBalancer pool;
  private final HealthCheckSpec spec;
  private final EventLoopGroup group;
  private final List<Probe> probes = new ArrayList<>();
  private volatile boolean closed;
  private boolean started;

  public HealthChecker(LoadBalancer pool, HealthCheckSpec spec, EventLoopGroup group) {
    this.pool = Objects.requireNonNull(pool, "pool");
    this.spec = Objects.requireNonNull(spec, "spec");
    this.group = Objects.requireNonNull(group, "group");
  }

  /** Starts probing; the first probe of each backend comes at a random point of one interval. */
  public synchronized void start() {
    if (started || closed) {
      throw new IllegalStateException("health checker already started or closed");
    }
    started = true;
    for (Backend b : pool.backends()) {
      Probe p = new Probe(b, group.next());
      probes.add(p);
      long first = (long) (ThreadLocalRandom.current().nextDouble() * spec.interval().toNanos());
      p.loop.execute(() -> p.schedule(first));
    }
  }

  /** Stops probing; a probe in progress is abandoned without a report. */
  @Override
  public synchronized void close() {
    closed = true;
    for (Probe p : probes) {
      try {
        p.loop.execute(p::stop);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // The event loops are already shut down, and every probe with them.
      }
    }
  }

  /** The probes of one backend; event-loop only (its {@link #loop}). */
  private final class Probe implements Runnable {
    final Backend backend;
    final EventLoop loop;
    private final Bootstrap bootstrap;
    private ScheduledFuture<?> next;
    private Attempt current;

    Probe(Backend backend, EventLoop loop) {
      this.backend = backend;
      this.loop = loop;
      this.bootstrap = new Bootstrap()
          .group(loop)
          .channel(Transport.socketChannel(group))
          .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
              (int) Math.min(Integer.MAX_VALUE, Math.max(1, spec.timeout().toMillis())))
          .remoteAddress(new InetSocketAddress(backend.host(), backend.port()));
    }

    void schedule(long delayNanos) {
      if (!closed) {
        next = loop.schedule(this, delayNanos, TimeUnit.NANOSECONDS);
      }
    }

    /** Interval ±10%, so backends are not probed in lockstep. */
    void scheduleNext() {
      double jitter = 0.9 + 0.2 * ThreadLocalRandom.current().nextDouble();
      schedule((long) (spec.interval().toNanos() * jitter));
    }

    void stop() {
      if (next != null) {
        next.cancel(false);
      }
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

    void finished(Attempt a, boolean passed, String detail) {
      if (current != a) {
        return;
      }
      current = null;
      if (closed) {
        return;
      }
      pool.reportCheck(backend, passed, detail);
      scheduleNext();
    }
  }

  /** One probe: connect, then (HTTP) GET and read the status line; close. */
  private final class Attempt extends ChannelInboundHandlerAdapter {
    private final Probe probe;
    private Channel channel;
    private ScheduledFuture<?> timer;
    private boolean over;

    Attempt(Probe probe) {
      this.probe = probe;
    }

    void begin() {
      long ms = spec.timeout().toMillis();
      timer = probe.loop.schedule(() -> end(false, "timeout after " + ms + " ms"),
          spec.timeout().toNanos(), TimeUnit.NANOSECONDS);
      ChannelFuture f = probe.bootstrap.clone()
          .handler(new io.netty.channel.ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
              ch.pipeline().addLast(new HttpClientCodec(), Attempt.this);
            }
          })
          .connect();
      channel = f.channel();
      f.addListener((ChannelFuture cf) -> {
        if (!cf.isSuccess()) {
          Throwable c = cf.cause();
          end(false, c instanceof ConnectException ? "connect refused"
              : c instanceof io.netty.channel.ConnectTimeoutException
                  ? "timeout after " + ms + " ms" : "connect failed: " + c);
          return;
        }
        if (spec.kind() == HealthCheckSpec.Kind.TCP) {
          end(true, "connected");
          return;
        }
        FullHttpRequest req = new DefaultFullHttpRequest(
            HttpVersion.HTTP_1_1, HttpMethod.GET, spec.path());
        req.headers()
            .set(HttpHeaderNames.HOST, spec.host() != null ? spec.host() : probe.backend.address())
            .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
            .set(HttpHeaderNames.USER_AGENT, "ballast-health-check")
            .setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        cf.channel().writeAndFlush(req);
      });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (msg instanceof HttpResponse r) {
          int code = r.status().code();
          if (r.decoderResult().isFailure()) {
            end(false, "malformed response");
          } else if (code >= 200) {
            end(spec.passes(code), "status " + code);
          }
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      end(false, "connection closed before a response");
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      end(false, "error: " + cause.getClass().getSimpleName());
    }

    void abandon() {
      over = true;
      timer.cancel(false);
      channel.close();
    }

    private void end(boolean passed, String detail) {
      if (over) {
        return;
      }
      over = true;
      timer.cancel(false);
      channel.close();
      probe.finished(this, passed, detail);
    }
  }
}
