package io.ballast.proxy.http2;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Flags;
import io.netty.handler.codec.http2.Http2FrameListener;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * Netty's HTTP/2 connection handler (frames, HPACK, stream states, flow control, SETTINGS and
 * PING acknowledged) driven as grpc-java drives it: the frames a connection reads go to its
 * streams as calls, not as frame objects and events through the pipeline, and the streams'
 * frames are written through its encoder. The base of both sides' codecs (a client's connection,
 * {@link Http2ServerCodec}; a connection to a backend, {@code upstream.h2.H2ConnectionCodec}).
 *
 * <ul>
 *   <li>A stream's HEADERS and DATA go to the stream ballast serves by that id ({@link #read});
 *       a DATA frame of a stream ballast does not know (one that ended) is consumed here, its
 *       bytes back to the peer's window at once. A served stream's DATA goes back to the window
 *       when the stream took it ({@link StreamInbox}).
 *   <li>Every other frame is Netty's business unless a subclass listens to it.
 * </ul>
 *
 * <p>Event-loop only; one per connection.
 */
public abstract class StreamCodec<S extends StreamSet.Member> extends Http2ConnectionHandler
    implements Http2FrameListener {

  protected StreamCodec(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
      Http2Settings settings) {
    super(decoder, encoder, settings);
    decoder.frameListener(this);
  }

  /** The stream ballast serves with this id, or null. */
  protected abstract S stream(int id);

  /** A HEADERS or DATA frame of {@code s}, which takes it over. */
  protected abstract void read(S s, Http2StreamFrame frame);

  /** Writes a HEADERS or DATA frame of the open stream {@code id} at {@code ctx}. */
  public final ChannelFuture write(ChannelHandlerContext ctx, int id, Http2StreamFrame frame,
      ChannelPromise p) {
    Http2ConnectionEncoder encoder = encoder();
    if (frame instanceof Http2DataFrame d) {
      return encoder.writeData(ctx, id, d.content(), d.padding(), d.isEndStream(), p);
    }
    if (frame instanceof Http2HeadersFrame h) {
      return encoder.writeHeaders(ctx, id, h.headers(), h.padding(), h.isEndStream(), p);
    }
    ReferenceCountUtil.release(frame);
    return p.setFailure(new IllegalArgumentException("not a frame a stream writes: "
        + frame.name()));
  }

  @Override
  public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding,
      boolean endOfStream) {
    S s = stream(streamId);
    if (s == null) {
      return data.readableBytes() + padding;
    }
    read(s, new DefaultHttp2DataFrame(data.retain(), endOfStream, padding));
    return 0;
  }

  @Override
  public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers,
      int padding, boolean endOfStream) {
    S s = stream(streamId);
    if (s != null) {
      read(s, new DefaultHttp2HeadersFrame(headers, endOfStream, padding));
    }
  }

  @Override
  public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers,
      int streamDependency, short weight, boolean exclusive, int padding, boolean endOfStream) {
    onHeadersRead(ctx, streamId, headers, padding, endOfStream);
  }

  @Override
  public void onPriorityRead(ChannelHandlerContext ctx, int streamId, int streamDependency,
      short weight, boolean exclusive) {}

  @Override
  public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {}

  @Override
  public void onSettingsAckRead(ChannelHandlerContext ctx) {}

  @Override
  public void onSettingsRead(ChannelHandlerContext ctx, Http2Settings settings) {}

  @Override
  public void onPingRead(ChannelHandlerContext ctx, long data) {}

  @Override
  public void onPingAckRead(ChannelHandlerContext ctx, long data) {}

  @Override
  public void onPushPromiseRead(ChannelHandlerContext ctx, int streamId, int promisedStreamId,
      Http2Headers headers, int padding) {}

  @Override
  public void onGoAwayRead(ChannelHandlerContext ctx, int lastStreamId, long errorCode,
      ByteBuf debugData) {}

  @Override
  public void onWindowUpdateRead(ChannelHandlerContext ctx, int streamId,
      int windowSizeIncrement) {}

  @Override
  public void onUnknownFrame(ChannelHandlerContext ctx, byte frameType, int streamId,
      Http2Flags flags, ByteBuf payload) {}
}
