package io.ballast.proxy.proxyprotocol;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.PendingWriteQueue;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.handler.codec.http2.Http2StreamChannel;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * Writes the PROXY protocol header first on a new connection to a backend that wants to know
 * whom it serves, before anything else of the connection (a TLS handshake included: it goes
 * first in the pipeline), then leaves the pipeline with the
 * encoder it used (Netty's {@link HAProxyMessageEncoder}). It writes the header when the
 * connection becomes active; what is written before (the connect's listeners run first and may
 * write the request) waits and follows it, in order.
 *
 * <p>A connection made for a client ({@link #forClient}) names the client and the address it
 * reached ballast on: {@code PROXY TCP4}/{@code TCP6} (an IPv4 address beside an IPv6 one is
 * written as its IPv4-mapped IPv6 form). A connection of ballast's own, a health check, says so:
 * {@code LOCAL} in version 2, {@code PROXY UNKNOWN} in version 1, as the protocol asks of a
 * balancer's own connections.
 *
 * <p>Event-loop only, one per connection.
 */
public final class ProxyHeaderWriter extends ChannelDuplexHandler {
  private final ProxyHeaderVersion version;
  /** The client and the address it connected to; both null for ballast's own connection. */
  private final InetSocketAddress client;
  private final InetSocketAddress local;
  /** Writes made before the header went out (a request, a TLS ClientHello). */
  private PendingWriteQueue pending;

  private ProxyHeaderWriter(ProxyHeaderVersion version, InetSocketAddress client,
      InetSocketAddress local) {
    this.version = version;
    this.client = client;
    this.local = local;
  }

  /** The connection a client channel belongs to: itself, or an HTTP/2 stream's parent. */
  public static Channel connectionOf(Channel client) {
    return client instanceof Http2StreamChannel ? client.parent() : client;
  }

  /** Puts a writer for {@code client}, who reached ballast at {@code local}, first in {@code ch}. */
  public static void forClient(Channel ch, ProxyHeaderVersion version, InetSocketAddress client,
      InetSocketAddress local) {
    install(ch, new ProxyHeaderWriter(version, client, local));
  }

  /**
   * Writes the header for {@code client}, who reached ballast at {@code local} (both null: a
   * connection of ballast's own), on {@code ch} now: for a connection that is up and has had
   * nothing written yet (a TCP listener's backend connection before its relay starts, a talking
   * TCP check). Event loop of {@code ch} only.
   */
  public static void writeNow(Channel ch, ProxyHeaderVersion version, InetSocketAddress client,
      InetSocketAddress local) {
    ch.pipeline().addFirst(HAProxyMessageEncoder.INSTANCE);
    try {
      ch.writeAndFlush(new ProxyHeaderWriter(version, client, local).message(),
          ch.voidPromise());
    } finally {
      ch.pipeline().remove(HAProxyMessageEncoder.INSTANCE);
    }
  }

  /** Puts a writer for a connection of ballast's own (a health check) first in {@code ch}. */
  public static void forOwnConnection(Channel ch, ProxyHeaderVersion version) {
    install(ch, new ProxyHeaderWriter(version, null, null));
  }

  private static void install(Channel ch, ProxyHeaderWriter writer) {
    ch.pipeline().addFirst(writer);
    ch.pipeline().addFirst(HAProxyMessageEncoder.INSTANCE);
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    pending = new PendingWriteQueue(ctx);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    // The connect's listeners run before channelActive, and may write the request: it waits
    // for the header.
    pending.add(msg, promise);
  }

  @Override
  public void flush(ChannelHandlerContext ctx) {
    // Nothing goes out before the header; what waits is flushed with it.
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    // Toward the socket from here only the encoder is in between; then what waited, in order.
    ctx.write(message());
    pending.removeAndWriteAll();
    ctx.flush();
    ctx.pipeline().remove(HAProxyMessageEncoder.INSTANCE);
    ctx.pipeline().remove(this);
    ctx.fireChannelActive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    if (!pending.isEmpty()) {
      // Closed before it was up: what waited fails with the connection.
      pending.removeAndFailAll(new java.nio.channels.ClosedChannelException());
    }
  }

  /**
   * The header this connection gets: a message for the encoder, or, for version 1's
   * {@code PROXY UNKNOWN}, its bytes (Netty's encoder cannot write a version 1 header without
   * addresses).
   */
  Object message() {
    HAProxyProtocolVersion v = version == ProxyHeaderVersion.V1 ? HAProxyProtocolVersion.V1
        : HAProxyProtocolVersion.V2;
    if (client == null || local == null || client.getAddress() == null
        || local.getAddress() == null) {
      return v == HAProxyProtocolVersion.V1
          ? Unpooled.copiedBuffer("PROXY UNKNOWN\r\n", StandardCharsets.US_ASCII)
          : new HAProxyMessage(v, HAProxyCommand.LOCAL, HAProxyProxiedProtocol.UNKNOWN, null,
              null, 0, 0);
    }
    InetAddress from = client.getAddress();
    InetAddress to = local.getAddress();
    boolean v4 = from instanceof Inet4Address && to instanceof Inet4Address;
    return new HAProxyMessage(v, HAProxyCommand.PROXY,
        v4 ? HAProxyProxiedProtocol.TCP4 : HAProxyProxiedProtocol.TCP6,
        text(from, v4), text(to, v4), client.getPort(), local.getPort());
  }

  /** The address as the header writes it: dotted IPv4, or IPv6 (IPv4 as ::ffff:a.b.c.d). */
  private static String text(InetAddress a, boolean v4) {
    if (v4 || a instanceof Inet6Address) {
      String s = a.getHostAddress();
      int zone = s.indexOf('%');
      return zone < 0 ? s : s.substring(0, zone);
    }
    return "::ffff:" + a.getHostAddress();
  }
}
