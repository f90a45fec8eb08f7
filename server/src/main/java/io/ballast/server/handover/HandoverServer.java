package io.ballast.server.handover;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running ballast's side of a handover: serves a Unix domain socket (mode 0600, same user
 * only) on which a new ballast process asks for the listening sockets. It gets a descriptor of
 * each; once it says it serves, this process stops accepting (closing only its own descriptors:
 * the sockets and their backlogs live on in the new process), frees the socket path for the new
 * process's own handover socket, and drains and stops as at SIGTERM. Before that moment nothing
 * here has changed, so a take-over that fails at any step leaves this process serving.
 *
 * <p>Threading: {@link #start} and {@link #close} are thread-safe. Each conversation runs on its
 * own thread, one at a time (a second new process is refused while one is under way); the
 * socket's accepts run on one event loop of its own.
 */
public final class HandoverServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HandoverServer.class);
  /** Each exchange of the conversation but the new process's start. */
  static final Duration STEP = Duration.ofSeconds(10);
  /**
   * How long the new process may take to start on the sockets (pools, first DNS lookups,
   * certificates) before this one gives up and serves on.
   */
  static final Duration START = Duration.ofSeconds(120);

  /** What the process that hands over does once the new one serves. */
  public interface Owner {
    /** Stops accepting on every listener, promptly; connections drain. */
    void stopAccepting();

    /** Drains what is left and stops (on a thread of its own); the process exits after it. */
    void stop();
  }

  private final Path path;
  private final HandoverSockets sockets;
  private final Owner owner;
  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
      new DefaultThreadFactory("ballast-handover", true), EpollIoHandler.newFactory());
  /** The listening domain socket; set once bound. */
  private volatile Channel server;
  private final AtomicBoolean busy = new AtomicBoolean();
  private volatile boolean released;

  private HandoverServer(Path path, HandoverSockets sockets, Owner owner) {
    this.path = path;
    this.sockets = sockets;
    this.owner = owner;
  }

  /**
   * Serves handovers of {@code sockets} on {@code path}.
   *
   * @throws HandoverException when the path cannot be bound (another ballast serves there, the
   *     directory is missing or not writable)
   */
  public static HandoverServer start(Path path, HandoverSockets sockets, Owner owner)
      throws HandoverException {
    Objects.requireNonNull(sockets, "sockets");
    Objects.requireNonNull(owner, "owner");
    SocketFile.prepare(path);
    HandoverServer self = new HandoverServer(path, sockets, owner);
    self.bind();
    log.info("serving handovers on {} (take over with: ballast run -c FILE --take-over {})",
        path, path);
    return self;
  }

  private void bind() throws HandoverException {
    ChannelFuture f = new ServerBootstrap().group(group)
        .channel(EpollServerDomainSocketChannel.class)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            Conversation.install(ch);
            Thread t = new Thread(() -> converse(Conversation.of(ch)),
                "ballast-handover-conversation");
            t.setDaemon(true);
            t.start();
          }
        })
        .bind(new DomainSocketAddress(path.toString()));
    if (!f.awaitUninterruptibly(STEP.toMillis()) || !f.isSuccess()) {
      group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      throw new HandoverException("cannot listen on " + path + ": " + f.cause());
    }
    try {
      SocketFile.restrict(path);
    } catch (HandoverException e) {
      f.channel().close().awaitUninterruptibly();
      group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      throw e;
    }
    server = f.channel();
  }

  private void converse(Conversation c) {
    long pid = -1;
    try (c) {
      pid = SameUser.check(c.peer(), "the process that asks for the sockets");
      // Hear the hello before answering, refusal included: closing on a peer that is still
      // writing its hello would hand it a broken pipe instead of the reason.
      Wire.parseHello(c.readLine("hello", STEP));
      if (released || !busy.compareAndSet(false, true)) {
        c.send("refuse", Wire.refused(released ? "it has handed over already"
            : "another take-over is under way"), STEP);
        log.warn("take-over by pid {} refused: {}", pid,
            released ? "handed over already" : "another take-over is under way");
        return;
      }
      try {
        handOver(c, pid);
      } finally {
        busy.set(false);
      }
    } catch (HandoverException e) {
      log.warn("take-over by pid {} failed: {}; this ballast serves on", pid, e.getMessage());
    } catch (RuntimeException e) {
      log.error("take-over by pid {} failed; this ballast serves on", pid, e);
    }
  }

  private void handOver(Conversation c, long pid) throws HandoverException {
    List<HeldSocket> held = sockets.held();
    log.info("take-over by pid {}: offering {} listening socket(s): {}", pid, held.size(), held);
    c.send("offer", Wire.sockets(held.size()), STEP);
    for (HeldSocket s : held) {
      c.send("offer", Wire.socket(s), STEP);
    }
    String send = c.readLine("offer", STEP);
    if (!send.equals(Wire.SEND)) {
      throw new HandoverException("expected SEND, got '" + send + "'");
    }
    for (HeldSocket s : held) {
      c.send("send " + s, s.fd(), STEP);
    }
    log.info("take-over by pid {}: sockets sent; it has {} s to start on them", pid,
        START.toSeconds());
    Wire.parseVerdict(c.readLine("start", START));
    // The new process accepts from the same sockets now; this one lets go of its handles.
    released = true;
    owner.stopAccepting();
    closeServer(); // frees the path: the new process serves the next handover there
    log.info("pid {} serves: stopped accepting, released {}; draining, then exiting", pid, path);
    try {
      c.send("release", Wire.RELEASED, STEP);
    } catch (HandoverException e) {
      // It binds the path after its own timeout; this process drains all the same.
      log.warn("pid {} did not hear that the sockets are released: {}", pid, e.getMessage());
    }
    Thread stop = new Thread(owner::stop, "ballast-shutdown");
    stop.start();
  }

  private void closeServer() {
    // Closing the bound channel removes the socket file (Netty's domain server channel does).
    Channel s = server;
    if (s != null) {
      s.close().awaitUninterruptibly(STEP.toMillis());
    }
  }

  /** Stops serving handovers and removes the socket file, if this process still holds it. */
  @Override
  public void close() {
    closeServer();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5_000);
  }
}
