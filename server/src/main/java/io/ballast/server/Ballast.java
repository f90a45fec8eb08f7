package io.ballast.server;

import io.ballast.core.AdminState;
import io.ballast.core.Backend;
import io.ballast.core.ControlLoop;
import io.ballast.core.HealthState;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.Rng;
import io.ballast.core.Ticker;
import io.ballast.core.circuit.CircuitBreakerSettings;
import io.ballast.core.circuit.CircuitState;
import io.ballast.core.circuit.PoolCircuitBreakers;
import io.ballast.core.retry.RetryPolicy;
import io.ballast.core.outlier.EjectionKind;
import io.ballast.core.outlier.OutlierDetector;
import io.ballast.core.outlier.OutlierSettings;
import io.ballast.core.decision.DecisionLog;
import io.ballast.core.optimizer.PoolOptimizer;
import io.ballast.core.optimizer.ScalingSignal;
import io.ballast.proxy.probe.HealthCheckSpec;
import io.ballast.proxy.probe.HealthChecker;
import io.ballast.proxy.ListenerSpec;
import io.ballast.proxy.mirror.Mirror;
import io.ballast.proxy.mirror.MirrorSpec;
import io.ballast.proxy.routing.PoolRef;
import io.ballast.proxy.routing.RouteSpec;
import io.ballast.proxy.affinity.AffinitySpec;
import io.ballast.proxy.affinity.PoolAffinity;
import io.ballast.server.metrics.AffinityMetrics;
import io.ballast.core.affinity.AffinitySettings;
import io.ballast.proxy.routing.SplitSpec;
import io.ballast.core.split.TrafficSplit;
import io.ballast.server.config.RouteConfig;
import io.ballast.proxy.ProxyObserver;
import io.ballast.proxy.ProxyServer;
import io.ballast.proxy.signals.SignalPollers;
import io.ballast.proxy.signals.SignalsSpec;
import io.ballast.server.accesslog.AccessLog;
import io.ballast.server.admin.AdminServer;
import io.ballast.server.config.AccessLogConfig;
import io.ballast.server.config.BallastConfig;
import io.ballast.server.metrics.CompositeObserver;
import io.ballast.server.metrics.ProxyMetrics;
import io.ballast.server.config.PoolConfig;
import io.ballast.server.config.WeightControlConfig;
import io.ballast.server.optimizer.DecisionRecorder;
import io.ballast.server.optimizer.OptimizerMetrics;
import io.ballast.server.optimizer.ScalingWebhook;
import io.ballast.server.metrics.SignalMetrics;
import io.ballast.server.reload.ConfigDiff;
import io.ballast.server.reload.ConfigWatcher;
import io.ballast.server.reload.ReloadResult;
import io.ballast.server.reload.Reloader;
import io.ballast.server.reload.RouteChanges;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running ballast: the control loop, the pools, the proxy, health checks, metrics, the access
 * log and the admin listener, wired from a validated configuration.
 *
 * <p>Thread-safe lifecycle: {@link #start} builds and starts everything or nothing; {@link #stop}
 * (from a signal handler thread, a test, or the CLI) drains and closes once.
 */
public final class Ballast {
  private static final Logger log = LoggerFactory.getLogger(Ballast.class);
  private static final Logger STATE_LOG = LoggerFactory.getLogger("io.ballast.state");

  private final BallastConfig config;
  private final ControlLoop control;
  private final Map<String, LoadBalancer> pools;
  private final List<HealthChecker> checkers = new ArrayList<>();
  private final List<OutlierDetector> detectors = new ArrayList<>();
  /** Every pool's decisions: /admin/decisions and the io.ballast.decisions log. */
  private final DecisionRecorder decisions = new DecisionRecorder(new DecisionLog());
  private final List<PoolOptimizer> optimizers = new ArrayList<>();
  private final OptimizerMetrics optimizerMetrics;
  private final List<SignalPollers> signalPollers = new ArrayList<>();
  private final ProxyMetrics metrics;
  private final AccessLog accessLog;
  private final ProxyServer proxy;
  private AdminServer admin;
  /** Each pool as routes reach it; fixed at start (a reload changes routes, not pools). */
  private final Map<String, PoolRef> refs = new LinkedHashMap<>();
  /** The routes serving now; written at start and by the reload thread only. */
  private BuiltRoutes routes;
  private volatile Splits splits = Splits.none();
  /** Zone-aware pools: their zone maps, plans for the admin listener and metrics. */
  private final Zones zones;
  private final List<PoolAffinity> affinities = new ArrayList<>();
  private final Mirrors mirrors;
  /** Every mirror ever started, the retired ones too: stop closes them all (close is idempotent). */
  private final List<Mirror> allMirrors = new java.util.concurrent.CopyOnWriteArrayList<>();
  /** The file the config came from, or null (then nothing reloads). */
  private final Path configFile;
  private volatile Reloader reloader;
  private volatile ConfigWatcher watcher;
  private List<InetSocketAddress> proxyAddresses = List.of();
  private InetSocketAddress adminAddress;
  private final AtomicBoolean stopping = new AtomicBoolean();
  private volatile boolean ready;
  private final CountDownLatch stopped = new CountDownLatch(1);

  private Ballast(BallastConfig config, int threads, Path configFile) throws IOException {
    this.config = config;
    this.configFile = configFile;
    this.control = new ControlLoop("ballast-control",
        t -> log.error("control loop task failed", t));
    // A pool takes its state listener when it is built: metrics first, then pools.
    this.metrics = new ProxyMetrics(List.of(), control);
    this.zones = new Zones(config, decisions, control.ticker());
    this.pools = buildPools(config, control, new StateLog(new Both(metrics, decisions)), zones);
    metrics.setPools(pools.values());
    this.mirrors = new Mirrors(metrics.registry());
    this.optimizerMetrics = new OptimizerMetrics(metrics);
    this.accessLog = openAccessLog(config.accessLog());
    ProxyObserver observer = accessLog == null ? metrics : CompositeObserver.of(metrics, accessLog);
    this.proxy = new ProxyServer(Settings.proxySettings(config), observer, threads);
  }

  private static AccessLog openAccessLog(AccessLogConfig c) throws IOException {
    if (!c.enabled()) {
      return null;
    }
    Optional<Path> file = c.file();
    return file.isPresent() ? AccessLog.toFile(file.get(), c.queueSize()) : AccessLog.toStdout(c.queueSize());
  }

  /** Builds and starts everything, or closes what was started and throws; nothing reloads. */
  public static Ballast start(BallastConfig config, int threads) throws Exception {
    return start(config, threads, null);
  }

  /**
   * Builds and starts everything, or closes what was started and throws. {@code configFile} is
   * where {@code config} was read from: {@link #reload} and {@code POST /admin/reload} read it
   * again; null when there is no file (then nothing reloads).
   */
  public static Ballast start(BallastConfig config, int threads, Path configFile)
      throws Exception {
    long t0 = System.nanoTime();
    Ballast b = new Ballast(config, threads, configFile);
    try {
      b.startAll();
    } catch (Exception | Error e) {
      b.closeAll();
      throw e;
    }
    log.info("ballast {} ready in {} ms", io.ballast.server.cli.VersionCommand.version(),
        (System.nanoTime() - t0) / 1_000_000);
    return b;
  }

  private void startAll() throws Exception {
    Map<String, RetryPolicy> retries = new LinkedHashMap<>();
    for (var p : config.pools()) {
      // One policy per pool, shared by its listeners: the retry budget is the pool's.
      retries.put(p.name(), new RetryPolicy(p.retries(), Ticker.SYSTEM));
    }
    metrics.setRetryPolicies(retries);
    for (var p : config.pools()) {
      PoolAffinity sticky = p.affinity().filter(AffinitySpec::usesMemory)
          .map(a -> startAffinity(pools.get(p.name()), a)).orElse(null);
      refs.put(p.name(), new PoolRef(pools.get(p.name()), retries.get(p.name()),
          p.hashKey().orElse(null), p.signals().map(SignalsSpec::loadReportHeader).orElse(null),
          zones.zoneMap(p.name()), sticky));
    }
    AffinityMetrics.register(metrics.registry(), affinities);
    zones.attach(pools);
    zones.registerMetrics(metrics.registry());
    proxy.useClientLocality(config.locality().toClientLocality());
    routes = buildRoutes(config, null);
    List<ListenerSpec> specs = new ArrayList<>();
    for (var l : config.listeners()) {
      specs.add(new ListenerSpec(l.name(), l.bind().toSocketAddress(), routes.byListener().get(l.name())));
    }
    splits = new Splits(routes.splits());
    mirrors.use(routes.mirrors());
    for (var p : config.pools()) {
      p.circuitBreaker().ifPresent(c -> startCircuitBreakers(pools.get(p.name()), c));
    }
    for (var p : config.pools()) {
      LoadBalancer pool = pools.get(p.name());
      log.info("pool {}: {}, {} backend{}{}", p.name(), p.algorithm(), pool.backends().size(),
          pool.backends().size() == 1 ? "" : "s",
          p.healthChecks().map(h -> ", " + Settings.describe(h)).orElse(
              ", no active health check (passive down time " + p.passiveDownTime().toMillis() + " ms)"));
      for (Backend b : pool.backends()) {
        if (b.name().equals(b.address())) {
          log.info("  backend {} weight {}", b.address(), b.weight());
        } else {
          log.info("  backend {} at {} weight {}", b.name(), b.address(), b.weight());
        }
      }
    }
    proxyAddresses = proxy.start(specs);
    for (int i = 0; i < specs.size(); i++) {
      ListenerSpec l = specs.get(i);
      log.info("listener {} on http://{}{}", l.name(), hostPort(proxyAddresses.get(i)),
          l.routes().size() == 1 && l.routes().get(0).pool() != null
              && l.routes().get(0).match().matchesEverything()
              ? " -> pool " + l.routes().get(0).pool().name() : ": " + l.routes().size() + " routes");
      for (RouteSpec r : l.routes().size() > 1 || l.routes().get(0).split() != null
          ? l.routes() : List.<RouteSpec>of()) {
        log.info("  route {} -> {}", r.name(), r.pool() != null ? "pool " + r.pool().name()
            : "split " + r.split().split().weights());
      }
    }
    for (var p : config.pools()) {
      if (p.healthChecks().isPresent()) {
        HealthChecker checker = new HealthChecker(pools.get(p.name()),
            Settings.healthCheckSpecs(p.healthChecks().get()), proxy.eventLoopGroup());
        checkers.add(checker);
        checker.start();
      }
    }
    Map<String, SignalsSpec> signals = new LinkedHashMap<>();
    for (var p : config.pools()) {
      p.signals().ifPresent(spec -> signals.put(p.name(),
          signalsSpec(spec, p.weightControl().isPresent())));
    }
    new SignalMetrics(metrics.registry(), metrics::pools, signals);
    for (var e : signals.entrySet()) {
      log.info("pool {}: signals: {}", e.getKey(), e.getValue());
      signalPollers.add(proxy.signalPollers(pools.get(e.getKey()), e.getValue()));
    }
    for (var p : config.pools()) {
      if (p.outlierDetection().isPresent()) {
        detectors.add(startOutlierDetection(pools.get(p.name()), p.outlierDetection().get()));
      }
    }
    for (var p : config.pools()) {
      if (p.weightControl().isPresent()) {
        optimizers.add(startOptimizer(pools.get(p.name()), p, p.weightControl().get()));
      }
    }
    optimizerMetrics.setOptimizers(optimizers);
    if (config.admin().enabled()) {
      admin = new AdminServer(config.admin().bind().toSocketAddress(), metrics,
          List.copyOf(pools.values()), () -> ready, config.admin().token().orElse(null));
      admin.useDecisionLog(decisions.log());
      admin.useSplits(splits);
      admin.useZones(zones);
      admin.useAffinities(affinities);
      if (configFile != null) {
        admin.useReload(() -> reload(ReloadResult.Trigger.API).thenApply(
            r -> new AdminServer.ReloadAnswer(r.httpStatus(), ReloadResult.json(r))));
      }
      adminAddress = admin.start();
      log.info("admin on http://{} (/metrics, /healthz, /readyz, /admin/backends,"
          + " /admin/decisions, /admin/splits, /admin/zones, /admin/affinity{}; actions {})",
          hostPort(adminAddress), configFile != null ? ", /admin/reload" : "",
          config.admin().token().isPresent()
              ? "enabled with the configured token" : "off: no admin.token");
    }
    if (configFile != null) {
      reloader = new Reloader(configFile, config, this::applyRoutes, metrics.registry(),
          decisions::record);
    }
    ready = true;
  }

  /**
   * Every listener's routes built from {@code config}, with the splits and mirrors registered.
   * With {@code previous} (a reload), a route configured as before keeps its spec (its split,
   * mirror and retry budget); a changed route keeps its split when the split is configured as
   * before (weights set through the admin listener stay, A/B users stay in their groups), and
   * its mirror likewise.
   */
  private BuiltRoutes buildRoutes(BallastConfig config, BuiltRoutes previous) {
    List<Splits.Entry> splitEntries = new ArrayList<>();
    List<Mirrors.Entry> mirrorEntries = new ArrayList<>();
    Map<String, List<RouteSpec>> byListener = new LinkedHashMap<>();
    for (var l : config.listeners()) {
      List<RouteSpec> list = new ArrayList<>();
      for (RouteConfig r : l.routes()) {
        RouteSpec built = routeSpec(l.name(), r, refs, splitEntries, mirrorEntries,
            previous == null ? Reuse.NONE : previous.reuse(l.name(), r));
        list.add(previous != null && previous.unchanged(l.name(), r)
            ? previous.spec(l.name(), r.name()) : built);
      }
      byListener.put(l.name(), list);
    }
    for (Mirrors.Entry m : mirrorEntries) {
      if (allMirrors.stream().noneMatch(x -> x == m.mirror())) {
        allMirrors.add(m.mirror());
      }
    }
    return new BuiltRoutes(config, byListener, splitEntries, mirrorEntries);
  }

  /**
   * How long a retired mirror is left to requests that began on the old routes, and how often
   * its copies in flight are looked at after that.
   */
  private static final Duration MIRROR_GRACE = Duration.ofMillis(500);

  /** What a reload keeps of a route: its split and its mirror; null for new ones. */
  private record Reuse(TrafficSplit split, Mirror mirror) {
    static final Reuse NONE = new Reuse(null, null);
  }

  /** Every listener's routes as built from one config, with their splits and mirrors. */
  private static final class BuiltRoutes {
    private final Map<String, List<RouteSpec>> byListener;
    private final List<Splits.Entry> splits;
    private final List<Mirrors.Entry> mirrors;
    /** Listener, then route name: the route's config and spec. */
    private final Map<String, Map<String, RouteConfig>> configs = new LinkedHashMap<>();
    private final Map<String, Map<String, RouteSpec>> specs = new LinkedHashMap<>();

    BuiltRoutes(BallastConfig config, Map<String, List<RouteSpec>> byListener,
        List<Splits.Entry> splits, List<Mirrors.Entry> mirrors) {
      this.byListener = byListener;
      this.splits = splits;
      this.mirrors = mirrors;
      for (var l : config.listeners()) {
        Map<String, RouteConfig> c = configs.computeIfAbsent(l.name(), k -> new LinkedHashMap<>());
        l.routes().forEach(r -> c.put(r.name(), r));
        Map<String, RouteSpec> s = specs.computeIfAbsent(l.name(), k -> new LinkedHashMap<>());
        byListener.get(l.name()).forEach(r -> s.put(r.name(), r));
      }
    }

    Map<String, List<RouteSpec>> byListener() {
      return byListener;
    }

    List<Splits.Entry> splits() {
      return splits;
    }

    List<Mirrors.Entry> mirrors() {
      return mirrors;
    }

    RouteSpec spec(String listener, String route) {
      return specs.get(listener).get(route);
    }

    /** True when the listener had a route of that name configured the same way. */
    boolean unchanged(String listener, RouteConfig r) {
      RouteConfig was = configs.getOrDefault(listener, Map.of()).get(r.name());
      return was != null && ConfigDiff.same(was, r);
    }

    /** The split and mirror of the listener's route of that name, where configured the same. */
    Reuse reuse(String listener, RouteConfig r) {
      RouteConfig was = configs.getOrDefault(listener, Map.of()).get(r.name());
      if (was == null) {
        return Reuse.NONE;
      }
      RouteSpec spec = spec(listener, r.name());
      TrafficSplit split = was.split() != null && ConfigDiff.same(was.split(), r.split())
          ? spec.split().split() : null;
      Mirror mirror = was.mirror().isPresent() && ConfigDiff.same(was.mirror(), r.mirror())
          ? spec.mirror() : null;
      return new Reuse(split, mirror);
    }
  }

  /**
   * A reload's apply step (on the reload thread): builds the new routes, then swaps each
   * listener's table, publishes the splits and mirrors, and retires the mirrors no route uses.
   */
  private void applyRoutes(BallastConfig next, RouteChanges changes) {
    BuiltRoutes built = buildRoutes(next, routes);
    for (var e : built.byListener().entrySet()) {
      proxy.replaceRoutes(e.getKey(), e.getValue());
    }
    BuiltRoutes before = routes;
    routes = built;
    splits = new Splits(built.splits());
    if (admin != null) {
      admin.useSplits(splits);
    }
    mirrors.use(built.mirrors());
    java.util.Set<Mirror> kept = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    built.mirrors().forEach(m -> kept.add(m.mirror()));
    for (Mirrors.Entry m : before.mirrors()) {
      if (!kept.contains(m.mirror())) {
        retire(m.mirror(), System.nanoTime() + MIRROR_GRACE.toNanos()
            + m.mirror().spec().timeout().toNanos());
      }
    }
  }

  /**
   * Closes a mirror no route uses any more once its copies in flight are done (requests that
   * began on the old routes may still send one during the first grace), or by {@code deadline}.
   */
  private void retire(Mirror mirror, long deadline) {
    control.schedule(MIRROR_GRACE, () -> {
      if (mirror.stats().inFlight() == 0 || System.nanoTime() - deadline >= 0) {
        mirror.close();
      } else {
        retire(mirror, deadline);
      }
    });
  }

  /**
   * Reloads the config file (see {@code docs/operations.md}, "Reload"): only the listeners'
   * routes change; a bad file or one that changes anything else keeps the running config.
   * Thread-safe; reloads run one at a time.
   *
   * @throws IllegalStateException when this balancer was started without a config file
   */
  public CompletableFuture<ReloadResult> reload(ReloadResult.Trigger trigger) {
    Reloader r = reloader;
    if (r == null) {
      return CompletableFuture.failedFuture(new IllegalStateException(
          "no config file to reload: this ballast was not started from a file"));
    }
    return r.reload(trigger);
  }

  /**
   * Reloads the config file each time it changes on disk (debounced), until stop.
   *
   * @throws IOException when the file's directory cannot be watched
   * @throws IllegalStateException when this balancer was started without a config file
   */
  public synchronized void watchConfigFile() throws IOException {
    if (reloader == null) {
      throw new IllegalStateException("no config file to watch");
    }
    if (watcher == null && !stopping.get()) {
      watcher = ConfigWatcher.start(reloader, ConfigWatcher.DEFAULT_DEBOUNCE);
    }
  }

  /**
   * A route as the proxy takes it; a split is registered for the admin listener. {@code reuse}
   * gives the split and mirror a reload keeps.
   */
  private static RouteSpec routeSpec(String listener, RouteConfig r, Map<String, PoolRef> refs,
      List<Splits.Entry> splits, List<Mirrors.Entry> mirrors, Reuse reuse) {
    SplitSpec split = null;
    if (r.split() != null) {
      Map<String, Double> weights = new LinkedHashMap<>();
      List<PoolRef> groupPools = new ArrayList<>();
      List<String> poolNames = new ArrayList<>();
      for (RouteConfig.SplitConfig.Group g : r.split().groups()) {
        weights.put(g.name(), g.weight());
        groupPools.add(refs.get(g.pool()));
        poolNames.add(g.pool());
      }
      TrafficSplit ts = reuse.split() != null ? reuse.split() : new TrafficSplit(r.name(), weights);
      RouteConfig.SplitConfig c = r.split();
      split = new SplitSpec(ts, groupPools, c.userKey(), c.forceHeader(), c.forceCookie(),
          c.groupHeader());
      splits.add(new Splits.Entry(listener, r.name(), ts, c.blueGreen(), poolNames));
    }
    RetryPolicy retry = r.retries().map(s -> new RetryPolicy(s, Ticker.SYSTEM)).orElse(null);
    Mirror mirror = reuse.mirror() != null ? reuse.mirror()
        : r.mirror().map(m -> new Mirror(new MirrorSpec(refs.get(m.pool()).pool(),
            m.percent(), m.maxBody(), m.timeout(), m.maxInFlight()))).orElse(null);
    if (mirror != null) {
      mirrors.add(new Mirrors.Entry(listener, r.name(), mirror));
    }
    return new RouteSpec(r.name(), r.match(), r.deny(), r.pool() == null ? null : refs.get(r.pool()),
        split, retry, r.responseTimeout().orElse(null), r.requestHeaders(), r.responseHeaders(),
        r.rewrite().orElse(null), mirror, r.strictAffinity().orElse(null));
  }

  /**
   * A pool's session affinity: its rebalancer (if on) ticks on the control loop and writes its
   * moves to the decision log.
   */
  private PoolAffinity startAffinity(LoadBalancer pool, AffinitySpec spec) {
    PoolAffinity a = PoolAffinity.start(pool, spec, control, decisions.log());
    affinities.add(a);
    AffinitySettings s = spec.settings();
    log.info("pool {}: affinity by {}{}, {}, new sessions bounded at {}x the average load{}",
        pool.name(), spec.strategy().configName(),
        spec.strategy() == AffinitySpec.Strategy.HEADER ? " " + spec.header() + " (fallback "
            + (spec.fallback() == null ? "none" : spec.fallback().configName()) + ")" : "",
        s.strict() ? "strict" : "soft", s.boundedLoad(),
        s.rebalance().enabled() ? ", rebalancing above " + s.rebalance().above() + "x" : "");
    return a;
  }

  /**
   * The weight controller of a pool: it ticks on the control loop, its decisions go to the
   * decision log and the io.ballast.decisions logger, its scaling events to the webhook if any.
   */
  private PoolOptimizer startOptimizer(LoadBalancer pool, PoolConfig p, WeightControlConfig wc) {
    Map<Backend, Double> costs = new java.util.IdentityHashMap<>();
    for (int i = 0; i < pool.backends().size(); i++) {
      costs.put(pool.backends().get(i), p.backends().get(i).cost());
    }
    java.util.function.Consumer<ScalingSignal> scaling = wc.webhook()
        .<java.util.function.Consumer<ScalingSignal>>map(
            url -> new ScalingWebhook(url, wc.webhookTimeout()))
        .orElse(signal -> { });
    PoolOptimizer optimizer = new PoolOptimizer(pool, wc.settings(), costs, decisions.log(),
        decisions::logLine, scaling);
    decisions.register(optimizer);
    optimizer.start(control);
    var s = wc.settings();
    log.info("pool {}: weight control every {} ms on {}{}, weights {}..{}%, steps of {} points{}",
        pool.name(), s.interval().toMillis(),
        s.objective() == io.ballast.core.optimizer.WeightControlSettings.Objective.LATENCY
            ? "p99 latency" : s.figure() + " utilization",
        s.target().isPresent() ? " toward " + s.target().getAsDouble() : " toward the pool's balance",
        s.floorPercent(), s.ceilingPercent(), s.maxStepPercent(),
        s.warmup().enabled() ? ", warm-up by feedback from " + s.warmup().startPercent() + "%" : "");
    return optimizer;
  }

  /**
   * A pool's signal sources as wired: an agent's weight percentages go straight to the pool's
   * effective weights, unless a weight controller runs the pool: then the agent's percentage is
   * one of the controller's inputs (it multiplies the controller's output), not a weight set
   * behind its back.
   */
  private static SignalsSpec signalsSpec(SignalsSpec spec, boolean controlled) {
    return spec.withApplyAgentWeights(!controlled);
  }

  /**
   * A circuit breaker per backend: an open one takes its backend out of the picker until trial
   * calls may go. Each transition is logged once with the figures that decided it.
   */
  private void startCircuitBreakers(LoadBalancer pool, CircuitBreakerSettings settings) {
    new PoolCircuitBreakers(pool, settings, control, (backend, t) -> {
      if (t.to() == CircuitState.OPEN) {
        STATE_LOG.warn("pool {} backend {} ({}): circuit {} -> {}: {}", pool.name(),
            backend.name(), backend.address(), lower(t.from()), lower(t.to()), t.reason());
      } else {
        STATE_LOG.info("pool {} backend {} ({}): circuit {} -> {}: {}", pool.name(),
            backend.name(), backend.address(), lower(t.from()), lower(t.to()), t.reason());
      }
      decisions.circuit(pool, backend, lower(t.from()), lower(t.to()), t.reason());
    });
    log.info("pool {}: circuit breakers ({} window of {}, open at {}% failures or {}% calls "
        + "slower than {} ms, {} ms open)", pool.name(), lower(settings.windowType()),
        settings.windowSize(), settings.failureRateThreshold(), settings.slowCallRateThreshold(),
        settings.slowCallDurationThreshold().toMillis(), settings.waitInOpen().toMillis());
  }

  private static String lower(Enum<?> e) {
    return e.name().toLowerCase(java.util.Locale.ROOT);
  }

  /** Passive health: the proxy reports each backend's outcomes, ejections take it out. */
  private OutlierDetector startOutlierDetection(LoadBalancer pool, OutlierSettings settings) {
    OutlierDetector detector = new OutlierDetector(pool.backends(), settings, control,
        pool::inService, new OutlierDetector.Listener() {
          @Override
          public void onEject(Backend backend, EjectionKind kind, String reason, Duration duration) {
            pool.setEjected(backend, true,
                "ejected for " + duration.toMillis() + " ms: " + reason);
          }

          @Override
          public void onReturn(Backend backend) {
            pool.setEjected(backend, false, "ejection time over");
          }

          @Override
          public void onEjectionSkipped(Backend backend, EjectionKind kind, String reason) {
            log.warn("pool {} backend {}: not ejected ({}): {}", pool.name(), backend.name(),
                kind.label(), reason);
          }
        });
    for (Backend b : pool.backends()) {
      b.useOutcomeListener(detector.tracker(b));
    }
    detector.start();
    log.info("pool {}: outlier detection every {} ms", pool.name(), settings.interval().toMillis());
    return detector;
  }

  private static Map<String, LoadBalancer> buildPools(
      BallastConfig config, ControlLoop control, LoadBalancer.Listener listener, Zones zones) {
    Map<String, LoadBalancer> pools = new LinkedHashMap<>();
    for (var p : config.pools()) {
      List<Backend> backends = new ArrayList<>();
      for (var b : p.backends()) {
        backends.add(b.toBackend());
      }
      LoadBalancer.HealthSettings health = p.healthChecks()
          .map(h -> LoadBalancer.HealthSettings.levels(h.policy(), p.passiveDownTime(),
              p.panicThreshold(), p.slowStart()))
          .orElse(new LoadBalancer.HealthSettings(1, 1, false, p.passiveDownTime(),
              p.panicThreshold(), p.slowStart()));
      LoadBalancer pool = new LoadBalancer(p.name(), backends, p.algorithm(), p.options(),
          zones.decorator(p), health, control, Rng.THREAD_LOCAL, listener);
      for (int i = 0; i < backends.size(); i++) {
        AdminState state = p.backends().get(i).state();
        if (state != AdminState.ACTIVE) {
          pool.setAdminState(backends.get(i), state, "configured");
        }
      }
      pools.put(p.name(), pool);
    }
    return pools;
  }

  public List<InetSocketAddress> proxyAddresses() {
    return proxyAddresses;
  }

  /** The admin listener's address, or null when it is disabled. */
  public InetSocketAddress adminAddress() {
    return adminAddress;
  }

  public Map<String, LoadBalancer> pools() {
    return pools;
  }

  /** The zone-aware pools and their current plans. */
  public Zones zones() {
    return zones;
  }

  /** Every traffic split, by listener and route. */
  public Splits splits() {
    return splits;
  }

  /** The process's decision log (what /admin/decisions serves). Thread-safe. */
  public DecisionLog decisionLog() {
    return decisions.log();
  }

  /** The weight controllers of the pools that have one, in configuration order. */
  public List<PoolOptimizer> optimizers() {
    return List.copyOf(optimizers);
  }

  public boolean stopping() {
    return stopping.get();
  }

  /**
   * Graceful stop: readiness goes false, listeners close, keep-alive clients are told to close,
   * in-flight requests get up to {@code timeouts.drain} to finish, then everything closes. Runs
   * once; later calls wait for the first.
   */
  public void stop() {
    if (!stopping.compareAndSet(false, true)) {
      awaitStopped();
      return;
    }
    try {
      ready = false;
      proxy.stopAccepting();
      Duration drain = config.timeouts().drain();
      int inFlight = proxy.activeRequests();
      if (inFlight > 0) {
        log.info("draining {} in-flight request{} (up to {} ms)", inFlight,
            inFlight == 1 ? "" : "s", drain.toMillis());
      }
      if (!proxy.awaitDrained(drain)) {
        log.warn("drain timeout: {} request(s) still in flight are cut", proxy.activeRequests());
      }
    } finally {
      closeAll();
      log.info("stopped");
      stopped.countDown();
    }
  }

  /** Blocks until {@link #stop()} has finished. */
  public void awaitStopped() {
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void closeAll() {
    if (watcher != null) {
      quietly(watcher::close);
    }
    if (reloader != null) {
      quietly(reloader::close);
    }
    for (HealthChecker c : checkers) {
      quietly(c::close);
    }
    for (OutlierDetector d : detectors) {
      quietly(d::close);
    }
    for (PoolOptimizer o : optimizers) {
      quietly(o::stop);
    }
    for (SignalPollers p : signalPollers) {
      quietly(p::close);
    }
    quietly(proxy::close);
    for (PoolAffinity a : affinities) {
      quietly(a::close);
    }
    for (Mirror m : allMirrors) {
      quietly(m::close);
    }
    if (admin != null) {
      quietly(admin::close);
    }
    if (accessLog != null) {
      quietly(accessLog::close);
    }
    quietly(metrics::close);
    quietly(control::close);
  }

  private static void quietly(ThrowingRunnable r) {
    try {
      r.run();
    } catch (Exception e) {
      log.warn("while stopping: {}", e.toString());
    }
  }

  @FunctionalInterface
  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  private static String hostPort(InetSocketAddress a) {
    String host = a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
  }

  /** Logs each backend state change once, with its reason, and forwards it to the metrics. */
  private static final class StateLog implements LoadBalancer.Listener {
    private final Logger stateLog = LoggerFactory.getLogger("io.ballast.state");
    private final LoadBalancer.Listener next;

    StateLog(LoadBalancer.Listener next) {
      this.next = next;
    }

    @Override
    public void onHealthChange(LoadBalancer pool, Backend backend, HealthState from,
        HealthState to, String reason) {
      if (to.serving()) {
        stateLog.info("pool {} backend {} ({}): {} -> {}: {}", pool.name(), backend.name(),
            backend.address(), from, to, reason);
      } else {
        stateLog.warn("pool {} backend {} ({}): {} -> {}: {}", pool.name(), backend.name(),
            backend.address(), from, to, reason);
      }
      next.onHealthChange(pool, backend, from, to, reason);
    }

    @Override
    public void onEjection(LoadBalancer pool, Backend backend, boolean ejected, String reason) {
      if (ejected) {
        stateLog.warn("pool {} backend {} ({}): ejected: {}", pool.name(), backend.name(),
            backend.address(), reason);
      } else {
        stateLog.info("pool {} backend {} ({}): back from ejection: {}", pool.name(),
            backend.name(), backend.address(), reason);
      }
      next.onEjection(pool, backend, ejected, reason);
    }

    @Override
    public void onPanic(LoadBalancer pool, boolean panic, String reason) {
      if (panic) {
        stateLog.warn("pool {}: panic mode: {}", pool.name(), reason);
      } else {
        stateLog.info("pool {}: panic mode over: {}", pool.name(), reason);
      }
      next.onPanic(pool, panic, reason);
    }

    @Override
    public void onWarmupStart(LoadBalancer pool, Backend backend) {
      stateLog.info("pool {} backend {} ({}): warms up by feedback from {}%", pool.name(),
          backend.name(), backend.address(), pool.weightPercent(backend));
      next.onWarmupStart(pool, backend);
    }

    @Override
    public void onAdminChange(LoadBalancer pool, Backend backend, AdminState from, AdminState to,
        String reason) {
      stateLog.info("pool {} backend {} ({}): admin {} -> {}: {}", pool.name(), backend.name(),
          backend.address(), from, to, reason);
      next.onAdminChange(pool, backend, from, to, reason);
    }
  }

  /** Forwards every state change to two listeners, in order. */
  private record Both(LoadBalancer.Listener first, LoadBalancer.Listener second)
      implements LoadBalancer.Listener {
    @Override
    public void onHealthChange(LoadBalancer pool, Backend backend, HealthState from,
        HealthState to, String reason) {
      first.onHealthChange(pool, backend, from, to, reason);
      second.onHealthChange(pool, backend, from, to, reason);
    }

    @Override
    public void onAdminChange(LoadBalancer pool, Backend backend, AdminState from, AdminState to,
        String reason) {
      first.onAdminChange(pool, backend, from, to, reason);
      second.onAdminChange(pool, backend, from, to, reason);
    }

    @Override
    public void onEjection(LoadBalancer pool, Backend backend, boolean ejected, String reason) {
      first.onEjection(pool, backend, ejected, reason);
      second.onEjection(pool, backend, ejected, reason);
    }

    @Override
    public void onPanic(LoadBalancer pool, boolean panic, String reason) {
      first.onPanic(pool, panic, reason);
      second.onPanic(pool, panic, reason);
    }

    @Override
    public void onWarmupStart(LoadBalancer pool, Backend backend) {
      first.onWarmupStart(pool, backend);
      second.onWarmupStart(pool, backend);
    }
  }
}
