package io.ballast.proxy.http2;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import java.util.function.Function;

/**
 * A health check's stream to a backend ({@code upstream.h2.BackendStreamCodec}, one per stream
 * channel of Netty's multiplexer) as
 * HTTP/1.1 objects, so that the handlers after it read and write what they read and write on
 * an HTTP/1.1 connection: DATA frames in are body parts ({@link Http2ToHttp1#bodyPart}), HEADERS
 * after the message's head are its trailers, other frames go on as they are; HTTP objects out
 * are frames ({@link StreamFrames}). The message head is the subclass's ({@link #head}).
 * (A client's streams, and the proxy's streams to backends, have no channel and use the same
 * translations directly: {@link ClientStream}, {@code upstream.h2.BackendStream}.)
 *
 * <p>Event-loop only; one per stream.
 */
public abstract class StreamTranslation extends ChannelDuplexHandler {
  private final Function<HttpMessage, Http2Headers> heads;
  /** The message's head was read: later HEADERS are its trailers. */
  private boolean headRead;

  /** {@code heads}: the HEADERS fields of a message head written to the stream. */
  protected StreamTranslation(Function<HttpMessage, Http2Headers> heads) {
    this.heads = heads;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof Http2DataFrame data) {
      ctx.fireChannelRead(Http2ToHttp1.bodyPart(data));
    } else if (msg instanceof Http2HeadersFrame frame) {
      if (headRead) {
        ctx.fireChannelRead(Http2ToHttp1.trailers(frame.headers()));
      } else {
        headRead = head(ctx, frame);
      }
    } else {
      ctx.fireChannelRead(msg);
    }
  }

  /**
   * HEADERS read before the message's head was: passes on what they make. True when they were
   * the head (or ended the stream's use), false for an interim response a head follows.
   */
  protected abstract boolean head(ChannelHandlerContext ctx, Http2HeadersFrame frame);

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    StreamFrames.write(ctx, msg, promise, heads);
  }
}
