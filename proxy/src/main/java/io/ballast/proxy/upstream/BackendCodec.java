package io.ballast.proxy.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import java.util.ArrayDeque;
import java.util.List;

/**
 * The backend-side HTTP/1.1 codec: a request encoder and a response decoder that pair each
 * response with the request it answers (Netty's {@code HttpClientCodec} pairing, so that the
 * answer to a HEAD has no body), plus what a proxy needs to keep a shared backend connection
 * honest:
 * <ul>
 *   <li>A final response that arrives when no request is waiting for one is <em>unsolicited</em>:
 *       it is marked failed ({@link #UNSOLICITED}), so that nobody relays it and its connection
 *       closes. Bytes after a complete response (a second response nobody asked for, a body on a
 *       204 or 304, the body of a HEAD answer) decode as exactly that.
 *   <li>{@link #leftover()}: bytes received but not decoded yet. A connection whose response is
 *       complete goes back to the pool only with none: the start of something it was not asked
 *       for would otherwise be read as the answer to the next request.
 *   <li>1xx responses do not consume a request: the final answer still follows.
 * </ul>
 *
 * <p>One instance per backend channel; event-loop only.
 */
public final class BackendCodec
    extends CombinedChannelDuplexHandler<BackendCodec.ResponseDecoder, BackendCodec.RequestEncoder> {

  /** The failure an unsolicited response is marked with. */
  static final IllegalStateException UNSOLICITED =
      new IllegalStateException("response to no request") {
        @Override
        public synchronized Throwable fillInStackTrace() {
          return this;
        }
      };

  /** Methods of the requests sent whose final response has not begun, oldest first. */
  private final ArrayDeque<HttpMethod> waiting = new ArrayDeque<>(2);

  BackendCodec(HttpDecoderConfig config) {
    init(new ResponseDecoder(config), new RequestEncoder());
  }

  /** Bytes received and not decoded yet (part of a message head, a body's next chunk). */
  int leftover() {
    return inboundHandler().leftover();
  }

  /** Response decoder that knows which request each response answers. */
  final class ResponseDecoder extends HttpResponseDecoder {
    private boolean unsolicited;

    ResponseDecoder(HttpDecoderConfig config) {
      super(config);
    }

    int leftover() {
      return actualReadableBytes();
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out)
        throws Exception {
      int before = out.size();
      super.decode(ctx, buffer, out);
      for (int i = before; i < out.size(); i++) {
        if (unsolicited && out.get(i) instanceof HttpResponse r) {
          unsolicited = false;
          r.setDecoderResult(DecoderResult.failure(UNSOLICITED));
        }
      }
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpMessage msg) {
      HttpResponse r = (HttpResponse) msg;
      int code = r.status().code();
      if (code >= 100 && code < 200 && code != 101) {
        // An interim answer: the request still waits for its final one.
        return super.isContentAlwaysEmpty(msg);
      }
      HttpMethod method = waiting.poll();
      if (method == null) {
        unsolicited = true;
        // Read nothing as its body: the connection is closed for it anyway.
        return true;
      }
      return HttpMethod.HEAD.equals(method) || super.isContentAlwaysEmpty(msg);
    }
  }

  /** Request encoder that remembers each request's method for its response. */
  final class RequestEncoder extends HttpRequestEncoder {
    @Override
    protected void encode(ChannelHandlerContext ctx, Object msg, List<Object> out)
        throws Exception {
      if (msg instanceof HttpRequest request) {
        waiting.add(request.method());
      }
      super.encode(ctx, msg, out);
    }
  }
}
