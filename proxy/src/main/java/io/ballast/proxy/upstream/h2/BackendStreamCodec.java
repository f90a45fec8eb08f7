package io.ballast.proxy.upstream.h2;

import io.ballast.proxy.http2.Http1ToHttp2;
import io.ballast.proxy.http2.Http2ToHttp1;
import io.ballast.proxy.http2.StreamTranslation;
import io.ballast.proxy.upstream.BackendReset;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.util.ReferenceCountUtil;
import java.util.function.Function;

/**
 * The one handler between a health check's stream to an HTTP/2 backend (a channel of Netty's
 * multiplexer: {@link H2Probe}) and the check's reader, which reads and writes HTTP/1.1 objects
 * as on an HTTP/1.1 connection (the proxy's own streams do the same without a channel:
 * {@link BackendStream}):
 * <ul>
 *   <li>the request goes out as HEADERS and DATA frames ({@link Http1ToHttp2#request},
 *       {@link StreamFrames});
 *   <li>the response reads as an HTTP/1.1 decoder gives it ({@link Http2ToHttp1}): a head, body
 *       parts and a last part; a response whose HEADERS end the stream (a 204, an answer to
 *       HEAD, a trailers-only gRPC answer) and a 1xx are a head and an empty last part;
 *   <li>a reset stream, or a GOAWAY that leaves the stream out, becomes a {@link BackendReset}
 *       with the backend's reason, and whether the backend promises it did not process the
 *       request (REFUSED_STREAM, a stream above the GOAWAY's last stream id: RFC 9113, 8.7).
 * </ul>
 *
 * <p>Why not Netty's translation codec: it made a full response and a validating header map for
 * each answer (split again into a head and an end here), added an {@code x-http2-stream-id}
 * field to be removed, and translated each request through a general URI parser; with the
 * client streams' translation the same way, about 6 % of the event loop's samples for a gRPC
 * call through ballast.
 *
 * <p>Event-loop only; one per stream channel.
 */
final class BackendStreamCodec extends StreamTranslation {
  private static final Function<HttpMessage, Http2Headers> PLAIN =
      m -> Http1ToHttp2.request((HttpRequest) m, false);
  private static final Function<HttpMessage, Http2Headers> SECURE =
      m -> Http1ToHttp2.request((HttpRequest) m, true);

  /** {@code secure}: the connection is TLS (the requests' {@code :scheme} is https). */
  BackendStreamCodec(boolean secure) {
    super(secure ? SECURE : PLAIN);
  }

  /** The response's head, or an interim response's. */
  @Override
  protected boolean head(ChannelHandlerContext ctx, Http2HeadersFrame frame) {
    HttpResponse head;
    try {
      head = Http2ToHttp1.response(frame.headers(), frame.isEndStream());
    } catch (Http2Exception e) {
      ctx.fireExceptionCaught(new DecoderException(e));
      return true;
    }
    int code = head.status().code();
    // A 1xx other than 101 is followed by the real head, which reads as a new message.
    boolean interim = code < 200 && code != 101;
    ctx.fireChannelRead(head);
    if (interim || frame.isEndStream()) {
      ctx.fireChannelRead(LastHttpContent.EMPTY_LAST_CONTENT);
    }
    return !interim;
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
