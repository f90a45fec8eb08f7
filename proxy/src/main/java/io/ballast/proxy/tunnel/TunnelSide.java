package io.ballast.proxy.tunnel;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import java.net.SocketAddress;

/**
 * One of a tunnel's two connections as the {@link Tunnel} drives it: a socket
 * ({@link #of(io.netty.channel.Channel)}), or an HTTP/2 stream that carries a WebSocket
 * (the stream's owner implements this and feeds the tunnel's {@link TunnelInput}).
 *
 * <p>Event-loop only (both sides of a tunnel live on one loop).
 */
public interface TunnelSide {
  /** The side of a channel: its reads reach the tunnel through {@link Tunnel#endpoint}. */
  static TunnelSide of(io.netty.channel.Channel channel) {
    return new ChannelTunnelSide(channel);
  }

  /**
   * Bytes waiting in {@code ch}'s outbound buffer, from the public writability figures: exact to
   * a byte of the buffer's own accounting, which adds a small overhead per message. Safe from
   * any thread (both figures are volatile); momentarily inconsistent off the event loop.
   */
  static long outboundBytes(io.netty.channel.Channel ch) {
    if (!ch.isOpen()) {
      return 0;
    }
    io.netty.channel.ChannelConfig c = ch.config();
    // ChannelOutboundBuffer: bytesBeforeUnwritable = high - total + 1 while writable, and
    // bytesBeforeWritable = total - low + 1 while not.
    long total = ch.isWritable()
        ? c.getWriteBufferHighWaterMark() + 1L - ch.bytesBeforeUnwritable()
        : c.getWriteBufferLowWaterMark() - 1L + ch.bytesBeforeWritable();
    return Math.max(0, total);
  }

  EventLoop eventLoop();

  ByteBufAllocator alloc();

  /** Called once as the tunnel starts: the peer's end of input must not close this side. */
  void allowHalfClosure();

  /** Runs {@code closed} once, when this side has closed (whoever closed it). */
  void onClose(Runnable closed);

  /** True until the side closed. */
  boolean isActive();

  /** False while the side holds as much unsent as it should (the pipe stops its source). */
  boolean isWritable();

  /** Reads the side's peer, or stops (the flow control of its protocol holds the peer back). */
  void setReading(boolean on);

  /** Queues {@code bytes} (taken over); {@link #flush} sends. */
  void write(ByteBuf bytes);

  void flush();

  /** Writes and sends {@code bytes} (taken over); the future tells when they went. */
  ChannelFuture writeAndFlush(ByteBuf bytes);

  /**
   * True when closing this side ends its output in order (a socket's close sends its FIN after
   * what is queued), so a tunnel that closes next need not end the output first.
   */
  boolean closeEndsOutput();

  /**
   * Ends the side's output after what is queued (a TCP FIN, an HTTP/2 END_STREAM); null when the
   * side cannot end its output alone (it is closed instead).
   */
  ChannelFuture endOutput();

  void close();

  /** The close that follows is a reset (a socket's RST), where the side has one. */
  void resetOnClose();

  /** Bytes written and not yet sent. Any thread; momentarily inconsistent off the loop. */
  long pending();

  SocketAddress remoteAddress();
}
