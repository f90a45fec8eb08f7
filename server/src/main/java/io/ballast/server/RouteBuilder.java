package io.ballast.server;

import io.ballast.core.Ticker;
import io.ballast.core.retry.RetryPolicy;
import io.ballast.core.split.TrafficSplit;
import io.ballast.proxy.mirror.Mirror;
import io.ballast.proxy.mirror.MirrorSpec;
import io.ballast.proxy.ratelimit.RateLimitSpec;
import io.ballast.proxy.ratelimit.RateLimiter;
import io.ballast.proxy.routing.PoolRef;
import io.ballast.proxy.routing.RouteSpec;
import io.ballast.proxy.routing.SplitSpec;
import io.ballast.proxy.tls.BackendTls;
import io.ballast.proxy.upstream.BackendProtocol;
import io.ballast.server.config.BallastConfig;
import io.ballast.server.config.ListenerConfig;
import io.ballast.server.config.RouteConfig;
import io.ballast.server.reload.ConfigDiff;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Builds every listener's routes as the proxy takes them from a configuration and the running
 * pools' {@link PoolRef}s. Route specs are cheap and always built anew; what a route holds that
 * has state is kept across reloads when the route configures it the same way: its traffic split
 * (weights set through the admin listener stay, A/B users stay in their groups), its mirror
 * (copies in flight finish on it), its own retry policy (budget and counters) and its rate
 * limiters (their buckets), the listener's too.
 *
 * <p>Used by one thread at a time (start, then the reload thread).
 */
final class RouteBuilder {
  /** Every listener's routes as built from one config, with their splits and mirrors. */
  record Built(Map<String, List<RouteSpec>> byListener, List<Splits.Entry> splits,
      List<Mirrors.Entry> mirrors) {}

  /** What a route kept: keyed by listener and route name. */
  private record Kept(RouteConfig config, TrafficSplit split, Mirror mirror,
      io.ballast.core.pool.LoadBalancer mirrorPool, RetryPolicy retry) {}

  private Map<String, Kept> kept = Map.of();
  /** Rate limiters by listener (and route) and name; kept while their spec stays the same. */
  private Map<String, RateLimiter> limiters = Map.of();

  /** Builds the routes of {@code config} on {@code refs} (the running pools by name). */
  Built build(BallastConfig config, Map<String, PoolRef> refs) {
    Map<String, List<RouteSpec>> byListener = new LinkedHashMap<>();
    List<Splits.Entry> splits = new ArrayList<>();
    List<Mirrors.Entry> mirrors = new ArrayList<>();
    Map<String, Kept> next = new HashMap<>();
    Map<String, RateLimiter> nextLimiters = new HashMap<>();
    for (ListenerConfig l : config.listeners()) {
      List<RouteSpec> list = new ArrayList<>();
      List<RateLimiter> shared = limiters(l.name(), l.rateLimits(), nextLimiters);
      for (RouteConfig r : l.routes()) {
        Kept was = kept.get(key(l.name(), r.name()));
        Kept now = keep(r, was, refs);
        next.put(key(l.name(), r.name()), now);
        List<RateLimiter> limits = new ArrayList<>(shared);
        limits.addAll(limiters(key(l.name(), r.name()), r.rateLimits(), nextLimiters));
        long maxBody = r.maxRequestBody() != null ? r.maxRequestBody()
            : l.limits().maxRequestBody();
        list.add(spec(l.name(), r, refs, now, splits, mirrors, limits).withMaxRequestBody(maxBody));
      }
      byListener.put(l.name(), list);
    }
    kept = next;
    limiters = nextLimiters;
    return new Built(byListener, splits, mirrors);
  }

  /** The mirrors of {@code before} that {@code after} no longer uses. */
  static List<Mirror> retired(Built before, Built after) {
    Set<Mirror> used = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    after.mirrors().forEach(m -> used.add(m.mirror()));
    List<Mirror> out = new ArrayList<>();
    for (Mirrors.Entry m : before.mirrors()) {
      if (!used.contains(m.mirror())) {
        out.add(m.mirror());
      }
    }
    return out;
  }

  /**
   * The limiters of {@code specs} at {@code scope} (a listener, or listener/route): the running
   * one where its spec is unchanged (its buckets stay: a reload is no way to reset them), else a
   * new one; recorded in {@code next}.
   */
  private List<RateLimiter> limiters(String scope, List<RateLimitSpec> specs,
      Map<String, RateLimiter> next) {
    List<RateLimiter> out = new ArrayList<>();
    for (RateLimitSpec spec : specs) {
      String k = scope + "#" + spec.name();
      RateLimiter was = limiters.get(k);
      RateLimiter now = was != null && was.spec().equals(spec) ? was : new RateLimiter(spec);
      next.put(k, now);
      out.add(now);
    }
    return out;
  }

  private static String key(String listener, String route) {
    return listener + "/" + route;
  }

  /** What the route keeps of {@code was} (configured the same), and what it makes anew. */
  private static Kept keep(RouteConfig r, Kept was, Map<String, PoolRef> refs) {
    TrafficSplit split = null;
    if (r.split() != null) {
      split = was != null && was.config().split() != null
          && ConfigDiff.same(was.config().split(), r.split()) ? was.split() : null;
      if (split == null) {
        Map<String, Double> weights = new LinkedHashMap<>();
        r.split().groups().forEach(g -> weights.put(g.name(), g.weight()));
        split = new TrafficSplit(r.name(), weights);
      }
    }
    Mirror mirror = null;
    io.ballast.core.pool.LoadBalancer mirrorPool = null;
    if (r.mirror().isPresent()) {
      var m = r.mirror().get();
      mirrorPool = refs.get(m.pool()).pool();
      BackendTls mirrorTls = refs.get(m.pool()).tls();
      BackendProtocol mirrorProtocol = refs.get(m.pool()).protocol();
      mirror = was != null && was.mirror() != null && was.mirrorPool() == mirrorPool
          && ConfigDiff.same(was.config().mirror(), r.mirror())
          && Objects.equals(was.mirror().spec().tls(), mirrorTls)
          && was.mirror().spec().protocol().equals(mirrorProtocol) ? was.mirror()
          : new Mirror(new MirrorSpec(mirrorPool, m.percent(), m.maxBody(), m.timeout(),
              m.maxInFlight(), MirrorSpec.DEFAULT_IDLE_TIMEOUT, mirrorTls, mirrorProtocol));
    }
    RetryPolicy retry = null;
    if (r.retries().isPresent()) {
      retry = was != null && was.retry() != null
          && ConfigDiff.same(was.config().retries(), r.retries()) ? was.retry()
          : new RetryPolicy(r.retries().get(), Ticker.SYSTEM);
    }
    return new Kept(r, split, mirror, mirrorPool, retry);
  }

  /** The route as the proxy takes it; its split and mirror are listed for admin and metrics. */
  private static RouteSpec spec(String listener, RouteConfig r, Map<String, PoolRef> refs,
      Kept kept, List<Splits.Entry> splits, List<Mirrors.Entry> mirrors,
      List<RateLimiter> limits) {
    SplitSpec split = null;
    if (r.split() != null) {
      List<PoolRef> groupPools = new ArrayList<>();
      List<String> poolNames = new ArrayList<>();
      for (RouteConfig.SplitConfig.Group g : r.split().groups()) {
        groupPools.add(refs.get(g.pool()));
        poolNames.add(g.pool());
      }
      RouteConfig.SplitConfig c = r.split();
      split = new SplitSpec(kept.split(), groupPools, c.userKey(), c.forceHeader(),
          c.forceCookie(), c.groupHeader());
      splits.add(new Splits.Entry(listener, r.name(), kept.split(), c.blueGreen(), poolNames));
    }
    if (kept.mirror() != null) {
      mirrors.add(new Mirrors.Entry(listener, r.name(), kept.mirror()));
    }
    return new RouteSpec(r.name(), r.match(), r.deny(),
        r.pool() == null ? null : refs.get(r.pool()), split, kept.retry(),
        r.responseTimeout().orElse(null), r.requestHeaders(), r.responseHeaders(),
        r.rewrite().orElse(null), kept.mirror(), r.strictAffinity().orElse(null),
        r.httpsRedirect().orElse(null), r.access() == null ? null : r.access().list(), limits);
  }

  /** Applies {@code each} to every mirror {@code built} uses. */
  static void forEachMirror(Built built, Consumer<Mirror> each) {
    built.mirrors().forEach(m -> each.accept(m.mirror()));
  }
}
