package io.ballast.proxy.tunnel;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;

/**
 * The handler of a tunnel connection that is not a socket of its own (an HTTP/2 stream): it
 * ends the connection's output the way its protocol does, where a socket would shut its output
 * down (a TCP FIN). A tunnel whose peer sent its end passes it on through this.
 *
 * <p>Event-loop only.
 */
public abstract class StreamEnd extends ChannelDuplexHandler {
  /** Ends what the tunnel writes on this connection; the peer reads its end of stream. */
  public abstract ChannelFuture endOutput();
}
