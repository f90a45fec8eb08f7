package io.ballast.server.admin;

import io.ballast.core.Ticker;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.server.metrics.ProxyMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the admin endpoints: {@code /metrics}, {@code /healthz}, {@code /readyz},
 * {@code /admin/backends}, {@code /admin/decisions} and {@code /admin/splits}, and the POST
 * actions (backend state, split weights, {@code /admin/reload}); other paths get 404, other
 * methods than GET and HEAD get 405.
 *
 * <p>Threading: shared by every admin connection (stateless); runs on the admin event loop only,
 * where a scrape may take a few milliseconds without touching the data plane.
 */
@ChannelHandler.Sharable
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final Logger LOG = LoggerFactory.getLogger(AdminHandler.class);
  private static final String RELOAD = "/admin/reload";

  private final ProxyMetrics metrics;
  private final Supplier<List<LoadBalancer>> pools;
  private final BooleanSupplier ready;
  private final BackendsJson backendsJson = new BackendsJson();
  private final DecisionsJson decisionsJson = new DecisionsJson();
  private final ZonesJson zonesJson = new ZonesJson();
  private final AffinityJson affinityJson = new AffinityJson();
  /** Read-only JSON views added by the wiring ({@link #useView}), by path. */
  private final Map<String, Supplier<byte[]>> views = new ConcurrentHashMap<>();
  /** The sticky pools behind /admin/affinity. */
  private volatile Supplier<List<io.ballast.proxy.affinity.PoolAffinity>> affinities = List::of;
  /** The zone-aware pools behind /admin/zones; null until set (an empty list then). */
  private volatile io.ballast.server.Zones zones;
  /** Runs a config reload for POST /admin/reload; null when nothing reloads (404 then). */
  private volatile Supplier<CompletionStage<AdminServer.ReloadAnswer>> reload;
  /** The process's decision log behind /admin/decisions; null until set (404 then). */
  private volatile io.ballast.core.decision.DecisionLog decisions;
  private final Authorizer auth;
  private final TokenGuard guard;
  private final BackendActions backendActions;
  private final SplitActions splitActions;

  AdminHandler(ProxyMetrics metrics, Supplier<List<LoadBalancer>> pools, BooleanSupplier ready,
      String token) {
    this.metrics = metrics;
    this.pools = pools;
    this.ready = ready;
    this.auth = new Authorizer(token);
    this.guard = new TokenGuard(Ticker.SYSTEM, metrics.registry());
    this.backendActions = new BackendActions(pools, auth);
    this.splitActions = new SplitActions(auth);
  }

  /** Serves {@code splits} at /admin/splits. */
  void useSplits(io.ballast.server.Splits splits) {
    splitActions.useSplits(splits);
  }

  /** Serves the sticky pools' sessions at /admin/affinity, as {@code affinities} gives them. */
  void useAffinities(Supplier<List<io.ballast.proxy.affinity.PoolAffinity>> affinities) {
    this.affinities = affinities;
  }

  /** Adds and removes backends through {@code membership}. */
  void useMembership(Membership membership) {
    backendActions.useMembership(membership);
  }

  /** The bearer token actions need from now on; null: read-only. */
  void useToken(String token) {
    auth.useToken(token);
  }

  /** Serves the pools' zones and plans at /admin/zones. */
  void useZones(io.ballast.server.Zones zones) {
    this.zones = zones;
  }

  /** Serves {@code json} at {@code GET path} (a read-only view: no token needed). */
  void useView(String path, Supplier<byte[]> json) {
    views.put(path, json);
  }

  /** Runs {@code reload} on POST /admin/reload. */
  void useReload(Supplier<CompletionStage<AdminServer.ReloadAnswer>> reload) {
    this.reload = reload;
  }

  /** Serves {@code log} at /admin/decisions. */
  void useDecisionLog(io.ballast.core.decision.DecisionLog log) {
    decisions = log;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
    boolean keepAlive = HttpUtil.isKeepAlive(req);
    boolean head = HttpMethod.HEAD.equals(req.method());
    FullHttpResponse res;
    InetAddress from = ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress();
    long locked = isAction(req) ? guard.lockedSeconds(from) : 0;
    if (!req.decoderResult().isSuccess()) {
      res = Http.text(HttpResponseStatus.BAD_REQUEST, "bad request\n");
      keepAlive = false;
    } else if (locked > 0) {
      res = Http.text(HttpResponseStatus.TOO_MANY_REQUESTS, "too many failed tokens from "
          + from.getHostAddress() + ": admin actions refused for " + locked + " s\n");
      res.headers().set(HttpHeaderNames.RETRY_AFTER, locked);
    } else if (new QueryStringDecoder(req.uri()).path().equals(RELOAD)) {
      res = reload(ctx, req, keepAlive);
      if (res == null) {
        return;
      }
    } else {
      res = route(ctx, req, head);
    }
    if (res.status().code() == HttpResponseStatus.UNAUTHORIZED.code()) {
      guard.failed(from, req.method() + " " + new QueryStringDecoder(req.uri()).path());
    }
    Http.send(ctx, res, keepAlive, head);
  }

  /** True for a request that changes state (every one but GET and HEAD). */
  private static boolean isAction(FullHttpRequest req) {
    return !HttpMethod.GET.equals(req.method()) && !HttpMethod.HEAD.equals(req.method());
  }

  private FullHttpResponse route(ChannelHandlerContext ctx, FullHttpRequest req, boolean head) {
    String path = new QueryStringDecoder(req.uri()).path();
    if (path.startsWith(BackendActions.PREFIX)) {
      return backendActions.handle(req, path);
    }
    if (path.startsWith(SplitActions.PREFIX)) {
      return splitActions.handle(req, path);
    }
    Endpoint endpoint = Endpoint.of(path);
    Supplier<byte[]> view = endpoint == null ? views.get(path) : null;
    if (endpoint == null && view == null) {
      return Http.text(HttpResponseStatus.NOT_FOUND, "not found: " + path + "\n");
    }
    if (!head && !HttpMethod.GET.equals(req.method())) {
      FullHttpResponse res = Http.text(HttpResponseStatus.METHOD_NOT_ALLOWED,
          "method not allowed: " + req.method() + " (expected: GET or HEAD)\n");
      res.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
      return res;
    }
    if (view != null) {
      return Http.json(HttpResponseStatus.OK, view.get());
    }
    return switch (endpoint) {
      case METRICS -> metrics(ctx);
      case HEALTHZ -> Http.text(HttpResponseStatus.OK, "ok\n");
      case READYZ -> ready.getAsBoolean()
          ? Http.text(HttpResponseStatus.OK, "ready\n")
          : Http.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "not ready\n");
      case BACKENDS -> Http.response(HttpResponseStatus.OK, Http.JSON,
          Unpooled.wrappedBuffer(backendsJson.render(pools.get())));
      case DECISIONS -> decisions(req);
      case SPLITS -> Http.json(HttpResponseStatus.OK, splitActions.render());
      case ZONES -> Http.response(HttpResponseStatus.OK, Http.JSON, zones == null
          ? Unpooled.copiedBuffer("[]", StandardCharsets.UTF_8)
          : Unpooled.wrappedBuffer(zonesJson.render(zones)));
      case AFFINITY -> Http.json(HttpResponseStatus.OK, affinityJson.render(affinities.get()));
    };
  }

  /**
   * {@code POST /admin/reload} with the bearer token: the reload runs off this event loop (it
   * reads and validates a file) and its answer is written when it is done; null then. Otherwise
   * the refusal.
   */
  private FullHttpResponse reload(ChannelHandlerContext ctx, FullHttpRequest req,
      boolean keepAlive) {
    FullHttpResponse refused = auth.refuse(req);
    if (refused != null) {
      return refused;
    }
    Supplier<CompletionStage<AdminServer.ReloadAnswer>> r = reload;
    if (r == null) {
      return Http.text(HttpResponseStatus.NOT_FOUND,
          "nothing to reload: this ballast was not started from a config file\n");
    }
    // No next request is read before this answer is written: answers stay in request order.
    ctx.channel().config().setAutoRead(false);
    r.get().whenComplete((answer, failure) -> ctx.executor().execute(() -> {
      FullHttpResponse res = failure == null
          ? Http.response(HttpResponseStatus.valueOf(answer.status()), Http.JSON,
              Unpooled.wrappedBuffer(answer.json()))
          : Http.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "reload failed: " + failure + "\n");
      Http.send(ctx, res, keepAlive, false);
      ctx.channel().config().setAutoRead(true);
    }));
    return null;
  }

  /** {@code GET /admin/decisions?limit=N&pool=NAME}: the newest N (default 100), newest last. */
  private FullHttpResponse decisions(FullHttpRequest req) {
    io.ballast.core.decision.DecisionLog log = decisions;
    if (log == null) {
      return Http.text(HttpResponseStatus.NOT_FOUND, "no decision log in this process\n");
    }
    QueryStringDecoder query = new QueryStringDecoder(req.uri());
    int limit = DecisionsJson.DEFAULT_LIMIT;
    List<String> limits = query.parameters().get("limit");
    if (limits != null && !limits.isEmpty()) {
      String v = limits.get(0);
      try {
        limit = Integer.parseInt(v);
      } catch (NumberFormatException e) {
        limit = -1;
      }
      if (limit < 0 || limit > log.capacity()) {
        return Http.text(HttpResponseStatus.BAD_REQUEST, "limit: '" + v + "' (expected: 0.."
            + log.capacity() + ")\n");
      }
    }
    List<String> poolParam = query.parameters().get("pool");
    String pool = poolParam == null || poolParam.isEmpty() ? null : poolParam.get(0);
    return Http.response(HttpResponseStatus.OK, Http.JSON, Unpooled.wrappedBuffer(
        decisionsJson.render(log, limit, pool, io.ballast.core.Ticker.SYSTEM.nanos())));
  }

  private FullHttpResponse metrics(ChannelHandlerContext ctx) {
    ByteBuf buf = ctx.alloc().buffer(16384);
    try (ByteBufOutputStream out = new ByteBufOutputStream(buf)) {
      metrics.writeTo(out);
    } catch (IOException | RuntimeException e) {
      buf.release();
      LOG.warn("metrics scrape failed", e);
      return Http.text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "scrape failed: " + e + "\n");
    }
    return Http.response(HttpResponseStatus.OK, ProxyMetrics.contentType(), buf);
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
    BACKENDS("/admin/backends"),
    DECISIONS("/admin/decisions"),
    SPLITS("/admin/splits"),
    ZONES("/admin/zones"),
    AFFINITY("/admin/affinity");

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
