package io.ballast.proxy;

import io.ballast.proxy.http1.ClientHandler;
import io.ballast.proxy.http1.ServerCodec;
import io.ballast.proxy.http2.H2cUpgrade;
import io.ballast.proxy.http2.Http2Server;
import io.ballast.proxy.http2.ProtocolSniffer;
import io.ballast.proxy.proxyprotocol.ProxyHeaderReader;
import io.ballast.proxy.proxyprotocol.ProxyProtocolSpec;
import io.ballast.proxy.tls.ClientTls;
import io.ballast.proxy.tls.HandshakeWatch;
import io.ballast.proxy.tls.ServerTls;
import io.ballast.proxy.tls.TlsAcceptor;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The handlers of a new client connection of one listener, once its {@link
 * io.ballast.proxy.limits.AcceptGate} admitted it: the idle timer, the TLS handlers when
 * the listener has certificates (its certificates of the moment), then HTTP: with HTTP/2 on, a
 * sniffer that installs HTTP/2 or HTTP/1.1 once the client's first bytes (or ALPN) tell which;
 * with it off, the HTTP/1.1 codec and client handler at once. On a listener behind front
 * balancers (PROXY protocol) all of that waits for their header. Settings and certificates are
 * read once per connection, so a reload changes what the next connection gets and nothing else.
 *
 * <p>Thread-safe: Netty calls it on the new channel's event loop.
 */
final class ClientPipeline extends ChannelInitializer<SocketChannel> {
  private final ListenerContext context;
  private final Supplier<SharedState> shared;
  private final HandshakeWatch.Listener tlsEvents;

  ClientPipeline(ListenerContext context, Supplier<SharedState> shared) {
    this.context = context;
    this.shared = shared;
    this.tlsEvents = new HandshakeWatch.Listener() {
      @Override
      public void handshake(ClientTls tls) {
        context.observer().onTlsHandshake(context.name(), tls);
      }

      @Override
      public void failure(String reason, Throwable cause) {
        ProxyServer.LOG.debug("listener {}: TLS handshake failed ({}): {}", context.name(),
            reason, cause == null ? "" : cause.toString());
        context.observer().onTlsHandshakeFailure(context.name(), reason);
      }
    };
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    ProxyProtocolSpec proxyProtocol = context.proxyProtocol();
    if (proxyProtocol == null) {
      install(ch);
      return;
    }
    // Behind front balancers: their header first, then the connection's own handlers, which see
    // the client it names from the start (TLS, if any, begins after the header).
    ProxyHeaderReader.install(ch, proxyProtocol, new ProxyHeaderReader.Outcome() {
      @Override
      public void accepted(Channel connection) {
        install((SocketChannel) connection);
      }

      @Override
      public void refused(Channel connection, String reason) {
        context.observer().onClientConnectionRefused(context.name(), reason);
      }
    });
  }

  private void install(SocketChannel ch) {
    SharedState s = shared.get();
    // Reader idle only: watching writes too would make Netty wrap every write's void promise in
    // a real one with a listener (a profiler showed ~300 bytes per request). A response in
    // progress is not idle: ClientHandler ignores the event unless the connection is between
    // requests or the client stalls mid-request. It comes first so that a client stalling its
    // TLS handshake is idle too.
    ch.pipeline().addLast(new IdleStateHandler(
        s.settings().clientIdleTimeout().toNanos(), 0, 0, TimeUnit.NANOSECONDS));
    ServerTls tls = context.tls();
    if (tls != null) {
      ch.pipeline().addLast(new TlsAcceptor(tls), new HandshakeWatch(tls, tlsEvents));
    }
    if (!s.settings().http2().enabled()) {
      ch.pipeline().addLast(new ServerCodec(s.decoder().clone(), s.settings().clientLimits()),
          new ClientHandler(context));
      return;
    }
    ch.pipeline().addLast(new ProtocolSniffer(new ProtocolSniffer.Protocols() {
      @Override
      public void http1(ChannelHandlerContext ctx) {
        // The codec first: the client handler looks for it when it is added.
        ctx.pipeline().addAfter(ctx.name(), "http1-codec",
            new ServerCodec(s.decoder().clone(), s.settings().clientLimits()));
        ctx.pipeline().addAfter("http1-codec", null,
            new ClientHandler(context, new H2cUpgrade(context, s.settings())));
      }

      @Override
      public void http2(ChannelHandlerContext ctx) {
        Http2Server.installAfter(ctx.pipeline(), ctx.name(), context, s.settings(), false);
      }
    }));
  }
}
