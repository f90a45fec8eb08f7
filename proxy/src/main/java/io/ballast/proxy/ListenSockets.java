package io.ballast.proxy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelFuture;
import java.net.InetSocketAddress;

/**
 * Where a listener's listening socket comes from. By default ({@link #BIND}) each listener binds
 * its own; a ballast that took over from another process gets the other's sockets instead, so
 * that no connection is refused while one process replaces the other (the server module's
 * handover package). The seam sits where a listener is opened and nowhere else: what the
 * listener does with its connections is the same whichever socket it accepts from.
 *
 * <p>Threading: called from whichever thread opens listeners (start, the reload thread);
 * implementations are thread-safe.
 */
@FunctionalInterface
public interface ListenSockets {
  /**
   * Opens the listening channel of {@code bootstrap}, whose group, options and handlers are set
   * but whose channel type is not, for the listener {@code name} that is configured to listen on
   * {@code bind}. The future completes when the channel is bound (or registered, for a socket
   * that was bound elsewhere) or failed.
   */
  ChannelFuture open(ServerBootstrap bootstrap, String name, InetSocketAddress bind);

  /** Binds a new socket of the transport's server channel type. */
  ListenSockets BIND = (bootstrap, name, bind) ->
      bootstrap.channel(Transport.serverChannel()).bind(bind);
}
