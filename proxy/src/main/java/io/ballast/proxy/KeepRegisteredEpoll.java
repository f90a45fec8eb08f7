package io.ballast.proxy;

import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoOps;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollIoOps;

/**
 * Native epoll event loops that never lose a connection's place in the epoll set.
 *
 * <p>Why: in Netty 4.2.18, when a connection's interest set becomes empty, its registration
 * removes the descriptor from the epoll set ({@code EPOLL_CTL_DEL}) but still records it as
 * added, so the next interest it submits is an {@code EPOLL_CTL_MOD} that fails with
 * {@code ENOENT}, and the connection's pending write is failed. A relayed connection's set
 * empties exactly when its peer half-closed (no read interest, {@code EPOLLRDHUP} consumed) and
 * nothing waits to be written to it; the next write that fills its socket buffer then needs
 * {@code EPOLLOUT}, and fails. Raw TCP does that all the time (a client sends its request, shuts
 * its output down and reads a long answer), WebSocket tunnels sometimes.
 *
 * <p>The fix: an empty interest set is submitted as {@code EPOLLET} alone, which keeps the
 * descriptor in the set (a {@code MOD}, never a {@code DEL}) while it asks for nothing; the
 * kernel then reports only an error or hang-up, and edge-triggered, so once per change rather
 * than on every wait. Every other submission, and everything else the handler does, goes to
 * Netty's own {@link EpollIoHandler} unchanged.
 *
 * <p>Tested through the relay it fixes: {@code TcpListenerTest.anUploadEchoedBackArrivesWhole}
 * (8 MiB up, echoed back, the client's output shut after its upload) lost about 2 MiB of the
 * echo on Netty's own epoll loops, and loses nothing on these.
 *
 * <p>Threading: as Netty's; a registration is submitted to on its channel's event loop.
 */
final class KeepRegisteredEpoll implements IoHandler {
  private final IoHandler epoll;

  private KeepRegisteredEpoll(IoHandler epoll) {
    this.epoll = epoll;
  }

  /** Epoll event loops with the fix, for {@code MultiThreadIoEventLoopGroup}. */
  static IoHandlerFactory newFactory() {
    IoHandlerFactory epoll = EpollIoHandler.newFactory();
    return executor -> new KeepRegisteredEpoll(epoll.newHandler(executor));
  }

  @Override
  public IoRegistration register(IoHandle handle) throws Exception {
    return new Registration(epoll.register(handle));
  }

  @Override
  public void initialize() {
    epoll.initialize();
  }

  @Override
  public int run(IoHandlerContext context) {
    return epoll.run(context);
  }

  @Override
  public void prepareToDestroy() {
    epoll.prepareToDestroy();
  }

  @Override
  public void destroy() {
    epoll.destroy();
  }

  @Override
  public void wakeup() {
    epoll.wakeup();
  }

  @Override
  public boolean isCompatible(Class<? extends IoHandle> handleType) {
    return epoll.isCompatible(handleType);
  }

  /** One descriptor's registration: an empty interest set stays in the epoll set. */
  private record Registration(IoRegistration epoll) implements IoRegistration {
    @Override
    public <T> T attachment() {
      return epoll.attachment();
    }

    @Override
    public long submit(IoOps ops) {
      return epoll.submit(EpollIoOps.NONE.equals(ops) ? EpollIoOps.EPOLLET : ops);
    }

    @Override
    public boolean isValid() {
      return epoll.isValid();
    }

    @Override
    public boolean cancel() {
      return epoll.cancel();
    }
  }
}
