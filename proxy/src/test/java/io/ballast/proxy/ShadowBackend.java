package io.ballast.proxy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A shadow backend for mirror tests, on 127.0.0.1 and an ephemeral port: records every request it
 * receives whole (method, URI, headers in order, body bytes) and answers as {@link #mode} says.
 * Counts accepted connections.
 */
final class ShadowBackend implements AutoCloseable {
  enum Mode { ANSWER, SILENT, CLOSE }

  /** One request as the backend received it. */
  record Received(String method, String uri, String version, List<Map.Entry<String, String>> headers,
      byte[] body) {
    String header(String name) {
      return headers.stream().filter(e -> e.getKey().equalsIgnoreCase(name))
          .map(Map.Entry::getValue).findFirst().orElse(null);
    }
  }

  final LinkedBlockingQueue<Received> received = new LinkedBlockingQueue<>();
  final AtomicInteger connections = new AtomicInteger();
  final Set<Channel> open = ConcurrentHashMap.newKeySet();
  volatile Mode mode = Mode.ANSWER;
  volatile int status = 200;
  /** Response body size; sent chunked when {@link #chunked}. */
  volatile int responseBytes = 16;
  volatile boolean chunked;
  private final EventLoopGroup group;
  private final Channel server;

  ShadowBackend() {
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    server = new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            connections.incrementAndGet();
            open.add(ch);
            ch.closeFuture().addListener(f -> open.remove(ch));
            ch.pipeline().addLast(new HttpServerCodec(), new HeadRecorder(),
                new HttpObjectAggregator(1 << 24), new Handler());
          }
        })
        .bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
  }

  int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  @Override
  public void close() {
    server.close().syncUninterruptibly();
    for (Channel c : open) {
      c.close().syncUninterruptibly();
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** Keeps the headers as they came, before the aggregator adds its own Content-Length. */
  private static final class HeadRecorder extends ChannelInboundHandlerAdapter {
    List<Map.Entry<String, String>> headers;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpRequest r) {
        headers = r.headers().entries().stream()
            .map(e -> Map.entry(e.getKey(), e.getValue())).toList();
      }
      ctx.fireChannelRead(msg);
    }
  }

  private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest r) {
      HeadRecorder head = ctx.pipeline().get(HeadRecorder.class);
      received.add(new Received(r.method().name(), r.uri(), r.protocolVersion().text(),
          head.headers, ByteBufUtil.getBytes(r.content())));
      switch (mode) {
        case SILENT -> { }
        case CLOSE -> ctx.close();
        case ANSWER -> {
          byte[] bytes = new byte[responseBytes];
          java.util.Arrays.fill(bytes, (byte) 'x');
          FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
              HttpResponseStatus.valueOf(status), Unpooled.wrappedBuffer(bytes));
          if (chunked) {
            HttpUtil.setTransferEncodingChunked(resp, true);
          } else {
            HttpUtil.setContentLength(resp, bytes.length);
          }
          if (HttpUtil.isKeepAlive(r)) {
            ctx.writeAndFlush(resp);
          } else {
            resp.headers().set(HttpHeaderNames.CONNECTION, "close");
            ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
          }
        }
      }
    }
  }
}
