package io.ballast.proxy.http2;

import io.ballast.proxy.http1.ClientSide;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.ReferenceCountUtil;
import java.util.function.Function;

/**
 * A client's HTTP/2 stream as the exchange writes its answer to it ({@link ClientSide}): the
 * HTTP/1.1-shaped messages go out as the stream's HEADERS and DATA frames ({@link StreamFrames})
 * through the connection's pipeline, flushed with the connection; the stream is writable while
 * its flow-control window and the connection take more.
 *
 * <p>One per stream; event-loop only.
 */
final class StreamOut implements ClientSide {
  private static final Function<HttpMessage, Http2Headers> HEADS =
      m -> Http1ToHttp2.response((HttpResponse) m);

  private final StreamDispatch dispatch;
  private final int id;
  private final Http2Stream state;
  private boolean closed;
  /** A frame with END_STREAM was written. */
  private boolean sentEnd;
  /** Reset by {@link #close()}: the writer ended the stream, and ends itself. */
  private boolean cancelled;

  StreamOut(StreamDispatch dispatch, int id, Http2Stream state) {
    this.dispatch = dispatch;
    this.id = id;
    this.state = state;
  }

  /** The stream closed: nothing more is written. */
  void closed() {
    closed = true;
  }

  /** True when both ends of the stream were sent: it closed, or closes as its last frame goes. */
  boolean finished() {
    return sentEnd && !state.state().remoteSideOpen();
  }

  boolean sentEnd() {
    return sentEnd;
  }

  boolean cancelled() {
    return cancelled;
  }

  @Override
  public Channel connection() {
    return dispatch.channel();
  }

  @Override
  public boolean isActive() {
    return !closed;
  }

  @Override
  public boolean isWritable() {
    return !closed && dispatch.isWritable(state);
  }

  @Override
  public void write(Object msg) {
    if (closed || !(msg instanceof HttpObject http)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    Http2StreamFrame[] frames;
    try {
      frames = StreamFrames.frames(http, HEADS);
    } catch (RuntimeException e) {
      // A message HTTP/2 cannot carry (a 1xx with a body): the stream cannot go on.
      ReferenceCountUtil.release(msg);
      close();
      return;
    }
    for (Http2StreamFrame f : frames) {
      write(f);
    }
  }

  /** Writes one frame of the stream (a tunnel's bytes, or its end). */
  void write(Http2StreamFrame f) {
    if (closed) {
      ReferenceCountUtil.release(f);
      return;
    }
    sentEnd |= ends(f);
    dispatch.writeQuietly(id, f);
  }

  private static boolean ends(Http2StreamFrame f) {
    return f instanceof Http2DataFrame d ? d.isEndStream()
        : f instanceof Http2HeadersFrame h && h.isEndStream();
  }

  /**
   * Writes and sends one frame of the stream; the future tells when it went (a frame the
   * stream's window holds back goes when the client opens it).
   */
  ChannelFuture writeAndFlush(Http2StreamFrame f) {
    if (closed) {
      ReferenceCountUtil.release(f);
      return dispatch.channel().newFailedFuture(new IllegalStateException("stream closed"));
    }
    sentEnd |= ends(f);
    return dispatch.writeAndFlush(id, f);
  }

  @Override
  public void flush() {
    dispatch.flush();
  }

  @Override
  public void writeAndFlush(Object msg) {
    write(msg);
    dispatch.flush();
  }

  /**
   * Ends the stream now: reset with CANCEL unless both of its ends were sent (then it closes as
   * its last frame goes). The writer that asks ends itself; the close is not told back to it.
   */
  @Override
  public void close() {
    if (closed || finished()) {
      return;
    }
    cancelled = true;
    dispatch.reset(id, Http2Error.CANCEL);
  }
}
