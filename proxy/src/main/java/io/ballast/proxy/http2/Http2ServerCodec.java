package io.ballast.proxy.http2;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpScheme;
import io.netty.handler.codec.http.HttpServerUpgradeHandler.UpgradeEvent;
import io.netty.handler.codec.http2.AbstractHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.handler.codec.http2.HttpConversionUtil.ExtensionHeaderNames;

/**
 * The HTTP/2 codec of a client's connection ({@link StreamCodec}, with the limits of
 * {@link Http2Server}), whose news goes straight to the connection's streams
 * ({@link StreamDispatch}) and to the connection ({@link Http2ServerConnection}).
 *
 * <ul>
 *   <li>A stream the client opens gets its {@link ClientStream} as it becomes active (before its
 *       HEADERS are read); one that closes, for whatever reason, is told and forgotten.
 *   <li>HEADERS and DATA go to their stream (its DATA's bytes go back to the client's window
 *       when the stream took them); a frame of a stream ballast forgot is consumed here.
 *   <li>SETTINGS and PING (not their acks) are counted by the connection (a flood ends it).
 *   <li>A stream error on a stream ballast serves goes to the stream, which resets it with the
 *       error it chooses (a malformed request is PROTOCOL_ERROR); any other is reset by Netty. A
 *       connection error is counted, then answered with GOAWAY and a close, as Netty does.
 *   <li>An h2c upgrade's request becomes stream 1's HEADERS.
 * </ul>
 *
 * <p>Event-loop only; one per connection.
 */
final class Http2ServerCodec extends StreamCodec<ClientStream> {
  private final StreamDispatch streams;
  private final Http2ServerConnection owner;

  private Http2ServerCodec(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
      Http2Settings settings, Http2ServerConnection owner) {
    super(decoder, encoder, settings);
    this.owner = owner;
    this.streams = new StreamDispatch(this, owner);
    connection().addListener(new Http2ConnectionAdapter() {
      @Override
      public void onStreamActive(Http2Stream stream) {
        if (!connection().local().isValidStreamId(stream.id())) {
          streams.opened(stream);
        }
      }

      @Override
      public void onStreamClosed(Http2Stream stream) {
        streams.closed(stream.id());
      }
    });
    connection().remote().flowController().listener(s -> streams.writabilityChanged(s.id()));
  }

  StreamDispatch streams() {
    return streams;
  }

  /**
   * The codec is in the pipeline: so are its streams. The connection's receive window is the
   * listener's {@code connection_window_size} exactly ({@link Http2ServerConnection} grows it
   * from the protocol's 65 535 bytes), whatever the streams' initial window: it is the memory
   * bound of one connection's uploads.
   */
  @Override
  public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
    super.handlerAdded(ctx);
    streams.attach(ctx);
  }

  /**
   * The end of a read of the connection: each stream that read hears it (its body goes to the
   * backend, its bytes back to the client's window), then Netty's handler flushes.
   */
  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
    streams.readComplete();
    super.channelReadComplete(ctx);
  }

  /** Adds {@code bytes} to the client's connection window now. */
  void growConnectionWindow(ChannelHandlerContext ctx, int bytes) {
    Http2Connection c = connection();
    try {
      c.local().flowController().incrementWindowSize(c.connectionStream(), bytes);
      flush(ctx);
    } catch (Http2Exception e) {
      onError(ctx, true, e);
    }
  }

  // ---- reads

  @Override
  protected ClientStream stream(int id) {
    return streams.get(id);
  }

  @Override
  protected void read(ClientStream s, Http2StreamFrame frame) {
    streams.read(s, frame);
  }

  @Override
  public void onSettingsRead(ChannelHandlerContext ctx, Http2Settings settings) {
    owner.controlFrame();
  }

  @Override
  public void onPingRead(ChannelHandlerContext ctx, long data) {
    owner.controlFrame();
  }

  // ---- events and errors

  /** The h2c upgrade's request, which opened stream 1, is read as that stream's frames. */
  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (!(evt instanceof UpgradeEvent upgrade)) {
      super.userEventTriggered(ctx, evt);
      return;
    }
    try {
      // The upgrade took only a request without a body (H2cUpgrade): its head is all of it.
      FullHttpRequest request = upgrade.upgradeRequest();
      request.headers().set(ExtensionHeaderNames.SCHEME.text(), HttpScheme.HTTP.name());
      onHeadersRead(ctx, Http2CodecUtil.HTTP_UPGRADE_STREAM_ID,
          HttpConversionUtil.toHttp2Headers(request, true), 0, true);
    } finally {
      upgrade.release();
    }
  }

  @Override
  protected void onStreamError(ChannelHandlerContext ctx, boolean outbound, Throwable cause,
      Http2Exception.StreamException e) {
    ClientStream s = outbound ? null : streams.get(e.streamId());
    if (s != null) {
      streams.streamError(s, cause);
    } else {
      super.onStreamError(ctx, outbound, cause, e);
    }
  }

  @Override
  protected void onConnectionError(ChannelHandlerContext ctx, boolean outbound, Throwable cause,
      Http2Exception e) {
    if (!outbound && e != null) {
      owner.observe(true, e.error());
    }
    super.onConnectionError(ctx, outbound, cause, e);
  }

  /** Netty's handler for a server's connection on {@code connection}, with the given options. */
  static final class Builder
      extends AbstractHttp2ConnectionHandlerBuilder<Http2ServerCodec, Builder> {
    private final Http2ServerConnection owner;

    Builder(Http2Connection connection, Http2ServerConnection owner) {
      this.owner = owner;
      connection(connection);
    }

    @Override
    protected Builder initialSettings(Http2Settings settings) {
      return super.initialSettings(settings);
    }

    @Override
    protected Builder validateHeaders(boolean validate) {
      return super.validateHeaders(validate);
    }

    @Override
    protected Builder headerSensitivityDetector(
        Http2HeadersEncoder.SensitivityDetector detector) {
      return super.headerSensitivityDetector(detector);
    }

    @Override
    protected Builder decoderEnforceMaxRstFramesPerWindow(int frames, int seconds) {
      return super.decoderEnforceMaxRstFramesPerWindow(frames, seconds);
    }

    @Override
    protected Builder encoderEnforceMaxRstFramesPerWindow(int frames, int seconds) {
      return super.encoderEnforceMaxRstFramesPerWindow(frames, seconds);
    }

    @Override
    protected Builder gracefulShutdownTimeoutMillis(long millis) {
      return super.gracefulShutdownTimeoutMillis(millis);
    }

    @Override
    protected Http2ServerCodec build() {
      return super.build();
    }

    @Override
    protected Http2ServerCodec build(Http2ConnectionDecoder decoder,
        Http2ConnectionEncoder encoder, Http2Settings settings) {
      return new Http2ServerCodec(decoder, encoder, settings, owner);
    }
  }
}
