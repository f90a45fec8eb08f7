package io.ballast.server.handover;

import io.ballast.proxy.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.DomainSocketReadMode;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The new process's side of a handover: connects to the running ballast's handover socket,
 * receives its listening sockets ({@link #connect}), and once this process has started on them
 * ({@link #sockets}), lets them accept and tells the old process, which stops accepting and
 * drains ({@link #serving}); or tells it that the start failed ({@link #abort}), and the old
 * process serves on.
 *
 * <p>Threading: one thread (the CLI's) drives a take-over from start to end.
 */
public final class TakeOver implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TakeOver.class);
  private static final Duration STEP = HandoverServer.STEP;

  private final EventLoopGroup group;
  private final Conversation conversation;
  private final long oldPid;
  private final HandoverSockets sockets;

  private TakeOver(EventLoopGroup group, Conversation conversation, long oldPid,
      HandoverSockets sockets) {
    this.group = group;
    this.conversation = conversation;
    this.oldPid = oldPid;
    this.sockets = sockets;
  }

  /**
   * Receives the listening sockets of the ballast serving handovers on {@code path}. Nothing
   * accepts on them here until {@link #serving}.
   *
   * @throws HandoverException when no ballast answers there, it runs as another user, refuses,
   *     or a step fails or times out; the running ballast is unchanged
   */
  public static TakeOver connect(Path path) throws HandoverException {
    if (!Transport.epoll()) {
      throw new HandoverException("a take-over needs native epoll (file descriptors passed over"
          + " a Unix domain socket); this platform runs " + Transport.name());
    }
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
        new io.netty.util.concurrent.DefaultThreadFactory("ballast-takeover", true),
        EpollIoHandler.newFactory());
    Conversation c = null;
    try {
      ChannelFuture f = new Bootstrap().group(group).channel(EpollDomainSocketChannel.class)
          .handler(Conversation.initializer())
          .connect(new DomainSocketAddress(path.toString()));
      if (!f.awaitUninterruptibly(STEP.toMillis()) || !f.isSuccess()) {
        throw new HandoverException("cannot connect to " + path + ": "
            + (f.cause() == null ? "timeout" : f.cause().getMessage()));
      }
      c = Conversation.of(f.channel());
      long oldPid = SameUser.check(c.peer(), "the ballast serving " + path);
      log.info("taking over from pid {} through {}", oldPid, path);
      List<HeldSocket> received = receive(c);
      log.info("received {} listening socket(s) from pid {}: {}", received.size(), oldPid,
          received);
      return new TakeOver(group, c, oldPid, HandoverSockets.inherited(received));
    } catch (HandoverException | RuntimeException e) {
      if (c != null) {
        c.close();
      }
      group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      throw e;
    }
  }

  private static List<HeldSocket> receive(Conversation c) throws HandoverException {
    c.send("hello", Wire.hello(ProcessHandle.current().pid()), STEP);
    int n = Wire.parseSockets(c.readLine("offer", STEP));
    List<Wire.Offer> offers = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      offers.add(Wire.parseSocket(c.readLine("offer", STEP)));
    }
    // Read descriptors before asking for them: the old process sends them only after SEND.
    c.readMode(DomainSocketReadMode.FILE_DESCRIPTORS);
    c.send("offer", Wire.SEND, STEP);
    List<HeldSocket> received = new ArrayList<>();
    try {
      for (Wire.Offer o : offers) {
        FileDescriptor fd = c.readFd("receive " + o.name(), STEP);
        // Where it listens comes from the kernel, not from what the other process wrote.
        Socket socket = new Socket(fd.intValue());
        InetSocketAddress at = socket.localAddress();
        if (at == null) {
          close(socket);
          throw new HandoverException("socket " + o.name() + " is not an internet socket");
        }
        received.add(new HeldSocket(o.kind(), o.name(), at, socket));
      }
      c.readMode(DomainSocketReadMode.BYTES);
    } catch (HandoverException e) {
      received.forEach(s -> close(s.fd()));
      throw e;
    }
    return received;
  }

  /** The received sockets, for {@code Ballast.start} (its {@code seam()}). */
  public HandoverSockets sockets() {
    return sockets;
  }

  /** The process that handed its sockets over. */
  public long oldPid() {
    return oldPid;
  }

  /**
   * This process has started on the sockets: its listeners accept from now on, the old process
   * is told, and this returns once it has stopped accepting and freed the handover socket's
   * path.
   *
   * @throws HandoverException when the old process did not confirm (it gave up waiting, or
   *     died); this process accepts all the same
   */
  public void serving() throws HandoverException {
    sockets.resume();
    log.info("accepting on the taken-over sockets; telling pid {}", oldPid);
    conversation.send("serving", Wire.serving(ProcessHandle.current().pid()), STEP);
    String line = conversation.readLine("release", STEP);
    if (!line.equals(Wire.RELEASED)) {
      throw new HandoverException("expected RELEASED, got '" + line + "'");
    }
    log.info("pid {} stopped accepting and drains; the take-over is done", oldPid);
  }

  /** This process failed to start: the old one serves on, and the sockets here close. */
  public void abort(String why) {
    sockets.closeUnclaimed("closed here: the take-over is abandoned");
    try {
      conversation.send("abort", Wire.abort(why), STEP);
    } catch (HandoverException e) {
      log.debug("telling pid {} of the abort: {}", oldPid, e.getMessage());
    }
    log.error("take-over abandoned: {}; pid {} serves on", why, oldPid);
  }

  /** True while the process that handed over runs (it serves on after a failed take-over). */
  public boolean oldAlive() {
    return ProcessHandle.of(oldPid).map(ProcessHandle::isAlive).orElse(false);
  }

  @Override
  public void close() {
    conversation.close();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5_000);
  }

  private static void close(FileDescriptor fd) {
    try {
      fd.close();
    } catch (IOException ignored) {
      // ours alone; nothing more to do
    }
  }
}
