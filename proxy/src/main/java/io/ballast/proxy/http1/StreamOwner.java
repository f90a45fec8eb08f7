package io.ballast.proxy.http1;

import io.ballast.proxy.client.ClientAddress;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.AttributeKey;

/**
 * The connection of HTTP/2 streams, as the {@link ClientHandler} of each stream sees it: told
 * when a stream opens and closes, so that it can drain, time out and account for the
 * connection as a whole; and the one that makes a stream a tunnel.
 *
 * <p>Event-loop only.
 */
public interface StreamOwner {
  /**
   * Set on an HTTP/2 stream's channel whose request is a WebSocket handshake (RFC 8441's
   * extended CONNECT, translated to the HTTP/1.1 handshake for the backend).
   */
  AttributeKey<Boolean> EXTENDED_CONNECT = AttributeKey.valueOf("ballast.extendedConnect");

  /** True when {@code stream}'s request is a WebSocket handshake ({@link #EXTENDED_CONNECT}). */
  boolean extendedConnect(ChannelHandlerContext stream);

  /** The client's address: the same for every stream of the connection, made once. */
  ClientAddress address();

  /** The response deadlines of the connection's streams (one queued task for them all). */
  Deadlines deadlines();

  void streamOpened(ClientHandler stream);

  void streamClosed(ClientHandler stream);

  /**
   * The stream's response went out whole before its request did (a refusal, or a backend that
   * answered early): the client is asked to stop sending with RST_STREAM(NO_ERROR), which RFC 9113
   * section 8.1 forbids it to take as a reason to discard the response, and the stream closes.
   */
  void answeredEarly(ChannelHandlerContext stream);

  /**
   * True when the client has ended its side of {@code stream}: its request head came with
   * END_STREAM (asked while the head is being served), so no body or trailers follow.
   */
  boolean requestEnded(ChannelHandlerContext stream);

  /**
   * The backend took the stream's WebSocket handshake ({@code upgrade}, its prepared 101): the
   * client gets its protocol's answer, and the stream becomes a byte pipe with {@code endpoint}
   * (the tunnel's) in front of {@code stream}'s handler.
   */
  void tunnel(ChannelHandlerContext stream, HttpResponse upgrade, ChannelHandler endpoint);
}
