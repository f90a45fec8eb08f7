package io.ballast.proxy.upstream.h2;

import io.ballast.core.Backend;
import io.ballast.proxy.tls.BackendTls;
import io.ballast.proxy.upstream.BackendProtocol;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.DefaultHttp2Connection;
import io.netty.handler.codec.http2.DefaultHttp2RemoteFlowController;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.UniformStreamByteDistributor;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslHandler;

/**
 * The pipelines of HTTP/2 to a backend, the same for the proxy's connections and the health
 * checks: a connection (TLS with ALPN h2 for {@code h2}, {@link H2Preflight}, the frame codec,
 * then its user's handler). The proxy's connections carry their streams without a channel each
 * ({@link BackendStreams}); a health check, one request on a connection of its own, reads its
 * answer with the same reader as over HTTP/1.1, on a stream channel of Netty's multiplexer (the
 * {@link BackendStreamCodec}, then the reader, which sees HTTP/1.1 objects).
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

  /**
   * A new connection to {@code backend} speaking {@code protocol} (h2 or h2c), over {@code tls}
   * for h2; {@code last} is the connection's own handler. {@code channels}: streams are channels
   * of Netty's multiplexer (the health checks), else the last handler carries them.
   */
  static void connection(Channel ch, Backend backend, BackendTls tls, BackendProtocol protocol,
      boolean channels, ChannelHandler last) {
    ChannelPipeline p = ch.pipeline();
    if (protocol.version() == BackendProtocol.Version.H2) {
      if (tls == null) {
        throw new IllegalArgumentException("h2 to " + backend.name() + " without TLS (expected: a"
            + " pool's tls block, or h2c)");
      }
      p.addLast(tls.newHandler(ch.alloc(), backend, true));
    }
    p.addLast(new H2Preflight(protocol.version().toString()),
        new Codec().initialSettings(settings()).build(),
        // Requests of many clients go out on one connection, each flushing it: their flushes
        // go out together, at the end of the read or event-loop pass that made them.
        new FlushConsolidationHandler(
            FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
    if (channels) {
      p.addLast(new Http2MultiplexHandler(NoPush.INSTANCE));
    }
    p.addLast(last);
  }

  /**
   * The client's frame codec, on a connection state with the byte distributor the client
   * connections use ({@code http2.Http2Server}): RFC 9113 deprecated the priority tree Netty's
   * default distributor keeps, and nobody here sends priorities.
   */
  private static final class Codec extends Http2FrameCodecBuilder {
    Codec() {
      // As forClient() has it: a close does not wait for streams to end.
      gracefulShutdownTimeoutMillis(0);
      DefaultHttp2Connection c = new DefaultHttp2Connection(false);
      c.remote().flowController(new DefaultHttp2RemoteFlowController(c,
          new UniformStreamByteDistributor(c)));
      connection(c);
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
