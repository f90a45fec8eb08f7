package io.ballast.proxy;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * The I/O transport: native epoll when the platform has it, NIO otherwise.
 *
 * <p>Stateless and thread-safe. Public for the channel types only: code in sub-packages (DNS
 * discovery) opens channels on loops it is given and must match their transport.
 */
public final class Transport {
  private Transport() {}

  /** True when native epoll runs (the handover of listening sockets needs it). */
  public static boolean epoll() {
    return Epoll.isAvailable();
  }

  /** "epoll" or "nio". */
  public static String name() {
    return epoll() ? "epoll" : "nio";
  }

  /**
   * A group of {@code threads} event loops (0: one per core) of this transport. Epoll loops keep
   * every connection in the epoll set while it waits for nothing ({@link KeepRegisteredEpoll}):
   * without that, Netty 4.2.18 loses a write to a half-closed connection.
   */
  public static EventLoopGroup newGroup(int threads, String name) {
    int n = threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
    return new MultiThreadIoEventLoopGroup(n, new DefaultThreadFactory(name, true),
        epoll() ? KeepRegisteredEpoll.newFactory() : NioIoHandler.newFactory());
  }

  /** The server socket channel type that runs on {@code group}. */
  public static Class<? extends ServerSocketChannel> serverChannel(EventLoopGroup group) {
    return epollLoops(group) ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }

  /** The listening channel type that runs on {@link #newGroup}'s loops. */
  public static Class<? extends ServerSocketChannel> serverChannel() {
    return epoll() ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }

  /** The socket channel type that runs on {@code group}. */
  public static Class<? extends SocketChannel> socketChannel(EventLoopGroup group) {
    return epollLoops(group) ? EpollSocketChannel.class : NioSocketChannel.class;
  }

  /** The datagram (UDP) channel type that runs on {@code group}. */
  public static Class<? extends DatagramChannel> datagramChannel(EventLoopGroup group) {
    return epollLoops(group) ? EpollDatagramChannel.class : NioDatagramChannel.class;
  }

  private static boolean epollLoops(EventLoopGroup group) {
    return group instanceof IoEventLoopGroup io && (io.isIoType(KeepRegisteredEpoll.class)
        || io.isIoType(EpollIoHandler.class));
  }
}
