package io.ballast.server.admin;

import io.ballast.core.AdminState;
import io.ballast.core.Backend;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import io.ballast.core.pool.LoadBalancer;
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
import java.util.concurrent.CompletionStage;
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
  private static final String TEXT = "text/plain; charset=utf-8";
  private static final String JSON = "application/json";
  private static final String ACTIONS = "/admin/pools/";
  private static final String SPLITS = "/admin/splits";
  private static final String RELOAD = "/admin/reload";

  private final ProxyMetrics metrics;
  private final Supplier<List<LoadBalancer>> pools;
  private final BooleanSupplier ready;
  private final BackendsJson backendsJson = new BackendsJson();
  private final DecisionsJson decisionsJson = new DecisionsJson();
  private final SplitsJson splitsJson = new SplitsJson();
  private final ZonesJson zonesJson = new ZonesJson();
  private final AffinityJson affinityJson = new AffinityJson();
  /** The sticky pools behind /admin/affinity. */
  private volatile List<io.ballast.proxy.affinity.PoolAffinity> affinities = List.of();
  /** The zone-aware pools behind /admin/zones; null until set (an empty list then). */
  private volatile io.ballast.server.Zones zones;
  /** The traffic splits behind /admin/splits. */
  private volatile io.ballast.server.Splits splits = io.ballast.server.Splits.none();
  /** Runs a config reload for POST /admin/reload; null when nothing reloads (404 then). */
  private volatile Supplier<CompletionStage<AdminServer.ReloadAnswer>> reload;
  /** The process's decision log behind /admin/decisions; null until set (404 then). */
  private volatile io.ballast.core.decision.DecisionLog decisions;
  /** The bearer token actions need, as bytes for a constant-time compare; null: read-only. */
  private final byte[] token;

  AdminHandler(ProxyMetrics metrics, Supplier<List<LoadBalancer>> pools, BooleanSupplier ready,
      String token) {
    this.metrics = metrics;
    this.pools = pools;
    this.ready = ready;
    this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
  }

  /** Serves {@code splits} at /admin/splits. */
  void useSplits(io.ballast.server.Splits splits) {
    this.splits = splits;
  }

  /** Serves the sticky pools' sessions at /admin/affinity. */
  void useAffinities(List<io.ballast.proxy.affinity.PoolAffinity> affinities) {
    this.affinities = List.copyOf(affinities);
  }

  /** Serves the pools' zones and plans at /admin/zones. */
  void useZones(io.ballast.server.Zones zones) {
    this.zones = zones;
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
    if (!req.decoderResult().isSuccess()) {
      res = text(HttpResponseStatus.BAD_REQUEST, "bad request\n");
      keepAlive = false;
    } else if (new QueryStringDecoder(req.uri()).path().equals(RELOAD)) {
      res = reload(ctx, req, keepAlive);
      if (res == null) {
        return;
      }
    } else {
      res = route(ctx, req, head);
    }
    send(ctx, res, keepAlive, head);
  }

  private static void send(ChannelHandlerContext ctx, FullHttpResponse res, boolean keepAlive,
      boolean head) {
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
    if (path.startsWith(ACTIONS)) {
      return action(req, path);
    }
    if (path.startsWith(SPLITS + "/")) {
      return splitChange(req, path);
    }
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
      case DECISIONS -> decisions(req);
      case SPLITS -> response(HttpResponseStatus.OK, JSON,
          Unpooled.wrappedBuffer(splitsJson.render(splits)));
      case ZONES -> response(HttpResponseStatus.OK, JSON, zones == null
          ? Unpooled.copiedBuffer("[]", StandardCharsets.UTF_8)
          : Unpooled.wrappedBuffer(zonesJson.render(zones)));
      case AFFINITY -> response(HttpResponseStatus.OK, JSON,
          Unpooled.wrappedBuffer(affinityJson.render(affinities)));
    };
  }

  /**
   * {@code POST /admin/reload} with the bearer token: the reload runs off this event loop (it
   * reads and validates a file) and its answer is written when it is done; null then. Otherwise
   * the refusal.
   */
  private FullHttpResponse reload(ChannelHandlerContext ctx, FullHttpRequest req,
      boolean keepAlive) {
    FullHttpResponse refused = refuseAction(req);
    if (refused != null) {
      return refused;
    }
    Supplier<CompletionStage<AdminServer.ReloadAnswer>> r = reload;
    if (r == null) {
      return text(HttpResponseStatus.NOT_FOUND,
          "nothing to reload: this ballast was not started from a config file\n");
    }
    // No next request is read before this answer is written: answers stay in request order.
    ctx.channel().config().setAutoRead(false);
    r.get().whenComplete((answer, failure) -> ctx.executor().execute(() -> {
      FullHttpResponse res = failure == null
          ? response(HttpResponseStatus.valueOf(answer.status()), JSON,
              Unpooled.wrappedBuffer(answer.json()))
          : text(HttpResponseStatus.SERVICE_UNAVAILABLE, "reload failed: " + failure + "\n");
      send(ctx, res, keepAlive, false);
      ctx.channel().config().setAutoRead(true);
    }));
    return null;
  }

  /** {@code GET /admin/decisions?limit=N&pool=NAME}: the newest N (default 100), newest last. */
  private FullHttpResponse decisions(FullHttpRequest req) {
    io.ballast.core.decision.DecisionLog log = decisions;
    if (log == null) {
      return text(HttpResponseStatus.NOT_FOUND, "no decision log in this process\n");
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
        return text(HttpResponseStatus.BAD_REQUEST, "limit: '" + v + "' (expected: 0.."
            + log.capacity() + ")\n");
      }
    }
    List<String> poolParam = query.parameters().get("pool");
    String pool = poolParam == null || poolParam.isEmpty() ? null : poolParam.get(0);
    return response(HttpResponseStatus.OK, JSON, Unpooled.wrappedBuffer(
        decisionsJson.render(log, limit, pool, io.ballast.core.Ticker.SYSTEM.nanos())));
  }

  /**
   * {@code POST /admin/pools/{pool}/backends/{backend}/{drain|maintenance|activate}} with
   * {@code Authorization: Bearer <token>}. Drain and maintenance stop new requests to the
   * backend at once (the next picker leaves it out); requests in flight finish.
   */
  private FullHttpResponse action(FullHttpRequest req, String path) {
    String[] parts = path.substring(ACTIONS.length()).split("/", -1);
    if (parts.length != 4 || !parts[1].equals("backends")) {
      return text(HttpResponseStatus.NOT_FOUND, "not found: " + path
          + " (expected: /admin/pools/{pool}/backends/{backend}/{drain|maintenance|activate})\n");
    }
    AdminState state = switch (parts[3]) {
      case "drain" -> AdminState.DRAINING;
      case "maintenance" -> AdminState.MAINTENANCE;
      case "activate" -> AdminState.ACTIVE;
      default -> null;
    };
    if (state == null) {
      return text(HttpResponseStatus.NOT_FOUND, "unknown action '" + parts[3]
          + "' (expected: drain, maintenance or activate)\n");
    }
    FullHttpResponse refused = refuseAction(req);
    if (refused != null) {
      return refused;
    }
    String poolName = QueryStringDecoder.decodeComponent(parts[0]);
    String backendName = QueryStringDecoder.decodeComponent(parts[2]);
    for (LoadBalancer pool : pools.get()) {
      if (!pool.name().equals(poolName)) {
        continue;
      }
      for (Backend b : pool.backends()) {
        if (b.name().equals(backendName)) {
          pool.setAdminState(b, state, "admin API");
          LOG.info("admin API: pool {} backend {} -> {}", poolName, backendName, state);
          return response(HttpResponseStatus.OK, JSON,
              Unpooled.wrappedBuffer(backendsJson.action(poolName, backendName, state)));
        }
      }
      return text(HttpResponseStatus.NOT_FOUND,
          "no backend '" + backendName + "' in pool '" + poolName + "'\n");
    }
    return text(HttpResponseStatus.NOT_FOUND, "no pool '" + poolName + "'\n");
  }

  /**
   * {@code POST /admin/splits/{listener}/{route}} with {@code {"weights": {...}}} or
   * {@code {"active": group}} and the bearer token: the split's next request follows the new
   * weights. Blue-green switches and canary steps both go through here.
   */
  private FullHttpResponse splitChange(FullHttpRequest req, String path) {
    String[] parts = path.substring(SPLITS.length() + 1).split("/", -1);
    if (parts.length != 2) {
      return text(HttpResponseStatus.NOT_FOUND, "not found: " + path
          + " (expected: /admin/splits/{listener}/{route})\n");
    }
    FullHttpResponse refused = refuseAction(req);
    if (refused != null) {
      return refused;
    }
    String listener = QueryStringDecoder.decodeComponent(parts[0]);
    String route = QueryStringDecoder.decodeComponent(parts[1]);
    var entry = splits.find(listener, route);
    if (entry.isEmpty()) {
      return text(HttpResponseStatus.NOT_FOUND, "no split on route '" + route
          + "' of listener '" + listener + "'\n");
    }
    var split = entry.get().split();
    io.ballast.core.split.TrafficSplit.Weights before;
    try {
      byte[] body = new byte[req.content().readableBytes()];
      req.content().getBytes(req.content().readerIndex(), body);
      SplitsJson.Change change = splitsJson.parse(body);
      before = change.active() != null ? split.activate(change.active())
          : split.setWeights(change.weights());
    } catch (IllegalArgumentException e) {
      return text(HttpResponseStatus.BAD_REQUEST, e.getMessage() + "\n");
    }
    LOG.info("admin API: listener {} route {}: split {} -> {}", listener, route, before,
        split.weights());
    return response(HttpResponseStatus.OK, JSON,
        Unpooled.wrappedBuffer(splitsJson.render(entry.get(), before)));
  }

  /** Null when the request may act (POST with the right token), else the refusal. */
  private FullHttpResponse refuseAction(FullHttpRequest req) {
    if (!HttpMethod.POST.equals(req.method())) {
      FullHttpResponse res = text(HttpResponseStatus.METHOD_NOT_ALLOWED,
          "method not allowed: " + req.method() + " (expected: POST)\n");
      res.headers().set(HttpHeaderNames.ALLOW, "POST");
      return res;
    }
    if (token == null) {
      return text(HttpResponseStatus.FORBIDDEN,
          "admin actions are off: set admin.token in the configuration to enable them\n");
    }
    if (!authorized(req)) {
      FullHttpResponse res = text(HttpResponseStatus.UNAUTHORIZED, "missing or wrong token\n");
      res.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
      return res;
    }
    return null;
  }

  private boolean authorized(FullHttpRequest req) {
    String header = req.headers().get(HttpHeaderNames.AUTHORIZATION);
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return false;
    }
    byte[] given = header.substring(7).strip().getBytes(StandardCharsets.UTF_8);
    // Constant time, so the token cannot be found a byte at a time by timing.
    return MessageDigest.isEqual(given, token);
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
    BACKENDS("/admin/backends"),
    DECISIONS("/admin/decisions"),
    SPLITS(AdminHandler.SPLITS),
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
