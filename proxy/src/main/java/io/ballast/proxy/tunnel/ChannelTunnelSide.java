package io.ballast.proxy.tunnel;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DuplexChannel;
import java.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A tunnel's side that is a channel (a client's or a backend's socket): reading is autoRead,
 * the end of output is a FIN (a half-close), and a reset is a close with SO_LINGER 0.
 *
 * <p>Event-loop only, but for {@link #pending()}.
 */
final class ChannelTunnelSide implements TunnelSide {
  private static final Logger LOG = LoggerFactory.getLogger(ChannelTunnelSide.class);

  private final Channel channel;

  ChannelTunnelSide(Channel channel) {
    this.channel = channel;
  }

  @Override
  public EventLoop eventLoop() {
    return channel.eventLoop();
  }

  @Override
  public ByteBufAllocator alloc() {
    return channel.alloc();
  }

  @Override
  public void allowHalfClosure() {
    // A FIN becomes a half-close to pass on, not a close of the connection.
    channel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
  }

  @Override
  public void onClose(Runnable closed) {
    channel.closeFuture().addListener(f -> closed.run());
  }

  @Override
  public boolean isActive() {
    return channel.isActive();
  }

  @Override
  public boolean isWritable() {
    return channel.isWritable();
  }

  @Override
  public void setReading(boolean on) {
    channel.config().setAutoRead(on);
  }

  @Override
  public void write(ByteBuf bytes) {
    channel.write(bytes, channel.voidPromise());
  }

  @Override
  public void flush() {
    channel.flush();
  }

  @Override
  public ChannelFuture writeAndFlush(ByteBuf bytes) {
    return channel.writeAndFlush(bytes);
  }

  @Override
  public boolean closeEndsOutput() {
    return channel instanceof DuplexChannel;
  }

  @Override
  public ChannelFuture endOutput() {
    return channel instanceof DuplexChannel d ? d.shutdownOutput() : null;
  }

  @Override
  public void close() {
    channel.close();
  }

  @Override
  public void resetOnClose() {
    if (channel.isActive()) {
      try {
        channel.config().setOption(ChannelOption.SO_LINGER, 0);
      } catch (RuntimeException e) {
        LOG.debug("tunnel: cannot set SO_LINGER 0 on {}: {}", channel, e.toString());
      }
    }
  }

  @Override
  public long pending() {
    return TunnelSide.outboundBytes(channel);
  }

  @Override
  public SocketAddress remoteAddress() {
    return channel.remoteAddress();
  }

  @Override
  public String toString() {
    return channel.toString();
  }
}
