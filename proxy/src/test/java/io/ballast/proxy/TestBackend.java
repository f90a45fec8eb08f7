package io.ballast.proxy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP/1.1 backend for tests, on 127.0.0.1 and an ephemeral port. Paths:
 * {@code /name} (its name), {@code /delay/MS}, {@code /download/BYTES} (deterministic bytes,
 * streamed with backpressure, Content-Length), {@code /chunked/BYTES} (same, chunked),
 * {@code /echo} (request headers as text lines; body size and SHA-256 in x-body-size and
 * x-body-sha256), {@code /status/CODE}, {@code /close} (closes without answering),
 * {@code /partial} (announces 1000 bytes, sends 10, closes), {@code /garbage}, {@code /health}
 * ({@link #healthStatus}, body {@link #healthBody} or its name; the methods it was asked with
 * go to {@link #healthMethods}). It counts accepted connections and request heads.
 */
final class TestBackend implements AutoCloseable {
  final String name;
  final AtomicInteger connections = new AtomicInteger();
  final AtomicInteger requests = new AtomicInteger();
  final Map<String, String> lastHeaders = new ConcurrentHashMap<>();
  /** The request target of the last request head. */
  volatile String lastUri;
  volatile int healthStatus = 200;
  /** When not 0, every request but /health is answered with this status (body: the name). */
  volatile int failWith;
  /**
   * With {@link #failWith}: only requests whose path starts with this fail, at once (no
   * {@link #delayMillis}); the others are served as usual. Null: every path fails.
   */
  volatile String failPrefix;
  /** When true, every request but /health is read whole and the connection closed unanswered. */
  volatile boolean closeEverything;
  /** Added before every answer but /health, in milliseconds. */
  volatile long delayMillis;
  /** Size and SHA-256 of the last request body read whole. */
  volatile long lastBodySize = -1;
  volatile String lastBodySha256;
  volatile String healthBody;
  /** Added to every answer written whole (name to value), e.g. a load-report header. */
  final Map<String, String> responseHeaders = new ConcurrentHashMap<>();
  final java.util.Set<String> healthMethods = ConcurrentHashMap.newKeySet();
  private final java.util.Set<Channel> children = ConcurrentHashMap.newKeySet();
  private final EventLoopGroup group;
  private final Channel server;

  TestBackend(String name) {
    this.name = name;
    this.group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    this.server = new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            connections.incrementAndGet();
            children.add(ch);
            ch.closeFuture().addListener(f -> children.remove(ch));
            ch.pipeline().addLast(new HttpServerCodec(), new Handler());
          }
        })
        .bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
  }

  int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  /** Closes every accepted connection, as a backend restarting or timing out idle ones would. */
  void dropConnections() {
    for (Channel c : children) {
      c.close().syncUninterruptibly();
    }
  }

  private final java.util.concurrent.atomic.AtomicBoolean closed =
      new java.util.concurrent.atomic.AtomicBoolean();

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    server.close().syncUninterruptibly();
    // Closed here, as a crash closes them: a graceful group shutdown with answers still
    // scheduled can leave them open, a backend that accepts and never answers.
    dropConnections();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  static byte patternByte(long i) {
    return (byte) ('a' + (i % 26));
  }

  private final class Handler extends ChannelInboundHandlerAdapter {
    private HttpRequest request;
    private MessageDigest digest;
    private long bodySize;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (msg instanceof HttpRequest r) {
          requests.incrementAndGet();
          request = r;
          lastUri = r.uri();
          bodySize = 0;
          digest = sha256();
          lastHeaders.clear();
          r.headers().forEach(e -> lastHeaders.merge(e.getKey().toLowerCase(), e.getValue(),
              (a, b) -> a + "|" + b));
        }
        if (msg instanceof HttpContent c) {
          ByteBuf b = c.content();
          bodySize += b.readableBytes();
          if (b.hasArray()) {
            digest.update(b.array(), b.arrayOffset() + b.readerIndex(), b.readableBytes());
          } else {
            digest.update(b.nioBuffer());
          }
          if (msg instanceof LastHttpContent) {
            respond(ctx);
          }
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    private void respond(ChannelHandlerContext ctx) {
      String path = request.uri();
      lastBodySize = bodySize;
      lastBodySha256 = HexFormat.of().formatHex(digest.digest());
      digest = sha256();
      long delay = delayMillis;
      if (!path.equals("/health") && delay > 0 && !failsAtOnce(path)) {
        ctx.executor().schedule(() -> answer(ctx, path), delay, TimeUnit.MILLISECONDS);
      } else {
        answer(ctx, path);
      }
    }

    private boolean failsAtOnce(String path) {
      String prefix = failPrefix;
      return failWith != 0 && prefix != null && path.startsWith(prefix);
    }

    private void answer(ChannelHandlerContext ctx, String path) {
      boolean keepAlive = HttpUtil.isKeepAlive(request);
      int forced = failWith;
      if (!path.equals("/health") && closeEverything) {
        ctx.close();
        return;
      }
      if (!path.equals("/health") && forced != 0
          && (failPrefix == null || path.startsWith(failPrefix))) {
        text(ctx, forced, name, keepAlive);
        return;
      }
      if (path.startsWith("/delay/")) {
        long ms = Long.parseLong(path.substring(7));
        ctx.executor().schedule(() -> text(ctx, 200, name, keepAlive), ms, TimeUnit.MILLISECONDS);
      } else if (path.startsWith("/download/")) {
        stream(ctx, Long.parseLong(path.substring(10)), false);
      } else if (path.startsWith("/chunked/")) {
        stream(ctx, Long.parseLong(path.substring(9)), true);
      } else if (path.startsWith("/echo")) {
        StringBuilder sb = new StringBuilder();
        request.headers().forEach(e -> sb.append(e.getKey().toLowerCase()).append(": ")
            .append(e.getValue()).append('\n'));
        FullHttpResponse r = full(200, sb.toString());
        r.headers().set("x-body-size", bodySize);
        r.headers().set("x-body-sha256", lastBodySha256);
        if (path.contains("chunked")) {
          r.headers().remove(HttpHeaderNames.CONTENT_LENGTH);
          HttpUtil.setTransferEncodingChunked(r, true);
        }
        write(ctx, r, keepAlive);
      } else if (path.startsWith("/status/")) {
        text(ctx, Integer.parseInt(path.substring(8)), name, keepAlive);
      } else if (path.equals("/close")) {
        ctx.close();
      } else if (path.equals("/partial")) {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 1000);
        ctx.write(head);
        ctx.writeAndFlush(new DefaultHttpContent(
            Unpooled.copiedBuffer("0123456789", StandardCharsets.US_ASCII)))
            .addListener(ChannelFutureListener.CLOSE);
      } else if (path.equals("/garbage")) {
        // Bypass the encoder: raw bytes that are not HTTP.
        ctx.pipeline().firstContext().writeAndFlush(
            Unpooled.copiedBuffer("NOT HTTP AT ALL\r\n\r\n", StandardCharsets.US_ASCII))
            .addListener(ChannelFutureListener.CLOSE);
      } else if (path.equals("/health")) {
        healthMethods.add(request.method().name());
        String body = healthBody;
        text(ctx, healthStatus, body == null ? name : body, keepAlive);
      } else {
        text(ctx, 200, name, keepAlive);
      }
    }

    private void stream(ChannelHandlerContext ctx, long total, boolean chunked) {
      HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
      if (chunked) {
        HttpUtil.setTransferEncodingChunked(head, true);
      } else {
        HttpUtil.setContentLength(head, total);
      }
      ctx.write(head);
      new Streamer(ctx, total).run();
    }

    private void text(ChannelHandlerContext ctx, int status, String body, boolean keepAlive) {
      write(ctx, full(status, body), keepAlive);
    }

    private void write(ChannelHandlerContext ctx, FullHttpResponse r, boolean keepAlive) {
      responseHeaders.forEach((k, v) -> r.headers().set(k, v));
      if (!keepAlive) {
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
      } else {
        ctx.writeAndFlush(r);
      }
    }
  }

  /** Writes the pattern in 16 KiB pieces, only while the channel is writable. */
  private static final class Streamer implements Runnable {
    private final ChannelHandlerContext ctx;
    private final long total;
    private long sent;

    Streamer(ChannelHandlerContext ctx, long total) {
      this.ctx = ctx;
      this.total = total;
    }

    @Override
    public void run() {
      while (sent < total && ctx.channel().isWritable()) {
        int n = (int) Math.min(16384, total - sent);
        ByteBuf buf = ctx.alloc().buffer(n);
        for (int i = 0; i < n; i++) {
          buf.writeByte(patternByte(sent + i));
        }
        sent += n;
        ctx.write(new DefaultHttpContent(buf));
      }
      if (sent >= total) {
        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        return;
      }
      ctx.flush();
      if (!ctx.channel().isActive()) {
        return;
      }
      // Not writable: try again when the flush made room (polling the loop keeps this simple).
      ctx.executor().schedule(this, 1, TimeUnit.MILLISECONDS);
    }
  }

  static FullHttpResponse full(int status, String body) {
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
        HttpResponseStatus.valueOf(status),
        Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
    r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
    return r;
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
