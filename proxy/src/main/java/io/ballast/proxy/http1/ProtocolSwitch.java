package io.ballast.proxy.http1;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpRequest;

/**
 * A protocol an HTTP/1.1 connection may switch to at a request's {@code Upgrade} header, other
 * than the WebSocket tunnels the exchange handles (the h2c upgrade to HTTP/2).
 *
 * <p>Event-loop only.
 */
public interface ProtocolSwitch {
  /**
   * Takes {@code request} into a protocol switch when it asks for one that can be made now; the
   * connection then belongs to the new protocol's handlers.
   *
   * @param secure the connection is TLS
   * @return false to serve the request as HTTP/1.1
   */
  boolean upgrade(ChannelHandlerContext ctx, HttpRequest request, boolean secure);
}
