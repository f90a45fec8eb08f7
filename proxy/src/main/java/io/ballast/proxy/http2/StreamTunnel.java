package io.ballast.proxy.http2;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/**
 * Makes an HTTP/2 stream whose WebSocket handshake the backend took (RFC 8441) a byte pipe for
 * its tunnel:
 * <ol>
 *   <li>the client gets 200 with the backend's WebSocket fields (subprotocol, extensions) and no
 *       END_STREAM: on HTTP/2 a 2xx to an extended CONNECT is the switch, and the 101's
 *       connection fields and {@code Sec-WebSocket-Accept} (the answer to the key ballast made
 *       up for the backend) have no place in it;
 *   <li>the tunnel's endpoint goes in front of the stream's client handler, and a
 *       {@link StreamBytes} takes the place of the {@link StreamCodec}, which hands on as it
 *       leaves the bytes the client sent early: they reach the endpoint.
 * </ol>
 *
 * <p>Event-loop only (the stream's).
 */
final class StreamTunnel {
  private StreamTunnel() {}

  static void open(ChannelHandlerContext handler, HttpResponse upgrade, ChannelHandler endpoint) {
    HttpHeaders h = upgrade.headers();
    h.remove(HttpHeaderNames.CONNECTION);
    h.remove(HttpHeaderNames.UPGRADE);
    h.remove(HttpHeaderNames.SEC_WEBSOCKET_ACCEPT);
    h.remove(HttpHeaderNames.CONTENT_LENGTH);
    h.remove(HttpHeaderNames.TRANSFER_ENCODING);
    handler.writeAndFlush(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, h));
    ChannelPipeline p = handler.pipeline();
    p.addBefore(handler.name(), "tunnel", endpoint);
    p.addBefore(p.context(StreamCodec.class).name(), "stream-bytes", new StreamBytes());
    p.remove(StreamCodec.class);
  }
}
