package io.ballast.server.admin;

import io.ballast.core.LoadBalancer;
import io.ballast.server.metrics.ProxyMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the admin endpoints: {@code /metrics}, {@code /healthz}, {@code /readyz} and
 * {@code /admin/backends}; other paths get 404, other methods than GET and HEAD get 405.
 *
 * <p>Threading: shared by every admin connection (stateless); runs on the admin event loop only,
 * where a scrape may take a few milliseconds without touching the data plane.
 */
@ChannelHandler.Sharable
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final Logger LOG = LoggerFactory.getLogger(AdminHandler.class);
  private static final String TEXT = "text/plain; charset=utf-8";
  private static final String JSON = "application/json";

  private final ProxyMetrics metrics;
  private final Supplier<List<LoadBalancer>> pools;
  private final BooleanSupplier ready;
  private final BackendsJson backendsJson = new BackendsJson();

  AdminHandler(ProxyMetrics metrics, Supplier<List<LoadBalancer>> pools, BooleanSupplier ready) {
    this.metrics = metrics;
    this.pools = pools;
    this.ready = ready;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
    boolean keepAlive = HttpUtil.isKeepAlive(req);
    boolean head = HttpMethod.HEAD.equals(req.method());
    FullHttpResponse res;
    if (!req.decoderResult().isSuccess()) {
      res = text(HttpResponseStatus.BAD_REQUEST, "bad request\n");
      keepAlive = false;
    } else {
      res = route(ctx, req, head);
    }
    HttpUtil.setContentLength(res, res.content().readableBytes());
    if (head) {
      // HEAD gets the GET headers, Content-Length included, and no body.
      res = res.replace(Unpooled.EMPTY_BUFFER);
    }
    if (keepAlive) {
      res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
      ctx.writeAndFlush(res);
    } else {
      res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
    }
  }

  private FullHttpResponse route(ChannelHandlerContext ctx, FullHttpRequest req, boolean head) {
    String path = new QueryStringDecoder(req.uri()).path();
    Endpoint endpoint = Endpoint.of(path);
    if (endpoint == null) {
      return text(HttpResponseStatus.NOT_FOUND, "not found: " + path + "\n");
    }
    if (!head && !HttpMethod.GET.equals(req.method())) {
      FullHttpResponse res = text(HttpResponseStatus.METHOD_NOT_ALLOWED,
          "method not allowed: " + req.method() + " (expected: GET or HEAD)\n");
      res.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
      return res;
    }
    return switch (endpoint) {
      case METRICS -> metrics(ctx);
      case HEALTHZ -> text(HttpResponseStatus.OK, "ok\n");
      case READYZ -> ready.getAsBoolean()
          ? text(HttpResponseStatus.OK, "ready\n")
          : text(HttpResponseStatus.SERVICE_UNAVAILABLE, "not ready\n");
      case BACKENDS -> response(HttpResponseStatus.OK, JSON,
          Unpooled.wrappedBuffer(backendsJson.render(pools.get())));
    };
  }

  private FullHttpResponse metrics(ChannelHandlerContext ctx) {
    ByteBuf buf = ctx.alloc().buffer(16384);
    try (ByteBufOutputStream out = new ByteBufOutputStream(buf)) {
      metrics.writeTo(out);
    } catch (IOException | RuntimeException e) {
      buf.release();
      LOG.warn("metrics scrape failed", e);
      return text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "scrape failed: " + e + "\n");
    }
    return response(HttpResponseStatus.OK, ProxyMetrics.contentType(), buf);
  }

  private static FullHttpResponse text(HttpResponseStatus status, String body) {
    return response(status, TEXT, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
  }

  private static FullHttpResponse response(HttpResponseStatus status, String type, ByteBuf body) {
    FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
    res.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
    res.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    return res;
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("admin connection {} failed", ctx.channel().remoteAddress(), cause);
    ctx.close();
  }

  private enum Endpoint {
    METRICS("/metrics"),
    HEALTHZ("/healthz"),
    READYZ("/readyz"),
    BACKENDS("/admin/backends");

    private final String path;

    Endpoint(String path) {
      this.path = path;
    }

    static Endpoint of(String path) {
      for (Endpoint e : values()) {
        if (e.path.equals(path)) {
          return e;
        }
      }
      return null;
    }
  }
}
