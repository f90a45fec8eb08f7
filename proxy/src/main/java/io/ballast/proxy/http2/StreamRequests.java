package io.ballast.proxy.http2;

import io.ballast.proxy.http1.ServerCodec;
import io.ballast.proxy.http1.StreamOwner;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.HttpConversionUtil.ExtensionHeaderNames;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Gives a stream's request the shape an HTTP/1.1 connection's has: a head, then body parts and
 * a last part, even when HEADERS ended the stream (the translation makes that one whole
 * message, which the exchange does not expect). And takes from it the extension headers the
 * HTTP/2 to HTTP/1.1 translation adds (stream id, scheme): they describe this hop, and a backend
 * must never see them, nor a client's own forged copies of them.
 *
 * <p>A WebSocket over HTTP/2 (RFC 8441: CONNECT with {@code :protocol websocket}) becomes the
 * HTTP/1.1 opening handshake the backend knows (RFC 6455 section 4.1: a GET with
 * {@code Upgrade: websocket} and a fresh {@code Sec-WebSocket-Key}), and the stream's data after
 * it is held here, undecoded, until the backend has answered: after its 101 the bytes belong to
 * the tunnel, which gets them when this handler leaves; after any other answer they are dropped
 * with the stream.
 *
 * <p>One instance per stream; event-loop only.
 */
final class StreamRequests extends ChannelInboundHandlerAdapter {
  private static final String WEBSOCKET = "websocket";

  private final Http2ServerConnection connection;
  /** Tunnel bytes that arrived before the switch; null unless the stream asked for one. */
  private ArrayDeque<ByteBuf> held;
  private boolean heldEnd;

  StreamRequests(Http2ServerConnection connection) {
    this.connection = connection;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (held != null) {
      hold(msg);
      return;
    }
    if (msg instanceof HttpRequest request) {
      HttpHeaders h = request.headers();
      String protocol = h.get(ExtensionHeaderNames.PROTOCOL.text());
      String path = h.get(ExtensionHeaderNames.PATH.text());
      h.remove(ExtensionHeaderNames.STREAM_ID.text());
      h.remove(ExtensionHeaderNames.SCHEME.text());
      h.remove(ExtensionHeaderNames.PATH.text());
      h.remove(ExtensionHeaderNames.STREAM_PROMISE_ID.text());
      h.remove(ExtensionHeaderNames.STREAM_DEPENDENCY_ID.text());
      h.remove(ExtensionHeaderNames.STREAM_WEIGHT.text());
      h.remove(ExtensionHeaderNames.PROTOCOL.text());
      if (HttpMethod.CONNECT.equals(request.method()) && protocol != null) {
        extendedConnect(ctx, request, protocol, path);
        return;
      }
      // Over limits.max_header_count: 431 on this stream, as on HTTP/1.1 (RFC 9113 section
      // 10.5.1); the connection's other streams go on.
      ServerCodec.limitFields(request, connection.maxHeaderCount());
      if (msg instanceof FullHttpRequest full) {
        HttpRequest head = new DefaultHttpRequest(full.protocolVersion(), full.method(),
            full.uri(), full.headers());
        head.setDecoderResult(full.decoderResult());
        ctx.fireChannelRead(head);
        ctx.fireChannelRead(new DefaultLastHttpContent(full.content(), full.trailingHeaders()));
        return;
      }
    }
    ctx.fireChannelRead(msg);
  }

  /**
   * RFC 8441's extended CONNECT: a WebSocket becomes the HTTP/1.1 handshake (and the stream
   * holds its data); another protocol is refused as one ballast does not carry.
   */
  private void extendedConnect(ChannelHandlerContext ctx, HttpRequest request, String protocol,
      String path) {
    if (!WEBSOCKET.equalsIgnoreCase(protocol) || path == null || path.isEmpty()) {
      ReferenceCountUtil.release(request);
      // RFC 8441 section 4: a protocol the server does not support is refused; the stream is
      // reset rather than answered, as nothing of it can be routed.
      reset(ctx, Http2Error.REFUSED_STREAM);
      return;
    }
    HttpHeaders h = request.headers();
    h.remove(HttpHeaderNames.TRANSFER_ENCODING);
    h.remove(HttpHeaderNames.CONTENT_LENGTH);
    h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
    h.set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
    byte[] key = new byte[16];
    ThreadLocalRandom.current().nextBytes(key);
    h.set(HttpHeaderNames.SEC_WEBSOCKET_KEY, Base64.getEncoder().encodeToString(key));
    if (!h.contains(HttpHeaderNames.SEC_WEBSOCKET_VERSION)) {
      h.set(HttpHeaderNames.SEC_WEBSOCKET_VERSION, "13");
    }
    HttpRequest get = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path, h);
    ReferenceCountUtil.release(request);
    held = new ArrayDeque<>(4);
    ctx.channel().attr(StreamOwner.EXTENDED_CONNECT).set(Boolean.TRUE);
    ctx.fireChannelRead(get);
    ctx.fireChannelRead(LastHttpContent.EMPTY_LAST_CONTENT);
  }

  private void hold(Object msg) {
    if (msg instanceof HttpContent content) {
      if (content.content().isReadable()) {
        held.add(content.content().retain());
      }
      heldEnd |= msg instanceof LastHttpContent;
    }
    ReferenceCountUtil.release(msg);
  }

  /** The stream became a tunnel: what it held goes on to the tunnel's endpoint. */
  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    ArrayDeque<ByteBuf> h = held;
    if (h == null) {
      return;
    }
    held = null;
    boolean deliver = ctx.channel().isActive();
    ByteBuf b;
    while ((b = h.poll()) != null) {
      if (deliver) {
        ctx.fireChannelRead(b);
      } else {
        b.release();
      }
    }
    if (deliver && heldEnd) {
      ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    ArrayDeque<ByteBuf> h = held;
    if (h != null) {
      ByteBuf b;
      while ((b = h.poll()) != null) {
        b.release();
      }
    }
    ctx.fireChannelInactive();
  }

  /**
   * A stream whose frames do not translate to an HTTP request (a connection-specific header, a
   * pseudo-header out of place) is malformed: RST_STREAM(PROTOCOL_ERROR), RFC 9113 section
   * 8.1.1; the connection goes on. Errors of the stream's I/O go on to the client handler.
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
}
