package io.ballast.server.handover;

import io.ballast.proxy.ListenSockets;
import io.ballast.server.Ballast;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.unix.UnixChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listening sockets of a ballast that takes part in handovers: it opens every listener's
 * socket as an epoll channel whose descriptor it can hand on, remembers the open ones by
 * listener, and, in a process that took over, starts each listener on the socket the old
 * process handed over for that address (a listener at a new address binds a new socket).
 *
 * <p>A process that took over holds its accepts ({@code autoRead} off, so the connections wait
 * in the shared backlog) until {@link #resume}: if it fails to start, it closes its descriptors
 * without having taken a single connection from the old process, which serves on.
 *
 * <p>Threading: thread-safe (synchronized); listeners open on the start and reload threads, the
 * handover thread reads {@link #held} and calls {@link #resume}.
 */
public final class HandoverSockets {
  private static final Logger log = LoggerFactory.getLogger(HandoverSockets.class);

  private record Key(HeldSocket.Kind kind, String name) {}

  /** The last listening channel opened for each listener. */
  private final Map<Key, Channel> open = new LinkedHashMap<>();
  /** Sockets handed over and not yet claimed by a listener. */
  private final List<HeldSocket> inherited;
  /** Channels that hold their accepts until {@link #resume}. */
  private final List<Channel> held = new ArrayList<>();
  private boolean resumed;

  private HandoverSockets(List<HeldSocket> inherited, boolean resumed) {
    this.inherited = new ArrayList<>(inherited);
    this.resumed = resumed;
  }

  /** Sockets of a ballast that starts afresh: every listener binds its own and accepts at once. */
  public static HandoverSockets fresh() {
    return new HandoverSockets(List.of(), true);
  }

  /** Sockets of a ballast that took {@code inherited} over; it accepts after {@link #resume}. */
  static HandoverSockets inherited(List<HeldSocket> inherited) {
    return new HandoverSockets(inherited, false);
  }

  /** The seam for {@link Ballast#start}: the proxy's listeners and the admin listener. */
  public Ballast.Sockets seam() {
    return new Ballast.Sockets(view(HeldSocket.Kind.PROXY), view(HeldSocket.Kind.ADMIN));
  }

  private ListenSockets view(HeldSocket.Kind kind) {
    return (bootstrap, name, bind) -> open(kind, bootstrap, name, bind);
  }

  private synchronized ChannelFuture open(HeldSocket.Kind kind, ServerBootstrap bootstrap,
      String name, InetSocketAddress bind) {
    HeldSocket socket = claim(kind, name, bind);
    boolean hold = !resumed;
    ChannelFuture f;
    if (socket != null) {
      // Already bound and listening: registering is all it needs.
      f = bootstrap.channelFactory(() -> holding(
          new EpollServerSocketChannel(socket.fd().intValue()), hold)).register();
      log.info("{} serves on the socket taken over", socket);
    } else {
      f = bootstrap.channelFactory(() -> holding(new EpollServerSocketChannel(), hold))
          .bind(bind);
    }
    open.put(new Key(kind, name), f.channel());
    if (hold) {
      held.add(f.channel());
    }
    return f;
  }

  private static EpollServerSocketChannel holding(EpollServerSocketChannel ch, boolean hold) {
    if (hold) {
      ch.config().setAutoRead(false);
    }
    return ch;
  }

  /**
   * The handed-over socket for this listener: the one listening at {@code bind}, or, for a
   * listener on port 0 (any free port), the same listener's socket on the same host.
   */
  private HeldSocket claim(HeldSocket.Kind kind, String name, InetSocketAddress bind) {
    for (int i = 0; i < inherited.size(); i++) {
      HeldSocket s = inherited.get(i);
      boolean same = s.kind() == kind && (s.address().equals(bind) || bind.getPort() == 0
          && s.name().equals(name) && s.address().getAddress().equals(bind.getAddress()));
      if (same) {
        return inherited.remove(i);
      }
    }
    return null;
  }

  /**
   * Every listener accepts from now on; handed-over sockets no listener claimed (the old
   * process's listeners that this configuration does not have) are closed here, and close for
   * good when the old process lets go of them.
   */
  synchronized void resume() {
    resumed = true;
    for (Channel c : held) {
      c.config().setAutoRead(true);
    }
    held.clear();
    closeUnclaimed("not in this configuration; the old process closes it");
  }

  /** Closes this process's descriptors of the sockets no listener took, saying why. */
  synchronized void closeUnclaimed(String why) {
    for (HeldSocket s : inherited) {
      log.info("{}: {}", s, why);
      try {
        s.fd().close();
      } catch (IOException e) {
        log.debug("closing {}: {}", s, e.toString());
      }
    }
    inherited.clear();
  }

  /** The open listening sockets, to hand to a new process. */
  synchronized List<HeldSocket> held() throws HandoverException {
    List<HeldSocket> out = new ArrayList<>();
    for (Map.Entry<Key, Channel> e : open.entrySet()) {
      Channel c = e.getValue();
      if (!c.isOpen() || !c.isActive()) {
        continue; // a listener a reload closed, or one that failed to bind
      }
      if (!(c instanceof UnixChannel unix)) {
        throw new HandoverException("listener " + e.getKey().name() + " is not a native socket");
      }
      out.add(new HeldSocket(e.getKey().kind(), e.getKey().name(),
          (InetSocketAddress) c.localAddress(), unix.fd()));
    }
    return out;
  }
}
