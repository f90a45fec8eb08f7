package io.ballast.proxy.http2;

import io.ballast.proxy.tunnel.TunnelSide;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * An HTTP/2 stream as a tunnel's client side (a WebSocket over HTTP/2, RFC 8441): bytes out go
 * as DATA frames, the end of output as an empty DATA frame with END_STREAM; the stream's DATA in
 * reaches the tunnel through its {@code TunnelInput} ({@link ClientStream}). Flow control stays
 * the stream's: while the tunnel does not read the stream (its backend cannot take more), the
 * stream's frames wait and its window closes behind them.
 *
 * <p>Event-loop only; one per tunnelled stream.
 */
final class StreamTunnelSide implements TunnelSide {
  private final ClientStream stream;
  private final StreamDispatch dispatch;
  private List<Runnable> onClose;

  StreamTunnelSide(ClientStream stream, StreamDispatch dispatch) {
    this.stream = stream;
    this.dispatch = dispatch;
  }

  /**
   * The answer to an extended CONNECT the backend took with {@code upgrade} (its prepared 101):
   * on HTTP/2 a 2xx is the switch (RFC 8441), so the client gets 200 with the backend's
   * WebSocket fields (subprotocol, extensions) and no END_STREAM; the 101's connection fields
   * and {@code Sec-WebSocket-Accept} (the answer to the key ballast made up for the backend)
   * have no place in it.
   */
  static HttpResponse answer(HttpResponse upgrade) {
    HttpHeaders h = upgrade.headers();
    h.remove(HttpHeaderNames.CONNECTION);
    h.remove(HttpHeaderNames.UPGRADE);
    h.remove(HttpHeaderNames.SEC_WEBSOCKET_ACCEPT);
    h.remove(HttpHeaderNames.CONTENT_LENGTH);
    h.remove(HttpHeaderNames.TRANSFER_ENCODING);
    return new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, h);
  }

  /** The stream closed: whoever waits for it hears it. */
  void closed() {
    List<Runnable> l = onClose;
    onClose = null;
    if (l != null) {
      for (Runnable r : l) {
        r.run();
      }
    }
  }

  @Override
  public EventLoop eventLoop() {
    return dispatch.channel().eventLoop();
  }

  @Override
  public ByteBufAllocator alloc() {
    return dispatch.channel().alloc();
  }

  @Override
  public void allowHalfClosure() {
    // A stream's END_STREAM ends one direction only, always.
  }

  @Override
  public void onClose(Runnable closed) {
    if (!stream.isActive()) {
      closed.run();
      return;
    }
    if (onClose == null) {
      onClose = new ArrayList<>(2);
    }
    onClose.add(closed);
  }

  @Override
  public boolean isActive() {
    return stream.isActive();
  }

  @Override
  public boolean isWritable() {
    return stream.out().isWritable();
  }

  @Override
  public void setReading(boolean on) {
    stream.setReading(on);
  }

  @Override
  public void write(ByteBuf bytes) {
    stream.out().write(new DefaultHttp2DataFrame(bytes));
  }

  @Override
  public void flush() {
    dispatch.flush();
  }

  @Override
  public ChannelFuture writeAndFlush(ByteBuf bytes) {
    return stream.out().writeAndFlush(new DefaultHttp2DataFrame(bytes));
  }

  @Override
  public boolean closeEndsOutput() {
    return false;
  }

  @Override
  public ChannelFuture endOutput() {
    if (!stream.isActive() || stream.out().sentEnd()) {
      return null;
    }
    return stream.out().writeAndFlush(new DefaultHttp2DataFrame(Unpooled.EMPTY_BUFFER, true));
  }

  @Override
  public void close() {
    stream.out().close();
  }

  @Override
  public void resetOnClose() {
    // A stream's close is a reset already unless both of its ends were sent.
  }

  /**
   * What waits in the stream's connection's outbound buffer: a stream's bytes wait there,
   * shared with the connection's other streams (what its flow-control window holds back waits in
   * the frame codec, within the window the client granted), so the figure is the connection's.
   */
  @Override
  public long pending() {
    return dispatch.pending();
  }

  @Override
  public SocketAddress remoteAddress() {
    return dispatch.channel().remoteAddress();
  }
}
