package io.ballast.proxy.probe;

import io.ballast.core.Backend;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.proxy.proxyprotocol.ProxyHeaderWriter;
import io.ballast.proxy.tls.BackendTls;
import io.ballast.proxy.upstream.BackendProtocol;
import io.ballast.proxy.upstream.h2.H2Probe;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Active health checks of one pool: every level of checks probes every member over a fresh
 * connection on its own jittered interval, with {@code METHOD path} (Connection: close) for an
 * HTTP check, a bare connect for a TCP check (a {@link SendExpectProbe} when it talks) or a
 * {@link GrpcHealthProbe}, and each result goes to
 * {@link LoadBalancer#reportCheck(Backend, int, boolean, String)}, where the level's rise/fall
 * damping and the pool's health policy decide the backend's state.
 *
 * <p>Thread-safe lifecycle ({@link #start()}, {@link #close()}). Each (backend, level) probe runs
 * on one event loop of the group and never blocks it.
 */
public final class HealthChecker implements AutoCloseable {
  private final LoadBalancer pool;
  private final List<HealthCheckSpec> levels;
  /** How HTTP checks speak TLS to the backends (the pool's); null: plain. */
  private final BackendTls tls;
  /** Which HTTP the checks speak (the pool's). */
  private final BackendProtocol protocol;
  private final MemberTasks<List<ProbeTask>> probes;
  private volatile boolean closed;

  /** One level of checks: the pool's policy must have exactly one level. */
  public HealthChecker(LoadBalancer pool, HealthCheckSpec spec, EventLoopGroup group) {
    this(pool, List.of(Objects.requireNonNull(spec, "spec")), group);
  }

  /**
   * Several levels, in the order of the pool's health policy levels: {@code levels.get(i)}
   * probes level {@code i}.
   */
  public HealthChecker(LoadBalancer pool, List<HealthCheckSpec> levels, EventLoopGroup group) {
    this(pool, levels, null, group);
  }

  /**
   * As above, for a pool whose backends speak TLS: HTTP and gRPC checks go over TLS as
   * {@code tls} says (a backend whose certificate fails verification fails the check); TCP checks
   * stay a bare connect.
   */
  public HealthChecker(LoadBalancer pool, List<HealthCheckSpec> levels, BackendTls tls,
      EventLoopGroup group) {
    this(pool, levels, tls, BackendProtocol.HTTP1, group);
  }

  /**
   * As above, for a pool that speaks {@code protocol}: an HTTP check of an HTTP/2 pool is one
   * request on a stream of its own HTTP/2 connection, and a backend that does not speak HTTP/2
   * fails it with the reason ("backend speaks HTTP/1.1, not h2c").
   */
  public HealthChecker(LoadBalancer pool, List<HealthCheckSpec> levels, BackendTls tls,
      BackendProtocol protocol, EventLoopGroup group) {
    this.pool = Objects.requireNonNull(pool, "pool");
    this.levels = List.copyOf(levels);
    this.tls = tls;
    this.protocol = Objects.requireNonNull(protocol, "protocol");
    Objects.requireNonNull(group, "group");
    int expected = pool.healthSettings().policy().levels().size();
    if (this.levels.size() != expected) {
      throw new IllegalArgumentException("levels: " + this.levels.size() + " (expected: " + expected
          + ", the levels of pool " + pool.name() + "'s health policy)");
    }
    this.probes = new MemberTasks<>(pool, new MemberTasks.Factory<>() {
      @Override
      public List<ProbeTask> start(Backend b, boolean joined) {
        List<ProbeTask> list = new ArrayList<>(HealthChecker.this.levels.size());
        for (int level = 0; level < HealthChecker.this.levels.size(); level++) {
          int l = level;
          HealthCheckSpec spec = HealthChecker.this.levels.get(level);
          ProbeTask.Verdict verdict = (passed, detail) -> pool.reportCheck(b, l, passed, detail);
          ProbeTask p = new ProbeTask(b, b.port(), group, spec.interval(), spec.timeout(),
              () -> closed, task -> spec.kind() == HealthCheckSpec.Kind.GRPC
                  ? new GrpcHealthProbe(task, spec, tls, verdict)
                  : spec.sendExpect() != null ? new SendExpectProbe(task, spec, verdict,
                      protocol.proxyHeader())
                  : new Attempt(task, spec, verdict));
          list.add(p);
          p.start(joined);
        }
        return list;
      }

      @Override
      public void stop(List<ProbeTask> list) {
        for (ProbeTask p : list) {
          p.stop();
        }
      }
    });
  }

  /**
   * Starts probing, and follows the pool's membership: the first probe of each backend and level
   * comes at a random point of one interval, so levels and backends do not start in step; a
   * backend that joins later is probed at once (it takes no traffic before its first result).
   */
  public void start() {
    probes.start();
  }

  /** Stops probing; a probe in progress is abandoned without a report. */
  @Override
  public void close() {
    closed = true;
    probes.close();
  }

  /**
   * One probe: connect, then (HTTP) send the request and read the status line, and the body up
   * to {@link HealthCheckSpec#MAX_BODY} bytes when it must contain a text; close.
   */
  private final class Attempt extends ChannelInboundHandlerAdapter
      implements ProbeTask.Attempt {
    private final ProbeTask task;
    private final HealthCheckSpec spec;
    private final AttemptEnd ending;
    /** The HTTP/2 request of a check of an HTTP/2 pool; null over HTTP/1.1. */
    private H2Probe h2;
    /** Non-null while reading a body that must contain {@link HealthCheckSpec#bodyContains}. */
    private ByteArrayOutputStream body;
    private int status;

    Attempt(ProbeTask task, HealthCheckSpec spec, ProbeTask.Verdict verdict) {
      this.task = task;
      this.spec = spec;
      this.ending = new AttemptEnd(task, this, spec.timeout(), verdict);
    }

    @Override
    public void begin() {
      ending.arm();
      ChannelFuture f = task.connect(new io.netty.channel.ChannelInitializer<Channel>() {
        @Override
        protected void initChannel(Channel ch) {
          if (protocol.multiplexed() && spec.kind() != HealthCheckSpec.Kind.TCP) {
            h2 = H2Probe.install(ch, task.backend(), tls, protocol, Attempt.this,
                reason -> end(false, reason));
            return;
          }
          if (protocol.proxyHeader() != null && spec.kind() != HealthCheckSpec.Kind.TCP) {
            // Backends that want a PROXY header refuse a connection without one: a check says
            // it is the balancer's own (LOCAL).
            ProxyHeaderWriter.forOwnConnection(ch, protocol.proxyHeader());
          }
          if (tls != null && spec.kind() != HealthCheckSpec.Kind.TCP) {
            ch.pipeline().addLast(tls.newHandler(ch.alloc(), task.backend()));
          }
          ch.pipeline().addLast(new HttpClientCodec(), Attempt.this);
        }
      });
      ending.channel(f.channel());
      f.addListener((ChannelFuture cf) -> {
        if (!cf.isSuccess()) {
          end(false, ProbeTask.connectFailure(cf.cause(), spec.timeout()));
          return;
        }
        if (spec.kind() == HealthCheckSpec.Kind.TCP) {
          end(true, "connected");
          return;
        }
        FullHttpRequest req = new DefaultFullHttpRequest(
            HttpVersion.HTTP_1_1, HttpMethod.valueOf(spec.method()), spec.path());
        req.headers()
            .set(HttpHeaderNames.HOST, spec.host() != null ? spec.host() : task.backend().address())
            .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
            .set(HttpHeaderNames.USER_AGENT, "ballast-health-check")
            .setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        if (h2 != null) {
          h2.send(req);
        } else {
          cf.channel().writeAndFlush(req);
        }
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
            if (!spec.passes(code) || spec.bodyContains() == null) {
              end(spec.passes(code), "status " + code);
            } else {
              status = code;
              body = new ByteArrayOutputStream();
            }
          }
        }
        if (msg instanceof HttpContent c && body != null) {
          if (c.decoderResult().isFailure()) {
            end(false, "malformed response body");
            return;
          }
          ByteBuf content = c.content();
          int take = Math.min(content.readableBytes(), HealthCheckSpec.MAX_BODY - body.size());
          byte[] bytes = new byte[take];
          content.getBytes(content.readerIndex(), bytes);
          body.write(bytes, 0, take);
          if (c instanceof LastHttpContent || body.size() >= HealthCheckSpec.MAX_BODY) {
            judgeBody();
          }
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    /** A body that ends with the connection (no length) is whole at the close. */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (body != null) {
        judgeBody();
      }
      end(false, "connection closed before a response");
    }

    private void judgeBody() {
      // The text is compared in UTF-8; invalid bytes decode to U+FFFD and simply do not match.
      String text = body.toString(StandardCharsets.UTF_8);
      String wanted = spec.bodyContains();
      if (text.contains(wanted)) {
        end(true, "status " + status + ", body contains '" + wanted + "'");
      } else {
        end(false, "body did not contain '" + wanted + "'" + (body.size() >= HealthCheckSpec.MAX_BODY
            ? " (in its first " + HealthCheckSpec.MAX_BODY + " bytes)" : ""));
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      end(false, "error: " + cause.getClass().getSimpleName());
    }

    @Override
    public void abandon() {
      ending.abandon();
    }

    private void end(boolean passed, String detail) {
      ending.end(passed, detail);
    }
  }
}
