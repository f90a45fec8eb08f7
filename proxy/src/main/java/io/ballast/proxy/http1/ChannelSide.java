package io.ballast.proxy.http1;

import io.netty.channel.Channel;

/**
 * A {@link ClientSide} that is an HTTP/1.1 connection, whose pipeline encodes the messages.
 *
 * <p>Event-loop only.
 */
final class ChannelSide implements ClientSide {
  private final Channel channel;

  ChannelSide(Channel channel) {
    this.channel = channel;
  }

  @Override
  public Channel connection() {
    return channel;
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
  public void write(Object msg) {
    channel.write(msg, channel.voidPromise());
  }

  @Override
  public void flush() {
    channel.flush();
  }

  @Override
  public void writeAndFlush(Object msg) {
    // A promise nobody listens to: a failed write is the client's I/O ending, which its close
    // reports; a void one would raise the failure in the pipeline as well.
    channel.writeAndFlush(msg);
  }

  @Override
  public void close() {
    channel.close();
  }
}
