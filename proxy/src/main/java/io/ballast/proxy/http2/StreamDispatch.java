package io.ballast.proxy.http2;

import io.ballast.proxy.tunnel.TunnelSide;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.VoidChannelPromise;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2FrameStreamEvent;
import io.netty.handler.codec.http2.Http2FrameStreamException;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2RemoteFlowController;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.ReferenceCountUtil;
import java.util.Collection;

/**
 * Hands the frames of a client's HTTP/2 connection to its streams, each a {@link ClientStream}
 * with no channel of its own, and writes the streams' frames to the connection: the place of
 * Netty's stream multiplexer.
 *
 * <ul>
 *   <li>A stream the client opens (the frame codec's state event) gets its {@link ClientStream};
 *       one that closes is told and forgotten.
 *   <li>HEADERS and DATA go to their stream; at the end of the connection's read each stream
 *       that read gets its end of read (its body goes to the backend in one flush, its bytes
 *       back to the client's window). RST_STREAM, WINDOW_UPDATE and PRIORITY are the codec's
 *       business (a reset closes the stream, which the stream hears as its close).
 *   <li>A stream error the codec raises goes to its stream; the connection's own frames
 *       (SETTINGS, PING, GOAWAY) and events go on to {@link Http2ServerConnection}.
 * </ul>
 *
 * <p>Writes take a promise that is never failed loudly: a frame that cannot be written belongs
 * to a stream or a connection that is closing, which its close reports.
 *
 * <p>Event-loop only; one per connection, after the frame codec (and the flush consolidation).
 */
final class StreamDispatch extends ChannelInboundHandlerAdapter implements StreamInbox.Window {
  private final Http2FrameCodec codec;
  private final Http2ServerConnection connection;
  private final StreamSet<ClientStream> streams = new StreamSet<>("of");
  private ChannelHandlerContext ctx;
  private VoidChannelPromise quiet;
  private Http2RemoteFlowController flow;

  StreamDispatch(Http2FrameCodec codec, Http2ServerConnection connection) {
    this.codec = codec;
    this.connection = connection;
    connection.streams(this);
  }

  /** The streams open now. */
  int count() {
    return streams.size();
  }

  /** The streams open now, as a live view. */
  Collection<ClientStream> all() {
    return streams.all();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    streams.connection(ctx.channel());
    this.quiet = new VoidChannelPromise(ctx.channel(), false);
    this.flow = codec.connection().remote().flowController();
  }

  Channel channel() {
    return ctx.channel();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (!(evt instanceof Http2FrameStreamEvent e)) {
      ctx.fireUserEventTriggered(evt);
      return;
    }
    Http2FrameStream fs = e.stream();
    int id = fs.id();
    if (e.type() == Http2FrameStreamEvent.Type.Writability) {
      streams.writabilityChanged(id);
      return;
    }
    switch (fs.state()) {
      case OPEN, HALF_CLOSED_REMOTE -> {
        if (!streams.contains(id)) {
          Http2Stream h2 = codec.connection().stream(id);
          if (h2 != null) {
            streams.put(id, new ClientStream(this, connection, fs, h2));
          }
        }
      }
      case CLOSED -> {
        ClientStream s = streams.remove(id);
        if (s != null) {
          streams.ending(s, s::closed);
        }
      }
      default -> { }
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof Http2StreamFrame frame)) {
      ctx.fireChannelRead(msg);
      return;
    }
    ClientStream s = frame instanceof Http2HeadersFrame || frame instanceof Http2DataFrame
        ? streams.get(frame.stream().id()) : null;
    if (s == null) {
      ReferenceCountUtil.release(msg);
      return;
    }
    streams.read(s, frame);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    // The codec flushes after this returns: what the streams write now goes out with it.
    streams.readComplete();
    ctx.fireChannelReadComplete();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof Http2FrameStreamException e) {
      ClientStream s = streams.get(e.stream().id());
      if (s != null) {
        s.streamError(e);
      } else {
        reset(e.stream(), e.error());
      }
      return;
    }
    ctx.fireExceptionCaught(cause);
  }

  // ---- for the streams

  @Override
  public void writeQuietly(Http2StreamFrame frame) {
    ctx.write(frame, quiet);
  }

  ChannelFuture writeAndFlush(Http2StreamFrame frame) {
    return ctx.writeAndFlush(frame);
  }

  @Override
  public void flush() {
    ctx.flush();
  }


  /** Resets {@code stream} with {@code error} (the codec closes it as the frame goes). */
  void reset(Http2FrameStream stream, Http2Error error) {
    ctx.writeAndFlush(new DefaultHttp2ResetFrame(error).stream(stream), quiet);
  }

  boolean isWritable(Http2Stream stream) {
    return flow.isWritable(stream);
  }

  /** Bytes waiting in the connection's outbound buffer. Safe from any thread. */
  long pending() {
    return TunnelSide.outboundBytes(ctx.channel());
  }
}
