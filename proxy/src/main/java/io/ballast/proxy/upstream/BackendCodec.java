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
 *   <li>{@link #unsolicitedBytes()}: whether any byte came that no request asked for: after the
 *       end of the last response (in the same read or a later one) and before the next request.
 *       A connection with such bytes never goes back to the pool: even a few bytes that make no
 *       message yet (the start of a head, or a whole status line, which the decoder consumes
 *       without a word) would be read as the start of the next request's answer.
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
  /** No request is waiting for a response: the last one ended, or none was sent yet. */
  private boolean idle = true;
  /** A byte came while {@link #idle}. */
  private boolean unsolicitedBytes;

  BackendCodec(HttpDecoderConfig config) {
    init(new ResponseDecoder(config), new RequestEncoder());
  }

  /**
   * The response in progress ended (its last content was read). From now until the next request
   * every byte from the backend is one nobody asked for, those still undecoded in this read
   * included.
   */
  void responseEnded() {
    idle = true;
    unsolicitedBytes |= inboundHandler().leftover() > 0;
  }

  /** True once a byte came while no request was waiting ({@link #responseEnded()}); sticky. */
  boolean unsolicitedBytes() {
    return unsolicitedBytes;
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
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
      if (idle && msg instanceof ByteBuf b && b.isReadable()) {
        unsolicitedBytes = true;
      }
      super.channelRead(ctx, msg);
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
      // A 101 has no body: what follows it is the new protocol's (Netty would read a body
      // after a 101 without Sec-WebSocket-Accept, for the draft-76 handshake).
      return code == 101 || HttpMethod.HEAD.equals(method) || super.isContentAlwaysEmpty(msg);
    }
  }

  /** Request encoder that remembers each request's method for its response. */
  final class RequestEncoder extends HttpRequestEncoder {
    @Override
    protected void encode(ChannelHandlerContext ctx, Object msg, List<Object> out)
        throws Exception {
      if (msg instanceof HttpRequest request) {
        waiting.add(request.method());
        idle = false;
      }
      super.encode(ctx, msg, out);
    }
  }
}
