package io.ballast.proxy.http2;

import io.ballast.proxy.tunnel.Tunnel;
import io.ballast.proxy.tunnel.TunnelInput;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * What a {@link ClientStream} keeps to become a tunnel (a WebSocket's extended CONNECT, RFC
 * 8441): the stream's data that arrives before the backend answers, held
 * ({@link ExtendedConnect}); then the tunnel's input, which the stream's DATA goes to, and the
 * stream as the tunnel's client side ({@link StreamTunnelSide}).
 *
 * <p>Worked example: the client sends HEADERS (CONNECT, :protocol websocket) and a DATA frame at
 * once; the DATA is held while the backend's 101 is awaited, then {@link #switchTo} hands it to
 * the tunnel ahead of anything read after it.
 *
 * <p>One per stream, made for a handshake; event-loop only (the connection's).
 */
final class StreamTunnelPart {
  private final ClientStream stream;
  private final StreamDispatch dispatch;
  /** The handshake's data, held until the backend answers; null once handed over or dropped. */
  private ExtendedConnect held = new ExtendedConnect();
  private TunnelInput input;
  private StreamTunnelSide side;

  StreamTunnelPart(ClientStream stream, StreamDispatch dispatch) {
    this.stream = stream;
    this.dispatch = dispatch;
  }

  /** True while the stream's data waits for the backend's answer. */
  boolean holding() {
    return held != null;
  }

  /** Holds a frame of the stream until the backend answers. */
  void hold(Http2StreamFrame frame) {
    held.hold(frame);
  }

  /** The stream as the tunnel's client side, made on first use. */
  StreamTunnelSide side() {
    if (side == null) {
      side = new StreamTunnelSide(stream, dispatch);
    }
    return side;
  }

  /** The backend took the handshake: the held data goes to {@code t} first. */
  void switchTo(Tunnel t) {
    side();
    input = t.clientInput();
    ExtendedConnect early = held;
    held = null;
    if (early != null) {
      early.deliver(input);
    }
  }

  /**
   * A frame of the stream once it is a tunnel: its DATA's bytes go in; END_STREAM (on DATA or
   * trailers) ends the tunnel's input; anything else is dropped.
   */
  void read(Http2StreamFrame frame) {
    boolean end;
    if (frame instanceof Http2DataFrame data) {
      end = data.isEndStream();
      ByteBuf bytes = data.content();
      if (bytes.isReadable()) {
        input.read(bytes);
      } else {
        bytes.release();
      }
    } else {
      // Trailers end the stream too; nothing else belongs in a tunnel.
      end = frame instanceof Http2HeadersFrame h && h.isEndStream();
      ReferenceCountUtil.release(frame);
    }
    if (end) {
      input.inputEnded();
    }
  }

  /** The end of a read of the connection that brought the tunnel bytes. */
  void readComplete() {
    input.readComplete();
  }

  /** The stream's room to write changed: the tunnel reads its backend again, or stops. */
  void writabilityChanged() {
    input.writabilityChanged();
  }

  /** The stream closed: held data is released, the tunnel's side hears it. */
  void closed() {
    if (held != null) {
      held.release();
      held = null;
    }
    if (side != null) {
      side.closed();
    }
  }
}
