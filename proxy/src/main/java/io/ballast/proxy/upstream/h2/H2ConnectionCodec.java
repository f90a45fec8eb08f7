package io.ballast.proxy.upstream.h2;

import io.ballast.proxy.http2.StreamCodec;
import io.ballast.proxy.upstream.BackendConnections;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.AbstractHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.DefaultHttp2Connection;
import io.netty.handler.codec.http2.DefaultHttp2RemoteFlowController;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.handler.codec.http2.UniformStreamByteDistributor;

/**
 * The HTTP/2 codec of a pool's connection to a backend ({@link StreamCodec}), whose news goes
 * straight to the connection's streams ({@link BackendStreams}) and to the connection
 * ({@link H2Connection}).
 *
 * <ul>
 *   <li>Reads: a stream's HEADERS and DATA go to it (its DATA's bytes go back to the backend's
 *       window when the stream took them: {@link BackendStreams#consumed}); RST_STREAM tells the
 *       stream why it ends, then the stream closes; SETTINGS and GOAWAY go to the connection.
 *   <li>Stream states: a stream that closes, for whatever reason, ends ({@link
 *       BackendStreams#closed(int)}); one whose window opens or shuts hears it.
 *   <li>Errors: a stream error resets the stream alone (the stream hears why first); a
 *       connection error is the connection's failure (then GOAWAY and close, as Netty does).
 * </ul>
 *
 * <p>Event-loop only; one per connection.
 */
final class H2ConnectionCodec extends StreamCodec<BackendStream> {
  private final H2Connection owner;
  private final BackendStreams streams;

  private H2ConnectionCodec(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
      Http2Settings settings, H2Connection owner) {
    super(decoder, encoder, settings);
    this.owner = owner;
    this.streams = owner.streams();
    connection().addListener(new Http2ConnectionAdapter() {
      @Override
      public void onStreamClosed(Http2Stream stream) {
        streams.closed(stream.id());
      }
    });
    connection().remote().flowController().listener(s -> streams.writabilityChanged(s.id()));
  }

  /** A codec for {@code owner}'s connection, which sends {@code settings} first. */
  static H2ConnectionCodec of(H2Connection owner, Http2Settings settings) {
    return new Builder(owner).initialSettings(settings).build();
  }

  // ---- reads

  @Override
  protected BackendStream stream(int id) {
    return streams.get(id);
  }

  @Override
  protected void read(BackendStream s, Http2StreamFrame frame) {
    streams.read(s, frame);
  }

  @Override
  public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {
    // The stream closes right after this.
    BackendStream s = streams.get(streamId);
    if (s != null) {
      s.resetByBackend(errorCode);
    }
  }

  @Override
  public void onSettingsRead(ChannelHandlerContext ctx, Http2Settings settings) {
    owner.settings(settings);
  }

  @Override
  public void onGoAwayRead(ChannelHandlerContext ctx, int lastStreamId, long errorCode,
      ByteBuf debugData) {
    // The streams above lastStreamId close right after this.
    owner.goAway(lastStreamId, errorCode);
  }

  // ---- errors

  @Override
  protected void onStreamError(ChannelHandlerContext ctx, boolean outbound, Throwable cause,
      Http2Exception.StreamException e) {
    streams.streamError(e.streamId(), cause);
    super.onStreamError(ctx, outbound, cause, e);
  }

  @Override
  protected void onConnectionError(ChannelHandlerContext ctx, boolean outbound, Throwable cause,
      Http2Exception e) {
    owner.failed("HTTP/2 error: " + BackendConnections.message(cause));
    super.onConnectionError(ctx, outbound, cause, e);
  }

  /**
   * Netty's handler, on a client's connection state with the byte distributor the client
   * connections use ({@code http2.Http2Server}): RFC 9113 deprecated the priority tree Netty's
   * default distributor keeps, and nobody here sends priorities.
   */
  private static final class Builder
      extends AbstractHttp2ConnectionHandlerBuilder<H2ConnectionCodec, Builder> {
    private final H2Connection owner;

    Builder(H2Connection owner) {
      this.owner = owner;
      // A close does not wait for streams to end: they end with it.
      gracefulShutdownTimeoutMillis(0);
      // Netty limits the resets a server's connection may carry (rapid reset); on a connection
      // to a backend, ballast's own cancels (clients that went away) and a backend's refusals
      // are no attack, and closing the connection for them would fail every stream on it.
      encoderEnforceMaxRstFramesPerWindow(0, 0);
      decoderEnforceMaxRstFramesPerWindow(0, 0);
      DefaultHttp2Connection c = new DefaultHttp2Connection(false);
      c.remote().flowController(new DefaultHttp2RemoteFlowController(c,
          new UniformStreamByteDistributor(c)));
      connection(c);
    }

    @Override
    protected Builder initialSettings(Http2Settings settings) {
      return super.initialSettings(settings);
    }

    @Override
    protected H2ConnectionCodec build() {
      return super.build();
    }

    @Override
    protected H2ConnectionCodec build(Http2ConnectionDecoder decoder,
        Http2ConnectionEncoder encoder, Http2Settings settings) {
      return new H2ConnectionCodec(decoder, encoder, settings, owner);
    }
  }
}
