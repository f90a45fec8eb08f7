package io.ballast.server;

import io.ballast.core.ControlLoop;
import io.ballast.core.decision.DecisionLog;
import io.ballast.core.optimizer.PoolOptimizer;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.pool.PoolListener;
import io.ballast.proxy.ListenSockets;
import io.ballast.proxy.ProxyServer;
import io.ballast.proxy.mirror.Mirror;
import io.ballast.server.accesslog.AccessLog;
import io.ballast.server.admin.AdminServer;
import io.ballast.server.admin.SheddingJson;
import io.ballast.server.config.BallastConfig;
import io.ballast.proxy.tls.ServerTls;
import io.ballast.server.metrics.ProxyMetrics;
import io.ballast.server.optimizer.DecisionRecorder;
import io.ballast.server.pool.Discovery;
import io.ballast.server.pool.PoolRuntime;
import io.ballast.server.pool.PoolServices;
import io.ballast.server.pool.PoolZones;
import io.ballast.server.pool.Pools;
import io.ballast.server.pool.StateLog;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running ballast: the control loop, the pools ({@link Pools}), the proxy and its listeners
 * ({@link Listeners}), the routes ({@link RouteBuilder}), metrics, the access log and the admin
 * listener, wired from a validated configuration, and changed live by {@link #reload} to what a
 * new one says.
 *
 * <p>Thread-safe lifecycle: {@link #start} builds and starts everything or nothing; reloads run
 * one at a time on the reload thread ({@link #apply}); {@link #stop} (from a signal handler
 * thread, a test, or the CLI) drains and closes once.
 */
public final class Ballast {
  private static final Logger log = LoggerFactory.getLogger(Ballast.class);
  /** How long a mirror no route uses is left to requests that began on the old routes. */
  private static final Duration MIRROR_GRACE = Duration.ofMillis(500);

  private final ControlLoop control;
  /** Every pool's decisions: /admin/decisions and the io.ballast.decisions log. */
  private final DecisionRecorder decisions = new DecisionRecorder(new DecisionLog());
  private final Observers observers;
  private final ProxyMetrics metrics;
  private final ProxyServer proxy;
  private final PoolZones poolZones;
  private final Discovery discovery;
  private final Pools pools;
  private final Zones zones;
  private final Listeners listeners;
  private final RouteBuilder routeBuilder = new RouteBuilder();
  private final Mirrors mirrors;
  private final Metrics extraMetrics;
  /** The file the config came from, or null (then nothing reloads). */
  private final Path configFile;
  private volatile BallastConfig config;
  private RouteBuilder.Built routes;
  private volatile Splits splits = Splits.none();
  private volatile AdminServer admin;
  private volatile Reloader reloader;
  private volatile ConfigWatcher watcher;
  private InetSocketAddress adminAddress;
  private final AtomicBoolean stopping = new AtomicBoolean();
  private volatile boolean ready;
  /** Another process took the listening sockets over ({@link #stopAccepting}). */
  private volatile boolean handedOver;
  private final CountDownLatch stopped = new CountDownLatch(1);

  /**
   * Where the proxy's listeners and the admin listener get their listening sockets: bound here
   * ({@link #BIND}), or taken over from another ballast process (the handover package).
   */
  public record Sockets(ListenSockets proxy, ListenSockets admin) {
    public static final Sockets BIND = new Sockets(ListenSockets.BIND, ListenSockets.BIND);

    public Sockets {
      java.util.Objects.requireNonNull(proxy, "proxy");
      java.util.Objects.requireNonNull(admin, "admin");
    }
  }

  private final Sockets sockets;

  private Ballast(BallastConfig config, int threads, Path configFile, Sockets sockets)
      throws IOException {
    this.config = config;
    this.sockets = sockets;
    this.configFile = configFile;
    this.control = new ControlLoop("ballast-control",
        t -> log.error("control loop task failed", t));
    this.observers = new Observers(control, config.accessLog(), this::servedTls);
    this.metrics = observers.metrics();
    this.proxy = new ProxyServer(Settings.proxySettings(config), observers.current(), threads);
    proxy.useListenSockets(sockets.proxy());
    this.poolZones = new PoolZones(config.locality().tableZones(), decisions, control.ticker());
    // A backend gone from its pool takes its pooled connections with it.
    PoolListener forget = new PoolListener() {
      @Override
      public void onMemberGone(LoadBalancer pool, io.ballast.core.Backend backend) {
        proxy.forgetBackend(backend);
      }
    };
    this.discovery = new Discovery(proxy.eventLoopGroup());
    this.pools = new Pools(new PoolServices(control, proxy, decisions, discovery), poolZones,
        new StateLog(List.of(metrics, observers.tcp(), decisions, forget)));
    this.zones = new Zones(poolZones, name -> {
      PoolRuntime r = pools.get(name);
      return r == null ? null : r.pool();
    });
    this.listeners = new Listeners(proxy);
    this.mirrors = new Mirrors(metrics.registry());
    ProbeCopyMetrics.register(metrics.registry(), proxy.asideProbes());
    this.extraMetrics = new Metrics(metrics, pools, zones);
  }

  /** Every TLS listener's certificates; none before the listeners exist. */
  private Map<String, ServerTls> servedTls() {
    Listeners l = listeners;
    return l == null ? Map.of() : l.tls();
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
    return start(config, threads, configFile, Sockets.BIND);
  }

  /**
   * As {@link #start(BallastConfig, int, Path)}, with the listening sockets from
   * {@code sockets}: a take-over starts on the sockets of the process it replaces.
   */
  public static Ballast start(BallastConfig config, int threads, Path configFile,
      Sockets sockets) throws Exception {
    long t0 = System.nanoTime();
    Ballast b = new Ballast(config, threads, configFile,
        java.util.Objects.requireNonNull(sockets, "sockets"));
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
    pools.apply(config);
    pools.awaitFirstLookups(config.discovery().dns().timeout().plusMillis(200));
    metrics.setPools(pools.balancers());
    extraMetrics.poolsChanged();
    proxy.useClientLocality(config.locality().toClientLocality());
    for (PoolRuntime r : pools.byName().values()) {
      StartLog.pool(r);
    }
    zones.pools().forEach(p -> log.info("{}", Zones.describe(p)));
    routes = routeBuilder.build(config, pools.refs());
    publishRoutes(routes);
    listeners.start(config, routes.byListener(),
        new TcpListenerSpecs(pools.refs(), config.timeouts().connect()));
    StartLog.listeners(config, routes, listeners.addresses());
    if (config.admin().enabled()) {
      admin = new AdminServer(config.admin().bind().toSocketAddress(), metrics,
          pools::balancers, () -> ready, config.admin().token().orElse(null));
      admin.useListenSockets(sockets.admin());
      admin.useDecisionLog(decisions.log());
      admin.useSplits(splits);
      admin.useZones(zones);
      SheddingJson sheddingJson = new SheddingJson();
      admin.useView("/admin/shedding", () -> sheddingJson.render(pools.sheddingStates()));
      admin.useAffinities(extraMetrics::affinities);
      admin.useMembership(pools);
      if (configFile != null) {
        admin.useReload(() -> reload(ReloadResult.Trigger.API).thenApply(
            r -> new AdminServer.ReloadAnswer(r.httpStatus(), ReloadResult.json(r))));
      }
      adminAddress = admin.start();
      StartLog.admin(adminAddress, configFile != null, config.admin().token().isPresent());
    }
    if (configFile != null) {
      reloader = new Reloader(configFile, config, this::apply, metrics.registry(),
          decisions::record);
    }
    ready = true;
  }

  private void publishRoutes(RouteBuilder.Built built) {
    splits = new Splits(built.splits());
    if (admin != null) {
      admin.useSplits(splits);
    }
    mirrors.use(built.mirrors());
  }

  /**
   * A reload's apply step (on the reload thread): makes everything that runs what {@code next}
   * says, live. What could fail (a new listener's address, a new access log file) is checked
   * first, so a refusal changes nothing. Then the pools change in place (members kept by name),
   * the settings and locality swap, every listener's routes are rebuilt on the pools and swapped,
   * listeners open and close, and last the pools no route uses any more are closed (their
   * members drain). Returns what changed beyond the routes.
   */
  private List<String> apply(BallastConfig next, RouteChanges routeChanges) {
    listeners.checkBinds(next);
    AccessLog oldLog;
    try {
      oldLog = observers.replaceAccessLog(next.accessLog());
    } catch (IOException e) {
      throw new IllegalStateException("access_log: cannot open: " + e.getMessage());
    }
    List<String> changes = new ArrayList<>(ConfigDiff.changedSections(config, next).stream()
        .filter(s -> !s.startsWith("pools.") && !s.startsWith("listeners.")).toList());
    Pools.Update update = pools.apply(next);
    changes.addAll(update.changes());
    metrics.setPools(pools.balancers());
    extraMetrics.poolsChanged();
    proxy.update(Settings.proxySettings(next), observers.current());
    if (oldLog != null) {
      oldLog.close();
    }
    if (!ConfigDiff.same(config.locality(), next.locality())) {
      proxy.useClientLocality(next.locality().toClientLocality());
      poolZones.useClientZones(next.locality().tableZones());
    }
    RouteBuilder.Built before = routes;
    RouteBuilder.Built built = routeBuilder.build(next, pools.refs());
    changes.addAll(listeners.apply(next, built.byListener(),
        new TcpListenerSpecs(pools.refs(), next.timeouts().connect())));
    routes = built;
    publishRoutes(built);
    for (Mirror m : RouteBuilder.retired(before, built)) {
      retire(m, System.nanoTime() + MIRROR_GRACE.toNanos() + m.spec().timeout().toNanos());
    }
    update.finish();
    if (admin != null) {
      admin.useToken(next.admin().token().orElse(null));
    }
    config = next;
    return changes;
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
   * Reloads the config file (see {@code docs/operations.md}, "Reload"): everything it says
   * applies live; a bad file, or one that moves the admin listener, keeps the running config.
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

  /** The bound address of every listener, in configuration order. */
  public List<InetSocketAddress> proxyAddresses() {
    return listeners.addresses();
  }

  /** The admin listener's address, or null when it is disabled. */
  public InetSocketAddress adminAddress() {
    return adminAddress;
  }

  /** The running pools' balancers by name, in configuration order. */
  public Map<String, LoadBalancer> pools() {
    Map<String, LoadBalancer> out = new LinkedHashMap<>();
    pools.byName().forEach((name, r) -> out.put(name, r.pool()));
    return out;
  }

  /** The running pools, with everything each runs. */
  public Pools runtime() {
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
    return extraMetrics.optimizers();
  }

  /** The proxy (tests watch its attempts). */
  public ProxyServer proxy() {
    return proxy;
  }

  public boolean stopping() {
    return stopping.get();
  }

  /**
   * Another ballast process serves this one's listening sockets now: the admin and proxy
   * listeners stop accepting (only this process's handles of the sockets close;
   * the sockets and their backlogs live on in the other process), and keep-alive clients are
   * told to close, as a stop begins. {@link #stop()} drains what is left. Thread-safe.
   */
  public void stopAccepting() {
    // Readiness stays as it is: the addresses are still served (by the other process), and
    // this one's /readyz answers only the admin connections it had already accepted.
    handedOver = true;
    AdminServer a = admin;
    if (a != null) {
      a.stopAccepting();
    }
    proxy.stopAccepting();
  }

  /**
   * Graceful stop: readiness goes false (unless the sockets were handed over: they are still
   * served), listeners close, keep-alive clients are told to close,
   * in-flight requests get up to {@code timeouts.drain} to finish, then everything closes. Runs
   * once; later calls wait for the first.
   */
  public void stop() {
    if (!stopping.compareAndSet(false, true)) {
      awaitStopped();
      return;
    }
    try {
      if (!handedOver) {
        ready = false;
      }
      proxy.stopAccepting();
      Duration drain = config.timeouts().drain();
      int inFlight = proxy.activeRequests();
      if (inFlight > 0) {
        log.info("draining {} in-flight request{}, {} of them open tunnels (up to {} ms)",
            inFlight, inFlight == 1 ? "" : "s", proxy.tunnels().open(), drain.toMillis());
      }
      if (!proxy.awaitDrained(drain)) {
        log.warn("drain timeout: {} request(s) still in flight are cut ({} open tunnels get "
            + "a goodbye: a WebSocket close frame, 1001)", proxy.activeRequests(),
            proxy.tunnels().open());
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
    Teardown parts = new Teardown().thenClose(watcher).thenClose(reloader)
        .then(pools::close).then(discovery::close).then(proxy::close);
    if (routes != null) {
      RouteBuilder.forEachMirror(routes, m -> parts.then(m::close));
    }
    parts.thenClose(admin).then(observers::close).then(metrics::close).then(control::close)
        .run();
  }
}
