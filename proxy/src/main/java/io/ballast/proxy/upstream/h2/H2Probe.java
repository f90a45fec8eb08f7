package io.ballast.proxy.upstream.h2;

import io.ballast.core.Backend;
import io.ballast.proxy.tls.BackendTls;
import io.ballast.proxy.upstream.BackendProtocol;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.ReferenceCountUtil;
import java.util.function.Consumer;

/**
 * One HTTP/2 request on a connection of its own, for a health check: the connection is set up as
 * the pool's are ({@link H2Pipeline}), the request goes on one stream once the backend's SETTINGS
 * came, and the check's reader sees the answer as HTTP/1.1 objects, as over HTTP/1.1. When the
 * connection fails before the stream (the backend speaks HTTP/1.1 only, did not negotiate h2,
 * failed the TLS handshake, closed), the check hears why in those words.
 *
 * <p>Event-loop only; one per probe connection, its last handler.
 */
public final class H2Probe extends H2ClientHandler {
  private final ChannelHandler reader;
  private final Consumer<String> onFailure;
  private FullHttpRequest request;
  private boolean sent;

  private H2Probe(ChannelHandler reader, Consumer<String> failed) {
    this.reader = reader;
    this.onFailure = failed;
  }

  /**
   * Sets up the new connection {@code ch} to {@code backend} to speak {@code protocol} (over
   * {@code tls} for h2); {@code reader} will read the answer on the stream, and {@code failed}
   * hears why when the connection fails before the request could go.
   */
  public static H2Probe install(Channel ch, Backend backend, BackendTls tls,
      BackendProtocol protocol, ChannelHandler reader, Consumer<String> failed) {
    H2Probe probe = new H2Probe(reader, failed);
    H2Pipeline.probe(ch, backend, tls, protocol, probe);
    return probe;
  }

  /** Sends {@code req} (owned from now on) on a stream as soon as the backend is ready. */
  public void send(FullHttpRequest req) {
    request = req;
    if (ready()) {
      open();
    }
  }

  private void open() {
    FullHttpRequest req = request;
    request = null;
    sent = true;
    new Http2StreamChannelBootstrap(channel()).handler(new ChannelInitializer<Channel>() {
      @Override
      protected void initChannel(Channel ch) {
        H2Pipeline.stream(ch);
        ch.pipeline().addLast(reader);
      }
    }).open().addListener(f -> {
      if (f.isSuccess()) {
        ((Http2StreamChannel) f.getNow()).writeAndFlush(req);
      } else {
        ReferenceCountUtil.release(req);
        onFailure.accept("no stream: " + f.cause());
      }
    });
  }

  @Override
  void settings(ChannelHandlerContext ctx, Http2Settings settings, boolean first) {
    if (first && request != null) {
      open();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    ReferenceCountUtil.release(request);
    request = null;
    if (failure() != null || !sent) {
      // After the stream opened, the reader hears the close itself.
      onFailure.accept(failure() != null ? failure()
          : "connection closed before HTTP/2 SETTINGS");
    }
  }
}
