package io.ballast.proxy.probe;

import io.ballast.proxy.proxyprotocol.ProxyHeaderVersion;
import io.ballast.proxy.proxyprotocol.ProxyHeaderWriter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Predicate;

/**
 * One TCP check that talks: connect, write {@link SendExpect#send}, read until the answer
 * contains (or matches) {@link SendExpect#expect}, close. It fails on a refused or timed-out
 * connect, an answer without the text in its first {@value SendExpect#MAX_ANSWER} bytes, a
 * backend that closes first, or the check's timeout; the reason quotes the start of what the
 * backend said ("answered '-LOADING Redis is loading...', expected '+PONG'").
 *
 * <p>Event-loop only: everything runs on its {@link ProbeTask}'s loop.
 */
final class SendExpectProbe extends ChannelInboundHandlerAdapter implements ProbeTask.Attempt {
  /** How much of a wrong answer the check's reason quotes. */
  private static final int QUOTED = 60;

  private final ProbeTask task;
  private final SendExpect talk;
  private final Predicate<String> passes;
  private final AttemptEnd ending;
  private final ByteArrayOutputStream answer = new ByteArrayOutputStream();
  private final java.time.Duration timeout;

  /** The PROXY header the pool's backends want first (a check says LOCAL); null: none. */
  private final ProxyHeaderVersion proxyHeader;

  SendExpectProbe(ProbeTask task, HealthCheckSpec spec, ProbeTask.Verdict verdict,
      ProxyHeaderVersion proxyHeader) {
    this.task = task;
    this.proxyHeader = proxyHeader;
    this.talk = spec.sendExpect();
    this.passes = talk.matcher();
    this.timeout = spec.timeout();
    this.ending = new AttemptEnd(task, this, spec.timeout(), verdict);
  }

  @Override
  public void begin() {
    ending.arm();
    ChannelFuture f = task.connect(this);
    ending.channel(f.channel());
    f.addListener((ChannelFuture cf) -> {
      if (!cf.isSuccess()) {
        ending.end(false, ProbeTask.connectFailure(cf.cause(), timeout));
        return;
      }
      if (proxyHeader != null) {
        ProxyHeaderWriter.writeNow(cf.channel(), proxyHeader, null, null);
      }
      byte[] send = talk.sendBytes();
      if (send.length > 0) {
        cf.channel().writeAndFlush(Unpooled.wrappedBuffer(send));
      }
    });
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (!(msg instanceof ByteBuf chunk)) {
        return;
      }
      int take = Math.min(chunk.readableBytes(), SendExpect.MAX_ANSWER - answer.size());
      chunk.readBytes(answer, take);
      String text = answer.toString(StandardCharsets.UTF_8);
      if (passes.test(text)) {
        ending.end(true, "answered '" + quote(text) + "'");
      } else if (answer.size() >= SendExpect.MAX_ANSWER) {
        ending.end(false, "expected " + expected() + " not in the first "
            + SendExpect.MAX_ANSWER + " bytes of the answer");
      }
    } catch (java.io.IOException e) {
      ending.end(false, "error: " + e.getClass().getSimpleName());
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    ending.end(false, answer.size() == 0
        ? "connection closed before an answer, expected " + expected()
        : "answered '" + quote(answer.toString(StandardCharsets.UTF_8)) + "' and closed,"
            + " expected " + expected());
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ending.end(false, "error: " + cause.getClass().getSimpleName());
  }

  @Override
  public void abandon() {
    ending.abandon();
  }

  private String expected() {
    return (talk.regex() ? "a match of '" : "'") + SendExpect.printable(talk.expect()) + "'";
  }

  private static String quote(String text) {
    String first = text.length() > QUOTED ? text.substring(0, QUOTED) + "..." : text;
    return SendExpect.printable(first);
  }
}
