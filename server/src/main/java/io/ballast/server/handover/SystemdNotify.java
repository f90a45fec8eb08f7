package io.ballast.server.handover;

import io.ballast.proxy.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells a service manager that speaks systemd's notify protocol ({@code Type=notify}) that
 * ballast is ready, and, at a take-over, that the service's main process is now this one
 * ({@code MAINPID=}, which needs {@code NotifyAccess=all}): the old process's exit then no longer
 * ends the service. Sends one datagram to {@code $NOTIFY_SOCKET} per call; does nothing when the
 * variable is not set (not run by such a manager). A failure is logged, never thrown: serving
 * matters more.
 *
 * <p>Threading: thread-safe; each call sends its datagram and returns once it is written.
 */
public final class SystemdNotify {
  private static final Logger log = LoggerFactory.getLogger(SystemdNotify.class);

  /** The socket's path, or null when nobody listens for notifications. */
  private final String socket;

  SystemdNotify(String socket) {
    this.socket = socket;
  }

  /** From {@code $NOTIFY_SOCKET}: a path (an abstract socket, "@...", is not supported). */
  public static SystemdNotify fromEnvironment() {
    String s = System.getenv("NOTIFY_SOCKET");
    if (s == null || s.isEmpty()) {
      return new SystemdNotify(null);
    }
    if (!s.startsWith("/") || !Transport.epoll()) {
      log.warn("NOTIFY_SOCKET={}: {}; the service manager is not told of readiness", s,
          s.startsWith("/") ? "needs native epoll" : "only a path is supported");
      return new SystemdNotify(null);
    }
    return new SystemdNotify(s);
  }

  /** Start-up is done: the listeners accept. */
  public void ready() {
    send("READY=1");
  }

  /**
   * The service's main process is {@code pid} from now on (this process after it took over;
   * the old one again when the take-over fell through), and it is ready.
   */
  public void mainPid(long pid) {
    send("MAINPID=" + pid + "\nREADY=1");
  }

  private void send(String state) {
    if (socket == null) {
      return;
    }
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
        new DefaultThreadFactory("ballast-notify", true), EpollIoHandler.newFactory());
    try {
      // Connected, so that every write goes to the socket (a datagram socket's connect only
      // sets where datagrams go; it fails at once when nobody listens there).
      io.netty.channel.ChannelFuture c = new Bootstrap().group(group)
          .channel(EpollDomainDatagramChannel.class)
          .handler(new ChannelInboundHandlerAdapter())
          .connect(new DomainSocketAddress(socket));
      io.netty.channel.ChannelFuture f = c.awaitUninterruptibly(2_000) && c.isSuccess()
          ? c.channel().writeAndFlush(Unpooled.copiedBuffer(state, StandardCharsets.UTF_8)) : c;
      boolean sent = f.awaitUninterruptibly(2_000) && f.isSuccess();
      c.channel().close().awaitUninterruptibly(2_000);
      if (sent) {
        log.info("told the service manager: {}", state.replace('\n', ' '));
      } else {
        log.warn("cannot notify the service manager at {}: {}", socket,
            f.cause() == null ? "timeout" : f.cause().toString());
      }
    } catch (RuntimeException e) {
      log.warn("cannot notify the service manager at {}: {}", socket, e.toString());
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }
}
