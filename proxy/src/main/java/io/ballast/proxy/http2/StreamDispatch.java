package io.ballast.proxy.http2;

import io.ballast.proxy.tunnel.TunnelSide;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.VoidChannelPromise;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2RemoteFlowController;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.Http2StreamFrame;
import java.util.Collection;

/**
 * The streams of a client's HTTP/2 connection, each a {@link ClientStream} with no channel of
 * its own, and how they write to the connection: the place of Netty's stream multiplexer. Its
 * {@link Http2ServerCodec} calls it with what the client sends.
 *
 * <ul>
 *   <li>A stream the client opens gets its {@link ClientStream} as it becomes active; one that
 *       closes is told and forgotten.
 *   <li>HEADERS and DATA go to their stream; at the end of the connection's read each stream
 *       that read gets its end of read (its body goes to the backend in one flush, its bytes
 *       back to the client's window).
 *   <li>A stream's frames are written through the codec's encoder; a flush goes through the
 *       connection's flush consolidation, so that the responses of many streams are one write.
 * </ul>
 *
 * <p>Writes take a promise that is never failed loudly: a frame that cannot be written belongs
 * to a stream or a connection that is closing, which its close reports.
 *
 * <p>Event-loop only; one per connection, owned by its codec.
 */
final class StreamDispatch {
  private final Http2ServerCodec codec;
  private final Http2ServerConnection connection;
  private final StreamSet<ClientStream> streams = new StreamSet<>("of");
  /** The codec's context: frames are written from there, towards the socket. */
  private ChannelHandlerContext ctx;
  private VoidChannelPromise quiet;
  private Http2ConnectionEncoder encoder;
  private Http2Connection state;
  private Http2RemoteFlowController flow;

  StreamDispatch(Http2ServerCodec codec, Http2ServerConnection connection) {
    this.codec = codec;
    this.connection = connection;
    connection.streams(this);
  }

  /** The codec is in the pipeline, at {@code ctx}. */
  void attach(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    streams.connection(ctx.channel());
    this.quiet = new VoidChannelPromise(ctx.channel(), false);
    this.encoder = codec.encoder();
    this.state = codec.connection();
    this.flow = state.remote().flowController();
  }

  /** The streams open now. */
  int count() {
    return streams.size();
  }

  /** The streams open now, as a live view. */
  Collection<ClientStream> all() {
    return streams.all();
  }

  Channel channel() {
    return ctx.channel();
  }

  // ---- from the codec

  /** The client opened {@code stream}. */
  void opened(Http2Stream stream) {
    int id = stream.id();
    if (!streams.contains(id)) {
      streams.put(id, new ClientStream(this, connection, id, stream));
    }
  }

  ClientStream get(int id) {
    return streams.get(id);
  }

  /** A HEADERS or DATA frame of {@code s}. */
  void read(ClientStream s, Http2StreamFrame frame) {
    streams.read(s, frame);
  }

  /** The end of the connection's read. */
  void readComplete() {
    streams.readComplete();
  }

  /** The stream {@code id} closed. */
  void closed(int id) {
    ClientStream s = streams.remove(id);
    if (s != null) {
      streams.ending(s, s::closed);
    }
  }

  void writabilityChanged(int id) {
    streams.writabilityChanged(id);
  }

  /** The codec found a stream error on {@code s}: the stream answers it. */
  void streamError(ClientStream s, Throwable cause) {
    try {
      s.streamError(cause);
    } catch (RuntimeException e) {
      streams.failed(s, e);
    }
  }

  // ---- for the streams

  /** Writes a frame of the stream {@code id} with no promise to tell. */
  void writeQuietly(int id, Http2StreamFrame frame) {
    write(id, frame, quiet);
  }

  /** Writes and sends a frame of the stream {@code id}; the future tells when it went. */
  ChannelFuture writeAndFlush(int id, Http2StreamFrame frame) {
    ChannelPromise p = ctx.newPromise();
    write(id, frame, p);
    flush();
    return p;
  }

  private void write(int id, Http2StreamFrame frame, ChannelPromise p) {
    codec.write(ctx, id, frame, p);
  }

  /** Sends what was written, with the other streams' writes (the flush consolidation). */
  void flush() {
    connection.flushStreams();
  }

  /** Gives {@code bytes} of {@code stream}'s DATA back to the client's windows. */
  StreamInbox.Window window(Http2Stream stream) {
    return new StreamInbox.Window() {
      @Override
      public void windowUpdate(int bytes) {
        try {
          state.local().flowController().consumeBytes(stream, bytes);
        } catch (Http2Exception e) {
          codec.onError(ctx, true, e);
        }
      }

      @Override
      public void flush() {
        StreamDispatch.this.flush();
      }
    };
  }

  /** Resets the stream {@code id} with {@code error} (it closes as the reset goes). */
  void reset(int id, Http2Error error) {
    // Through the encoder, which counts the resets ballast sends (rapid reset's bound).
    encoder.writeRstStream(ctx, id, error.code(), quiet);
    flush();
  }

  boolean isWritable(Http2Stream stream) {
    return flow.isWritable(stream);
  }

  /** Bytes waiting in the connection's outbound buffer. Safe from any thread. */
  long pending() {
    return TunnelSide.outboundBytes(ctx.channel());
  }
}
