package io.ballast.proxy.upstream.h2;

import io.ballast.proxy.upstream.BackendReset;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.ReferenceCountUtil;

/**
 * Makes a stream's responses read like an HTTP/1.1 connection's, after the frame-to-HTTP codec,
 * so that the relay's handlers work on a stream unchanged:
 * <ul>
 *   <li>a response whose HEADERS end the stream (a 204, an answer to HEAD, a 1xx) comes from the
 *       codec as one full message; it goes on as a head and a last content, the two messages
 *       an HTTP/1.1 decoder gives;
 *   <li>the codec's {@code x-http2-stream-id} field is dropped: it is not the backend's;
 *   <li>a reset stream, or a GOAWAY that leaves the stream out, becomes a {@link BackendReset}
 *       with the backend's reason, and whether the backend promises it did not process the
 *       request (REFUSED_STREAM, a stream above the GOAWAY's last stream id: RFC 9113, 8.7).
 * </ul>
 *
 * <p>Event-loop only; one per stream channel.
 */
public final class StreamAdapter extends ChannelInboundHandlerAdapter {
  private static final String STREAM_ID = HttpConversionUtil.ExtensionHeaderNames.STREAM_ID.text()
      .toString();

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpResponse r) {
      r.headers().remove(STREAM_ID);
      if (msg instanceof FullHttpResponse full) {
        HttpResponse head = new DefaultHttpResponse(full.protocolVersion(), full.status(),
            full.headers());
        DefaultLastHttpContent end = new DefaultLastHttpContent(full.content());
        end.trailingHeaders().set(full.trailingHeaders());
        ctx.fireChannelRead(head);
        ctx.fireChannelRead(end);
        return;
      }
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof Http2ResetFrame reset) {
      Http2Error error = Http2Error.valueOf(reset.errorCode());
      ctx.fireUserEventTriggered(new BackendReset("backend reset the stream ("
          + (error == null ? "error " + reset.errorCode() : error.name()) + ")",
          error == Http2Error.REFUSED_STREAM));
    } else if (evt instanceof Http2GoAwayFrame goAway) {
      // Told only to the streams above the last stream id: the backend did not take them.
      ctx.fireUserEventTriggered(new BackendReset("backend sent GOAWAY (last stream "
          + goAway.lastStreamId() + ") before taking the request", true));
      ReferenceCountUtil.release(evt);
    } else {
      ctx.fireUserEventTriggered(evt);
    }
  }
}
