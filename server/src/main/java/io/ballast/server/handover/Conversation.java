package io.ballast.server.handover;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.DomainSocketReadMode;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.PeerCredentials;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.string.StringDecoder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One end of a handover conversation: lines and file descriptors over a Unix domain socket,
 * read one step at a time with a timeout. The event loop only queues what arrives; the step
 * logic runs on the thread that calls the read methods, so it reads top to bottom and never
 * blocks an event loop.
 *
 * <p>Threading: one thread drives a conversation (the reads, sends and mode switches); the
 * channel's event loop feeds the inbox.
 */
final class Conversation implements AutoCloseable {
  /** The peer closed the conversation. */
  private static final Object CLOSED = new Object();

  private final EpollDomainSocketChannel channel;
  private final BlockingQueue<Object> inbox;

  private Conversation(EpollDomainSocketChannel channel, BlockingQueue<Object> inbox) {
    this.channel = channel;
    this.inbox = inbox;
  }

  /** The handlers of a conversation's channel; {@link #of} then reads what they queue. */
  static ChannelInitializer<Channel> initializer() {
    return new ChannelInitializer<>() {
      @Override
      protected void initChannel(Channel ch) {
        install(ch);
      }
    };
  }

  /** Adds a conversation's handlers to {@code ch}. */
  static void install(Channel ch) {
    // A line decoder passes what is not bytes (a FileDescriptor) on untouched.
    ch.pipeline().addLast(new LineBasedFrameDecoder(Wire.MAX_LINE),
        new StringDecoder(StandardCharsets.UTF_8), new Inbox());
  }

  /** The conversation on {@code channel}, whose pipeline {@link #initializer} built. */
  static Conversation of(Channel channel) {
    return new Conversation((EpollDomainSocketChannel) channel,
        channel.pipeline().get(Inbox.class).queue);
  }

  /** Who is at the other end (SO_PEERCRED). */
  PeerCredentials peer() throws HandoverException {
    try {
      return channel.peerCredentials();
    } catch (IOException e) {
      throw new HandoverException("cannot read the peer's credentials: " + e.getMessage(), e);
    }
  }

  /** The next line, within {@code timeout}. */
  String readLine(String step, Duration timeout) throws HandoverException {
    Object o = next(step, timeout);
    if (o instanceof String s) {
      return s;
    }
    close(o);
    throw new HandoverException(step + ": expected a line, got a file descriptor");
  }

  /** The next file descriptor, within {@code timeout}; the caller owns (closes) it. */
  FileDescriptor readFd(String step, Duration timeout) throws HandoverException {
    Object o = next(step, timeout);
    if (o instanceof FileDescriptor fd) {
      return fd;
    }
    throw new HandoverException(step + ": expected a file descriptor, got '" + o + "'");
  }

  private Object next(String step, Duration timeout) throws HandoverException {
    Object o;
    try {
      o = inbox.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HandoverException(step + ": interrupted");
    }
    if (o == null) {
      throw new HandoverException(step + ": no answer within " + timeout.toMillis() + " ms");
    }
    if (o == CLOSED) {
      inbox.add(CLOSED); // every later read sees the close too
      throw new HandoverException(step + ": the peer closed the conversation");
    }
    if (o instanceof Throwable t) {
      throw new HandoverException(step + ": " + t, t);
    }
    return o;
  }

  /** Sends one line and waits until it is written. */
  void send(String step, String line, Duration timeout) throws HandoverException {
    byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
    written(step, channel.writeAndFlush(Unpooled.wrappedBuffer(bytes)), timeout);
  }

  /**
   * Sends a descriptor (one byte with SCM_RIGHTS) and waits until it is written. The descriptor
   * stays open here: the peer gets its own.
   */
  void send(String step, FileDescriptor fd, Duration timeout) throws HandoverException {
    written(step, channel.writeAndFlush(fd), timeout);
  }

  private static void written(String step, io.netty.channel.ChannelFuture f, Duration timeout)
      throws HandoverException {
    if (!f.awaitUninterruptibly(timeout.toMillis())) {
      throw new HandoverException(step + ": not written within " + timeout.toMillis() + " ms");
    }
    if (!f.isSuccess()) {
      throw new HandoverException(step + ": " + f.cause(), f.cause());
    }
  }

  /**
   * Reads file descriptors (or bytes) from now on. Switched on the event loop, before the line
   * that makes the peer send the other kind, so no read straddles the switch.
   */
  void readMode(DomainSocketReadMode mode) throws HandoverException {
    io.netty.util.concurrent.Future<?> f =
        channel.eventLoop().submit(() -> channel.config().setReadMode(mode));
    if (!f.awaitUninterruptibly(5_000) || !f.isSuccess()) {
      throw new HandoverException("cannot switch the conversation to " + mode);
    }
  }

  /** Closes the conversation and any descriptor that arrived and was not read. */
  @Override
  public void close() {
    channel.close().awaitUninterruptibly(5_000);
    for (Object o; (o = inbox.poll()) != null; ) {
      close(o);
    }
  }

  private static void close(Object o) {
    if (o instanceof FileDescriptor fd) {
      try {
        fd.close();
      } catch (IOException ignored) {
        // it was ours to close; nothing else holds it
      }
    }
  }

  /** Queues what arrives for the conversation's thread. Event loop only. */
  private static final class Inbox extends ChannelInboundHandlerAdapter {
    final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      queue.add(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      queue.add(CLOSED);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      queue.add(cause);
      ctx.close();
    }
  }
}
