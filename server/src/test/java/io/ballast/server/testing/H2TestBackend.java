package io.ballast.server.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP/2 backend in cleartext with prior knowledge (h2c) on 127.0.0.1, on Netty's frame
 * codec, for end-to-end tests. Every answer says who served it ({@code x-conn}: the connection's
 * number here, {@code x-stream}: the stream id) and what it was asked ({@code x-path},
 * {@code x-authority}, {@code x-scheme}). Paths:
 * <ul>
 *   <li>{@code /slow?ms=N}: answers after N ms;
 *   <li>{@code /echo}: the request body back, whole, with its length;
 *   <li>{@code /trailers}: a body without a length, then trailers {@code x-trailer: done};
 *   <li>{@code /die-before-headers}, {@code /die-mid-body}: the connection is cut before the
 *       answer, or after its head and part of its body;
 *   <li>{@code /refuse?on=NAME}, {@code /reset?on=NAME}: the backend named NAME resets the stream
 *       with REFUSED_STREAM (it did not process the request) or INTERNAL_ERROR; another answers;
 *   <li>{@code /stall-mid-body}: the head and part of the body, then nothing (the connection
 *       stays up);
 *   <li>{@code /bytes?n=N}: N pseudo-random bytes (seeded with N);
 *   <li>anything else: {@code h2 <name>}.
 * </ul>
 * With {@link #goAwayOnSecondStream}, a connection that is still answering its first stream
 * answers a second one with GOAWAY (last stream: the first), leaving it unprocessed, and
 * finishes the first. Thread-safe.
 */
public final class H2TestBackend implements AutoCloseable {
  private static final AttributeKey<int[]> FIRST_STREAM = AttributeKey.valueOf("firstStream");

  private final String name;
  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final Channel server;
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger requests = new AtomicInteger();
  private final Set<Channel> open = ConcurrentHashMap.newKeySet();
  private volatile boolean goAwayOnSecondStream;

  /** @param maxConcurrentStreams the backend's SETTINGS_MAX_CONCURRENT_STREAMS; null: none */
  public H2TestBackend(String name, Long maxConcurrentStreams) throws InterruptedException {
    this.name = name;
    Http2Settings settings = Http2Settings.defaultSettings();
    if (maxConcurrentStreams != null) {
      settings.maxConcurrentStreams(maxConcurrentStreams);
    }
    server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            int n = connections.incrementAndGet();
            open.add(ch);
            ch.closeFuture().addListener(f -> open.remove(ch));
            ch.pipeline().addLast(
                Http2FrameCodecBuilder.forServer().initialSettings(settings).build(),
                new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                  @Override
                  protected void initChannel(Http2StreamChannel stream) {
                    stream.pipeline().addLast(new Stream(n));
                  }
                }));
          }
        }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
  }

  public int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  /** Requests answered (or begun to be) so far. */
  public int requests() {
    return requests.get();
  }

  /** Connections accepted so far. */
  public int connections() {
    return connections.get();
  }

  public void goAwayOnSecondStream(boolean on) {
    goAwayOnSecondStream = on;
  }

  /** Cuts every open connection, as a killed backend would. */
  public void cutConnections() {
    for (Channel c : open) {
      c.close();
    }
  }

  @Override
  public void close() throws InterruptedException {
    server.close().sync();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
  }

  /** One request on one stream. */
  private final class Stream extends ChannelInboundHandlerAdapter {
    private final int connection;
    private Http2Headers request;
    private CompositeByteBuf body;

    Stream(int connection) {
      this.connection = connection;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (msg instanceof Http2HeadersFrame h && request == null) {
          request = h.headers();
          body = ctx.alloc().compositeBuffer(Integer.MAX_VALUE);
          if (refused(ctx)) {
            return;
          }
          if (h.isEndStream()) {
            answer(ctx);
          }
        } else if (msg instanceof Http2DataFrame d && body != null) {
          body.addComponent(true, d.content().retain());
          if (d.isEndStream()) {
            answer(ctx);
          }
        } else if (msg instanceof Http2HeadersFrame h && h.isEndStream() && body != null) {
          answer(ctx); // request trailers end it
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    /** In GOAWAY mode, a second stream while the first is answered is left unprocessed. */
    private boolean refused(ChannelHandlerContext ctx) {
      Channel parent = ctx.channel().parent();
      int id = ((Http2StreamChannel) ctx.channel()).stream().id();
      int[] first = parent.attr(FIRST_STREAM).setIfAbsent(new int[] {id});
      if (first == null || !goAwayOnSecondStream || first[0] == id) {
        return false;
      }
      ChannelHandlerContext codec = parent.pipeline().context(Http2FrameCodec.class);
      ((Http2FrameCodec) codec.handler()).goAway(codec, first[0], Http2Error.NO_ERROR.code(),
          Unpooled.EMPTY_BUFFER, codec.newPromise());
      codec.flush();
      body.release();
      body = null;
      return true;
    }

    private void answer(ChannelHandlerContext ctx) {
      requests.incrementAndGet();
      String path = request.path().toString();
      Http2Headers head = new DefaultHttp2Headers().status("200")
          .set("x-conn", String.valueOf(connection))
          .set("x-stream", String.valueOf(((Http2StreamChannel) ctx.channel()).stream().id()))
          .set("x-path", path)
          .set("x-authority", String.valueOf(request.authority()))
          .set("x-scheme", String.valueOf(request.scheme()));
      CompositeByteBuf received = body;
      body = null;
      if (path.startsWith("/slow")) {
        long ms = Long.parseLong(path.substring(path.indexOf("ms=") + 3));
        received.release();
        ctx.executor().schedule(() -> text(ctx, head, "slow " + name), ms, TimeUnit.MILLISECONDS);
      } else if (path.startsWith("/echo")) {
        head.setInt("content-length", received.readableBytes());
        ctx.write(new DefaultHttp2HeadersFrame(head));
        ctx.writeAndFlush(new DefaultHttp2DataFrame(received, true));
      } else if (path.startsWith("/trailers")) {
        received.release();
        ctx.write(new DefaultHttp2HeadersFrame(head));
        ctx.write(new DefaultHttp2DataFrame(
            Unpooled.copiedBuffer("hello", StandardCharsets.UTF_8)));
        ctx.writeAndFlush(new DefaultHttp2HeadersFrame(
            new DefaultHttp2Headers().set("x-trailer", "done"), true));
      } else if (path.startsWith("/die-before-headers")) {
        received.release();
        ctx.channel().parent().close();
      } else if (path.startsWith("/refuse?on=" + name) || path.startsWith("/reset?on=" + name)) {
        received.release();
        ctx.writeAndFlush(new DefaultHttp2ResetFrame(path.startsWith("/refuse")
            ? Http2Error.REFUSED_STREAM : Http2Error.INTERNAL_ERROR));
      } else if (path.startsWith("/stall-mid-body")) {
        received.release();
        ctx.write(new DefaultHttp2HeadersFrame(head.setInt("content-length", 100_000)));
        ctx.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(new byte[1000])));
      } else if (path.startsWith("/bytes")) {
        received.release();
        int n = Integer.parseInt(path.substring(path.indexOf("n=") + 2));
        byte[] bytes = new byte[n];
        new java.util.Random(n).nextBytes(bytes);
        ctx.write(new DefaultHttp2HeadersFrame(head.setInt("content-length", n)));
        ctx.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(bytes), true));
      } else if (path.startsWith("/die-mid-body")) {
        received.release();
        ctx.write(new DefaultHttp2HeadersFrame(head.setInt("content-length", 100_000)));
        ctx.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(new byte[1000])))
            .addListener(f -> ctx.channel().parent().close());
      } else {
        received.release();
        text(ctx, head, "h2 " + name);
      }
    }

    private void text(ChannelHandlerContext ctx, Http2Headers head, String text) {
      ByteBuf b = Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
      head.setInt("content-length", b.readableBytes());
      ctx.write(new DefaultHttp2HeadersFrame(head));
      ctx.writeAndFlush(new DefaultHttp2DataFrame(b, true));
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (body != null) {
        body.release();
        body = null;
      }
    }
  }
}
