package io.ballast.proxy.signals;

import io.ballast.core.Backend;
import io.ballast.core.agent.AgentApplier;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.signal.AgentReply;
import io.ballast.core.signal.AgentReplyFormat;
import io.ballast.core.signal.SignalFormatException;
import io.ballast.core.signal.SignalSource;
import io.ballast.proxy.signals.SignalLog;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Polls each backend's agent (HAProxy's agent-check, over TCP): connect to the backend's host at
 * the agent port, write {@link AgentCheckSpec#send()} if any, read one line (up to a newline or
 * the close, at most {@value AgentReplyFormat#MAX_LINE} bytes), parse it and hand it to the
 * pool's {@link AgentApplier}. Unreachable, timed out, closed without a reply or garbage: the
 * agent source goes stale (logged once per change); its return is logged once too. A stale agent
 * never touches the request path.
 *
 * <p>Thread-safe lifecycle ({@link #start()}, {@link #close()}); each backend is polled on one
 * event loop of the group.
 */
public final class AgentChecker extends BackendPoller {
  private final AgentCheckSpec spec;
  private final AgentApplier applier;
  private final ByteBuf send;

  public AgentChecker(LoadBalancer pool, AgentCheckSpec spec, AgentApplier applier,
      io.netty.channel.EventLoopGroup group) {
    super(pool, group, spec.port(), spec.interval(), spec.timeout());
    this.spec = spec;
    this.applier = Objects.requireNonNull(applier, "applier");
    this.send = spec.send() == null ? null : Unpooled.unreleasableBuffer(Unpooled.copiedBuffer(
        spec.send(), StandardCharsets.UTF_8)).asReadOnly();
  }

  public AgentCheckSpec spec() {
    return spec;
  }

  @Override
  void initChannel(Channel channel, Attempt attempt) {
    channel.pipeline().addLast(new LineReader(attempt));
  }

  @Override
  void connected(Attempt attempt, Channel channel) {
    if (send != null) {
      channel.writeAndFlush(send.duplicate());
    }
  }

  @Override
  void left(Backend backend) {
    applier.forget(backend);
  }

  @Override
  void failed(Backend backend, String reason) {
    if (applier.stale(backend, reason)) {
      SignalLog.stale(pool, backend, SignalSource.AGENT, reason);
    }
  }

  private void answered(Attempt attempt, String line) {
    Backend backend = attempt.backend();
    AgentReply reply;
    try {
      reply = AgentReplyFormat.parse(line);
    } catch (SignalFormatException e) {
      attempt.fail("unreadable reply: " + e.getMessage());
      return;
    }
    attempt.succeed();
    if (applier.accept(backend, reply, pool.nowNanos())) {
      SignalLog.back(pool, backend, SignalSource.AGENT);
    }
  }

  /** Collects the first line of the reply; event-loop only. */
  private final class LineReader extends ChannelInboundHandlerAdapter {
    private final Attempt attempt;
    private final StringBuilder line = new StringBuilder(64);
    private int bytes;

    LineReader(Attempt attempt) {
      this.attempt = attempt;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (attempt.over() || !(msg instanceof ByteBuf buf)) {
          return;
        }
        while (buf.isReadable()) {
          byte b = buf.readByte();
          if (b == '\n') {
            answered(attempt, line.toString());
            return;
          }
          if (++bytes > AgentReplyFormat.MAX_LINE) {
            attempt.fail("reply longer than " + AgentReplyFormat.MAX_LINE
                + " bytes without a line end");
            return;
          }
          // Bytes as Latin-1: anything outside ASCII is refused by the parser anyway.
          line.append((char) (b & 0xff));
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    /** HAProxy's agents may answer and close without a line end: the line ends at the close. */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (attempt.over()) {
        return;
      }
      if (bytes == 0) {
        attempt.fail("connection closed without a reply");
      } else {
        answered(attempt, line.toString());
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      attempt.fail("error: " + cause.getClass().getSimpleName());
    }
  }
}
