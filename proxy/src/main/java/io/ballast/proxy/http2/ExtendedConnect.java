package io.ballast.proxy.http2;

import io.netty.buffer.ByteBuf;
import io.ballast.proxy.tunnel.TunnelInput;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket over HTTP/2 (RFC 8441: CONNECT with {@code :protocol websocket}) on its way to an
 * HTTP/1.1 backend: the request becomes the opening handshake the backend knows (RFC 6455
 * section 4.1: a GET with {@code Upgrade: websocket} and a fresh {@code Sec-WebSocket-Key}), and
 * the stream's data after it is held here, undecoded, until the backend has answered: after its
 * 101 the bytes belong to the tunnel ({@link #deliver}); after any other answer they are dropped
 * with the stream ({@link #release}).
 *
 * <p>One per stream that asks for a tunnel; event-loop only.
 */
final class ExtendedConnect {
  private static final String WEBSOCKET = "websocket";

  private final ArrayDeque<ByteBuf> held = new ArrayDeque<>(4);
  private boolean heldEnd;

  /** True when {@code h} is an extended CONNECT (it names a {@code :protocol}). */
  static boolean requested(Http2Headers h) {
    return HttpMethod.CONNECT.asciiName().contentEquals(h.method())
        && h.get(Http2Headers.PseudoHeaderName.PROTOCOL.value()) != null;
  }

  /**
   * True when ballast carries the protocol {@code h} asks for: a WebSocket, to a path. RFC 8441
   * section 4: any other is refused (the stream is reset: nothing of it can be routed).
   */
  static boolean supported(Http2Headers h) {
    CharSequence protocol = h.get(Http2Headers.PseudoHeaderName.PROTOCOL.value());
    CharSequence path = h.path();
    return protocol != null && WEBSOCKET.equalsIgnoreCase(protocol.toString())
        && path != null && path.length() > 0;
  }

  /** The HTTP/1.1 opening handshake for {@code connect}, the stream's request as translated. */
  static HttpRequest handshake(HttpRequest connect) {
    HttpHeaders h = connect.headers();
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
    return new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, connect.uri(), h);
  }

  /** A frame of the stream read before the switch: its bytes wait; {@code msg} is released. */
  void hold(Object msg) {
    if (msg instanceof Http2DataFrame data) {
      if (data.content().isReadable()) {
        held.add(data.content().retain());
      }
      heldEnd |= data.isEndStream();
    } else if (msg instanceof Http2HeadersFrame trailers) {
      heldEnd |= trailers.isEndStream();
    }
    ReferenceCountUtil.release(msg);
  }

  /** The stream became a tunnel: what it held goes to {@code tunnel}, with its end if it came. */
  void deliver(TunnelInput tunnel) {
    ByteBuf b;
    while ((b = held.poll()) != null) {
      tunnel.read(b);
    }
    if (heldEnd) {
      tunnel.inputEnded();
    }
  }

  /** The stream ended without a tunnel: the held bytes are dropped. */
  void release() {
    ByteBuf b;
    while ((b = held.poll()) != null) {
      b.release();
    }
  }
}
