package io.ballast.proxy.http2;

import io.ballast.proxy.http1.ClientHandler;
import io.ballast.proxy.http1.ServerCodec;
import io.ballast.proxy.http1.StreamOwner;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;

/**
 * The one handler between a stream's frames and its {@link ClientHandler}: the stream's request
 * reads like an HTTP/1.1 connection's (a head, body parts, a last part: {@link Http2ToHttp1}),
 * and the response the exchange writes goes out as HEADERS and DATA frames
 * ({@link Http1ToHttp2}; the parts both ends of ballast share are {@link StreamTranslation}'s).
 * It also
 * <ul>
 *   <li>resets a stream whose {@code :path} has a control, space or non-ASCII character (RFC
 *       9113 section 8.3.1 wants the target's path and query; ballast would refuse it anyway),
 *       and one whose request is malformed, with PROTOCOL_ERROR (section 8.1.1); the connection
 *       goes on;
 *   <li>turns a WebSocket's extended CONNECT into the HTTP/1.1 handshake and holds the stream's
 *       data until the backend answers ({@link ExtendedConnect}); it leaves the pipeline for a
 *       {@link StreamBytes} when the tunnel opens, handing the held bytes on;
 *   <li>notes when the stream last moved (a frame from the client, or room regained to write
 *       the response), for {@link Http2ServerConnection}'s stall check ({@link #stalledFor}).
 * </ul>
 *
 * <p>Why one handler: each stream builds its pipeline when it opens, and each handler in it is
 * a context to allocate and a hop for every message. The four it replaces (a path guard,
 * Netty's frame-to-HTTP translation, the request shaping, the progress clock) took about 9 % of
 * the event loop's samples under h2load in their construction, hops and translations; with this
 * handler and the direct translations a request costs 12 % less CPU (h2load, interleaved A/B
 * rounds; docs/benchmarks.md).
 *
 * <p>One instance per stream; event-loop only.
 */
final class StreamCodec extends StreamTranslation {
  private final Http2ServerConnection connection;
  /** Set when the stream asked for a WebSocket: its data waits for the backend's answer. */
  private ExtendedConnect tunnel;
  private long movedNanos = System.nanoTime();

  StreamCodec(Http2ServerConnection connection) {
    super(m -> Http1ToHttp2.response((HttpResponse) m));
    this.connection = connection;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    movedNanos = System.nanoTime();
    if (tunnel != null) {
      tunnel.hold(msg);
    } else {
      super.channelRead(ctx, msg);
    }
  }

  /** The request's head: it is translated, or the stream reset. */
  @Override
  protected boolean head(ChannelHandlerContext ctx, Http2HeadersFrame frame) {
    Http2Headers h = frame.headers();
    if (!visibleAscii(h.path())) {
      reset(ctx, Http2Error.PROTOCOL_ERROR);
      return true;
    }
    boolean extended = ExtendedConnect.requested(h);
    HttpRequest request;
    try {
      if (extended && h.authority() == null) {
        throw new Http2ToHttp1.Malformed("extended CONNECT without :authority");
      }
      request = Http2ToHttp1.request(h, frame.isEndStream());
    } catch (Http2ToHttp1.Malformed | IllegalArgumentException e) {
      reset(ctx, Http2Error.PROTOCOL_ERROR);
      return true;
    }
    if (extended) {
      if (!ExtendedConnect.supported(h)) {
        reset(ctx, Http2Error.REFUSED_STREAM);
        return true;
      }
      tunnel = new ExtendedConnect();
      ctx.channel().attr(StreamOwner.EXTENDED_CONNECT).set(Boolean.TRUE);
      ctx.fireChannelRead(ExtendedConnect.handshake(request));
      ctx.fireChannelRead(LastHttpContent.EMPTY_LAST_CONTENT);
      return true;
    }
    // Over limits.max_header_count: 431 on this stream, as on HTTP/1.1 (RFC 9113 section
    // 10.5.1); the connection's other streams go on.
    ServerCodec.limitFields(request, connection.maxHeaderCount());
    ctx.fireChannelRead(request);
    if (frame.isEndStream()) {
      ctx.fireChannelRead(LastHttpContent.EMPTY_LAST_CONTENT);
    }
    return true;
  }

  /** True for no path (trailers, CONNECT) and for one of 0x21..0x7E only. */
  static boolean visibleAscii(CharSequence path) {
    if (path == null) {
      return true;
    }
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c <= ' ' || c >= 0x7f) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable()) {
      movedNanos = System.nanoTime();
    }
    ctx.fireChannelWritabilityChanged();
  }

  /** The stream became a tunnel: what it held goes on to the tunnel's endpoint. */
  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    ExtendedConnect t = tunnel;
    if (t == null) {
      return;
    }
    tunnel = null;
    if (ctx.channel().isActive()) {
      t.deliver(ctx);
    } else {
      t.release();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (tunnel != null) {
      tunnel.release();
    }
    ctx.fireChannelInactive();
  }

  /**
   * A stream error the frame codec raised on this stream is a malformed request: reset it,
   * as above. Errors of the stream's I/O go on to the client handler.
   */
  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof DecoderException || cause instanceof Http2Exception
        || cause instanceof IllegalArgumentException) {
      reset(ctx, Http2Error.PROTOCOL_ERROR);
      return;
    }
    ctx.fireExceptionCaught(cause);
  }

  private void reset(ChannelHandlerContext ctx, Http2Error error) {
    connection.observe(false, error);
    ctx.writeAndFlush(new DefaultHttp2ResetFrame(error)).addListener(ChannelFutureListener.CLOSE);
  }

  /**
   * How long the stream of {@code handler} has been stuck on its client at {@code now}; 0 while
   * it moves, waits on a backend, or serves no request (a tunnel times itself).
   */
  static long stalledFor(ClientHandler handler, long now) {
    if (!handler.serving()) {
      return 0;
    }
    StreamCodec c = handler.context().pipeline().get(StreamCodec.class);
    boolean stuck = handler.waitingOnClient() || !handler.context().channel().isWritable();
    return c == null || !stuck ? 0 : now - c.movedNanos;
  }
}
