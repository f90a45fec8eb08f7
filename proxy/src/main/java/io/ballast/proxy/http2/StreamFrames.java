package io.ballast.proxy.http2;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.EncoderException;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.PromiseCombiner;
import java.util.function.Function;

/**
 * Writes the HTTP/1.1-shaped messages of a stream (a response to a client, a request to a
 * backend) as the stream's HEADERS and DATA frames, as Netty's translation codec does: a 1xx
 * response is HEADERS alone; a head and its end in one message are HEADERS that end the stream
 * when nothing follows, else HEADERS, DATA and trailing HEADERS as there are; a body part is
 * DATA; a last part is DATA that ends the stream (empty if need be), or trailing HEADERS.
 *
 * <p>Stateless and thread-safe; called on the stream's event loop.
 */
public final class StreamFrames {
  private StreamFrames() {}

  /**
   * Writes {@code msg}'s frames to {@code ctx} with {@code promise} when it is an HTTP object
   * ({@code heads} gives the HEADERS fields of a message head), else {@code msg} itself (a
   * frame already). The frames take {@code msg} over (its body goes into their DATA; what no
   * frame carries is released).
   */
  public static void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise,
      Function<HttpMessage, Http2Headers> heads) {
    if (!(msg instanceof HttpObject http)) {
      ctx.write(msg, promise);
      return;
    }
    Http2StreamFrame[] frames;
    try {
      frames = frames(http, heads);
    } catch (RuntimeException e) {
      ReferenceCountUtil.release(msg);
      promise.setFailure(e);
      return;
    }
    if (frames.length == 1 || promise.isVoid()) {
      for (int i = 0; i < frames.length - 1; i++) {
        ctx.write(frames[i], ctx.voidPromise());
      }
      ctx.write(frames[frames.length - 1], promise);
      return;
    }
    PromiseCombiner all = new PromiseCombiner(ctx.executor());
    for (Http2StreamFrame f : frames) {
      all.add(ctx.write(f));
    }
    all.finish(promise);
  }

  /** The frames of {@code msg}, which they take over (see {@link #write}). */
  public static Http2StreamFrame[] frames(HttpObject msg,
      Function<HttpMessage, Http2Headers> heads) {
    if (msg instanceof HttpMessage message) {
      if (msg instanceof HttpResponse response
          && response.status().codeClass() == HttpStatusClass.INFORMATIONAL
          && response.status().code() != 101) {
        if (!(msg instanceof FullHttpResponse)) {
          throw new EncoderException(response.status() + " must be a FullHttpResponse");
        }
        Http2Headers head = heads.apply(message);
        ReferenceCountUtil.release(msg);
        return new Http2StreamFrame[] {new DefaultHttp2HeadersFrame(head, false)};
      }
      Http2Headers head = heads.apply(message);
      if (!(msg instanceof LastHttpContent last)) {
        return new Http2StreamFrame[] {new DefaultHttp2HeadersFrame(head, false)};
      }
      if (!last.content().isReadable() && last.trailingHeaders().isEmpty()) {
        last.release();
        return new Http2StreamFrame[] {new DefaultHttp2HeadersFrame(head, true)};
      }
      return end(new DefaultHttp2HeadersFrame(head, false), last, false);
    }
    if (msg instanceof LastHttpContent last) {
      return end(null, last, true);
    }
    return new Http2StreamFrame[] {
        new DefaultHttp2DataFrame(((HttpContent) msg).content(), false)};
  }

  /**
   * A body's end, after {@code head} when there is one: its bytes, or an empty DATA frame that
   * ends the stream ({@code filler}) when it has neither bytes nor trailers; then its trailers.
   */
  private static Http2StreamFrame[] end(Http2StreamFrame head, LastHttpContent last,
      boolean filler) {
    boolean trailers = !last.trailingHeaders().isEmpty();
    Http2StreamFrame data = null;
    if (last.content().isReadable() || filler && !trailers) {
      data = new DefaultHttp2DataFrame(last.content(), !trailers);
    }
    Http2StreamFrame tail = trailers
        ? new DefaultHttp2HeadersFrame(Http1ToHttp2.trailers(last.trailingHeaders()), true)
        : null;
    if (data == null) {
      last.release();
    }
    int n = (head != null ? 1 : 0) + (data != null ? 1 : 0) + (tail != null ? 1 : 0);
    Http2StreamFrame[] out = new Http2StreamFrame[n];
    int i = 0;
    if (head != null) {
      out[i++] = head;
    }
    if (data != null) {
      out[i++] = data;
    }
    if (tail != null) {
      out[i] = tail;
    }
    return out;
  }
}
