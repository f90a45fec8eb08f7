package io.ballast.proxy.proxyprotocol;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolException;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.AttributeKey;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Reads the PROXY protocol header a front balancer sends first on a connection, with Netty's
 * {@link HAProxyMessageDecoder} before it, and only then lets the connection go on: the rest of
 * its handlers (TLS, HTTP; a TCP listener's session) are installed by {@link Outcome#accepted}
 * once the header was read,
 * so that every one of them sees the client's address from the start, and the bytes after the
 * header reach them as the first bytes of the connection.
 *
 * <ul>
 *   <li>{@code PROXY} with a TCP source over IPv4 or IPv6: the source is the connection's client
 *       ({@link #client}), for routing, rate limits, access lists, forwarding headers and logs;
 *   <li>{@code LOCAL} (the front balancer's own health check) or an unknown or non-TCP family:
 *       the connection is the front balancer's own and keeps its peer address;
 *   <li>a malformed header, or anything that is not one: closed ({@code proxy_protocol_malformed})
 *       before a byte of it reaches HTTP (the decoder closes it);
 *   <li>no whole header within the timeout: closed ({@code proxy_protocol_timeout}).
 * </ul>
 *
 * <p>Event-loop only, one instance per connection.
 */
public final class ProxyHeaderReader extends ChannelInboundHandlerAdapter {
  private static final AttributeKey<InetSocketAddress> CLIENT =
      AttributeKey.valueOf(ProxyHeaderReader.class, "client");

  /** What becomes of a connection. */
  public interface Outcome {
    /** The header was read: install the connection's other handlers. */
    void accepted(Channel connection);

    /** The connection was closed for {@code reason}, a metric label. */
    void refused(Channel connection, String reason);
  }

  private final ProxyProtocolSpec spec;
  private final Outcome outcome;
  private ScheduledFuture<?> timer;
  private boolean done;

  public ProxyHeaderReader(ProxyProtocolSpec spec, Outcome outcome) {
    this.spec = spec;
    this.outcome = outcome;
  }

  /** Puts the decoder and a reader first in {@code connection}'s pipeline. */
  public static void install(Channel connection, ProxyProtocolSpec spec, Outcome outcome) {
    connection.pipeline().addLast(new HAProxyMessageDecoder(),
        new ProxyHeaderReader(spec, outcome));
  }

  /**
   * The client a front balancer's header named for {@code connection}, or null when it named
   * none (the listener takes no PROXY protocol, or the header was {@code LOCAL}).
   */
  public static InetSocketAddress client(Channel connection) {
    return connection.hasAttr(CLIENT) ? connection.attr(CLIENT).get() : null;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    if (ctx.channel().isActive()) {
      startTimer(ctx);
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    startTimer(ctx);
    ctx.fireChannelActive();
  }

  private void startTimer(ChannelHandlerContext ctx) {
    if (timer == null) {
      timer = ctx.executor().schedule(() -> timedOut(ctx), spec.timeout().toNanos(),
          TimeUnit.NANOSECONDS);
    }
  }

  private void timedOut(ChannelHandlerContext ctx) {
    if (!done) {
      refuse(ctx, "proxy_protocol_timeout");
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof HAProxyMessage header)) {
      // Nothing but a header comes out of the decoder before it leaves the pipeline.
      ctx.fireChannelRead(msg);
      return;
    }
    try {
      done = true;
      cancelTimer();
      InetSocketAddress client = client(header);
      if (client != null) {
        ctx.channel().attr(CLIENT).set(client);
      }
      // The decoder passes what followed the header on once it leaves, after this returns:
      // the handlers installed now read it.
      Channel ch = ctx.channel();
      ctx.pipeline().remove(this);
      outcome.accepted(ch);
    } finally {
      header.release();
    }
  }

  /** The client a PROXY header names, or null when it names none that ballast can use. */
  static InetSocketAddress client(HAProxyMessage header) {
    if (header.command() != HAProxyCommand.PROXY) {
      return null;
    }
    HAProxyProxiedProtocol p = header.proxiedProtocol();
    if (p != HAProxyProxiedProtocol.TCP4 && p != HAProxyProxiedProtocol.TCP6) {
      return null;
    }
    byte[] raw = NetUtil.createByteArrayFromIpAddressString(header.sourceAddress());
    if (raw == null) {
      return null;
    }
    try {
      return new InetSocketAddress(InetAddress.getByAddress(raw), header.sourcePort());
    } catch (java.net.UnknownHostException e) {
      return null; // cannot happen: the length is 4 or 16
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof HAProxyProtocolException) {
      // The decoder may fail again on what is left when the closed connection ends: once is
      // counted.
      if (!done) {
        refuse(ctx, "proxy_protocol_malformed");
      }
      return;
    }
    if (!done) {
      // Before the header (a reset, say), no handler of the connection's own is there to care.
      done = true;
      cancelTimer();
      ctx.close();
      return;
    }
    ctx.fireExceptionCaught(cause);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (!done) {
      // Closed by the peer before its header ended: nothing to count but the connection.
      done = true;
      cancelTimer();
    }
    ctx.fireChannelInactive();
  }

  private void refuse(ChannelHandlerContext ctx, String reason) {
    done = true;
    cancelTimer();
    ctx.close();
    outcome.refused(ctx.channel(), reason);
  }

  private void cancelTimer() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }
}
