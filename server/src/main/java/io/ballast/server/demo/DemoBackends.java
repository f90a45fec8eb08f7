package io.ballast.server.demo;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
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
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The built-in backends of {@code ballast demo}: small HTTP servers on loopback that answer after
 * a service time of their own (fast, medium, slow), so the demo shows balancing over backends
 * that differ. {@code /health} answers at once.
 *
 * <p>Thread-safe lifecycle; the servers share one small event loop group that is not the
 * proxy's.
 */
public final class DemoBackends implements AutoCloseable {
  /** One demo backend's identity and speed. */
  public record Spec(String name, long meanMillis) {}

  /** A running demo backend. */
  public record Running(Spec spec, InetSocketAddress address) {}

  public static final List<Spec> DEFAULT = List.of(
      new Spec("demo-fast", 2), new Spec("demo-medium", 10), new Spec("demo-slow", 40));

  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final List<Channel> channels = new ArrayList<>();
  private final List<Running> running = new ArrayList<>();

  /** Starts one server per spec on 127.0.0.1 and an ephemeral port. */
  public static DemoBackends start(List<Spec> specs) throws InterruptedException {
    DemoBackends backends = new DemoBackends();
    try {
      for (Spec spec : specs) {
        backends.startOne(spec);
      }
    } catch (RuntimeException | InterruptedException e) {
      backends.close();
      throw e;
    }
    return backends;
  }

  public List<Running> running() {
    return List.copyOf(running);
  }

  private void startOne(Spec spec) throws InterruptedException {
    Channel ch = new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel c) {
            c.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20),
                new Handler(spec));
          }
        })
        .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    channels.add(ch);
    running.add(new Running(spec, (InetSocketAddress) ch.localAddress()));
  }

  @Override
  public void close() {
    for (Channel ch : channels) {
      ch.close().syncUninterruptibly();
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** Answers after the backend's service time (exponential around its mean), without blocking. */
  private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final Spec spec;

    Handler(Spec spec) {
      this.spec = spec;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      boolean keepAlive = HttpUtil.isKeepAlive(req);
      if (req.uri().startsWith("/health")) {
        respond(ctx, keepAlive, "ok\n");
        return;
      }
      double u = ThreadLocalRandom.current().nextDouble();
      long micros = (long) (-Math.log(1 - u) * spec.meanMillis() * 1000);
      String body = "hello from " + spec.name() + " (" + req.method() + " " + req.uri()
          + ", served in " + micros / 1000 + " ms)\n";
      ctx.executor().schedule(() -> respond(ctx, keepAlive, body), micros, TimeUnit.MICROSECONDS);
    }

    private void respond(ChannelHandlerContext ctx, boolean keepAlive, String text) {
      ByteBuf content = Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
      FullHttpResponse res =
          new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, content);
      res.headers()
          .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
          .set(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes())
          .set("X-Backend", spec.name());
      if (keepAlive) {
        res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        ctx.writeAndFlush(res);
      } else {
        ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
      }
    }
  }
}
