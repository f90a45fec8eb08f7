package io.ballast.server.handover;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * What a service manager's notify socket ({@code $NOTIFY_SOCKET}) receives: each datagram with
 * when it came. Threading: its own event loop; {@link #notes} from any thread.
 */
final class NotifyListener implements AutoCloseable {
  record Note(long atNanos, String text) {}

  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
      EpollIoHandler.newFactory());
  private final List<Note> notes = new CopyOnWriteArrayList<>();
  private final Channel channel;

  NotifyListener(Path path) throws InterruptedException {
    channel = new Bootstrap().group(group).channel(EpollDomainDatagramChannel.class)
        .handler(new SimpleChannelInboundHandler<DomainDatagramPacket>() {
          @Override
          protected void channelRead0(ChannelHandlerContext ctx, DomainDatagramPacket p) {
            notes.add(new Note(System.nanoTime(), p.content().toString(StandardCharsets.UTF_8)));
          }
        })
        .bind(new DomainSocketAddress(path.toString())).sync().channel();
  }

  List<Note> notes() {
    return List.copyOf(notes);
  }

  @Override
  public void close() {
    channel.close().awaitUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
  }
}
