package io.ballast.proxy.upstream.h2;

import io.ballast.core.Backend;
import io.ballast.proxy.tls.BackendTls;
import io.ballast.proxy.upstream.BackendProtocol;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslHandler;

/**
 * The pipelines of HTTP/2 to a backend, for the proxy's connections and the health checks: TLS
 * with ALPN h2 for {@code h2}, {@link H2Preflight}, then
 * <ul>
 *   <li>for the proxy's connections ({@link #pooled}), which carry their streams without a
 *       channel each: flush consolidation, the {@link H2ConnectionCodec}, whose news goes to the
 *       connection's streams as calls, and the {@link H2Connection};
 *   <li>for a health check ({@link #probe}), one request on a connection of its own: Netty's
 *       frame codec and multiplexer, whose stream channel reads the answer with the same reader
 *       as over HTTP/1.1 (the {@link BackendStreamCodec}, then the reader, which sees HTTP/1.1
 *       objects), and the {@link H2Probe}.
 * </ul>
 *
 * <p>Stateless; called on the channel's event loop.
 */
final class H2Pipeline {
  private H2Pipeline() {}

  /**
   * Ballast's SETTINGS: no server push (a proxy has nobody to push to), and response heads as
   * large as an HTTP/1.1 backend's may be (64 KiB).
   */
  private static Http2Settings settings() {
    return Http2Settings.defaultSettings().pushEnabled(false).maxHeaderListSize(65_536);
  }

  /** A new pool connection {@code c} to {@code backend}, over {@code tls} for h2. */
  static void pooled(Channel ch, Backend backend, BackendTls tls, BackendProtocol protocol,
      H2Connection c) {
    ChannelPipeline p = start(ch, backend, tls, protocol);
    p.addLast(
        // Requests of many clients go out on one connection, each flushing it: their flushes
        // go out together, at the end of the read or event-loop pass that made them.
        new FlushConsolidationHandler(
            FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true),
        H2ConnectionCodec.of(c, settings()),
        c);
  }

  /** A new health check's connection to {@code backend}, whose handler is {@code probe}. */
  static void probe(Channel ch, Backend backend, BackendTls tls, BackendProtocol protocol,
      ChannelHandler probe) {
    ChannelPipeline p = start(ch, backend, tls, protocol);
    p.addLast(new Codec().initialSettings(settings()).build(),
        new Http2MultiplexHandler(NoPush.INSTANCE),
        probe);
  }

  private static ChannelPipeline start(Channel ch, Backend backend, BackendTls tls,
      BackendProtocol protocol) {
    ChannelPipeline p = ch.pipeline();
    if (protocol.version() == BackendProtocol.Version.H2) {
      if (tls == null) {
        throw new IllegalArgumentException("h2 to " + backend.name() + " without TLS (expected: a"
            + " pool's tls block, or h2c)");
      }
      p.addLast(tls.newHandler(ch.alloc(), backend, true));
    }
    p.addLast(new H2Preflight(protocol.version().toString()));
    return p;
  }

  /** A health check's frame codec: a client's, as {@code Http2FrameCodecBuilder.forClient()}. */
  private static final class Codec extends Http2FrameCodecBuilder {
    Codec() {
      server(false);
      // A close does not wait for streams to end.
      gracefulShutdownTimeoutMillis(0);
    }
  }

  /** A new stream: its user's handlers come after these and read and write HttpObjects. */
  static void stream(Channel ch) {
    boolean secure = ch.parent().pipeline().get(SslHandler.class) != null;
    ch.pipeline().addLast(new BackendStreamCodec(secure));
  }

  /** Streams the backend opens (server push, which ballast turns off) are closed at once. */
  @ChannelHandler.Sharable
  private static final class NoPush extends ChannelInboundHandlerAdapter {
    static final NoPush INSTANCE = new NoPush();

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      ctx.close();
    }
  }
}
