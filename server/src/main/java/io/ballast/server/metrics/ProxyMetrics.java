package io.ballast.server.metrics;

import io.ballast.core.Backend;
import io.ballast.core.HealthState;
import io.ballast.core.Scheduler;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.pool.PoolListener;
import io.ballast.core.retry.RetryPolicy;
import io.ballast.proxy.ProxyObserver;
import io.ballast.proxy.RequestLog;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Prometheus metrics of the proxy and its pools, in a registry of their own.
 *
 * <p>Metrics:
 * <ul>
 *   <li>{@code lb_requests_total{pool,backend,status,route}}: requests by final status; backend
 *       {@code none} when ballast answered itself, status {@code 0} when the client left first,
 *       route {@code none} when no route took the request;
 *   <li>{@code lb_split_requests_total{listener,route,group}}: requests of split routes by group;
 *   <li>{@code lb_response_time_seconds{pool,backend}}: classic histogram, 0.5 ms to 10 s, no 101s;
 *   <li>{@code lb_active_connections}, {@code lb_backend_requests_in_flight},
 *       {@code lb_backend_health}, {@code lb_backend_health_state}, {@code lb_backend_available},
 *       {@code lb_backend_admin_state}, {@code lb_error_rate} (all {@code {pool,backend}}): read
 *       from the pools at scrape time;
 *   <li>{@code lb_client_connections{listener}} and
 *       {@code lb_health_transitions_total{pool,backend,from,to}}.
 * </ul>
 *
 * <p>{@code lb_error_rate} is the share of a backend's responses that were errors (5xx or
 * transport failures, as counted by {@link io.ballast.core.BackendLoad}: every attempt, retries
 * included) over a sliding window (60 s by default). A timer on the given {@link Scheduler}
 * samples each backend's cumulative counters once per second into a small ring
 * ({@link ErrorRateWindow}), so the value does not depend on how often anyone scrapes.
 *
 * <p>Per-request cost: every backend's labelled data points are created once and cached; a
 * request costs one lock-free map read (by backend identity), one array read indexed by status,
 * a counter increment and a histogram observation. No strings are built per request.
 *
 * <p>Wiring: a pool takes its {@link PoolListener} at construction, so build the metrics
 * first, then the pools with the metrics as their listener, then hand the pools over:
 * <pre>{@code
 * ProxyMetrics metrics = new ProxyMetrics(List.of(), controlLoop);
 * LoadBalancer web = new LoadBalancer("web", backends, algorithm, health, controlLoop, rng, metrics);
 * metrics.setPools(List.of(web));
 * }</pre>
 *
 * <p>Threading: thread-safe. The {@link ProxyObserver} methods are non-blocking and meant for
 * event loops; the {@link PoolListener} methods run on the control loop; {@link #scrape}
 * may run on any thread.
 */
public final class ProxyMetrics implements ProxyObserver, PoolListener, AutoCloseable {
  /** The default error-rate window. */
  public static final Duration DEFAULT_ERROR_RATE_WINDOW = Duration.ofSeconds(60);

  /** Upper bounds in seconds: a proxy's answers span sub-millisecond cache hits to slow pages. */
  static final double[] RESPONSE_TIME_BUCKETS = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
  };

  /** The label value used when no pool or no backend was involved. */
  public static final String NONE = "none";

  private static final Duration TICK = Duration.ofSeconds(1);
  /** HTTP status codes have three digits; anything else takes the slow path. */
  private static final int STATUS_SLOTS = 1000;
  private static final PrometheusTextFormatWriter WRITER = PrometheusTextFormatWriter.create();

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Counter requests;
  private final Histogram responseTime;
  private final Counter healthTransitions;
  private final Counter splitRequests;
  /** Split-group counters by listener, route and group, made on first use. */
  private final Map<String, Map<String, Map<String, CounterDataPoint>>> splitSeries =
      new ConcurrentHashMap<>();
  private final Counter ejections;
  private final FailoverMetrics failover;
  private final Scheduler scheduler;
  private final int windowTicks;
  private final Map<Backend, Series> byBackend = new ConcurrentHashMap<>();
  private final Map<String, Series> selfAnswered = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> clientConnections = new ConcurrentHashMap<>();
  private volatile List<LoadBalancer> pools;
  private volatile boolean closed;
  private volatile Scheduler.Cancellable nextTick;

  /** Reports on the pools with the default 60 s error-rate window. */
  public ProxyMetrics(Collection<LoadBalancer> pools, Scheduler scheduler) {
    this(pools, scheduler, DEFAULT_ERROR_RATE_WINDOW);
  }

  /**
   * Reports on the pools.
   *
   * @param pools the pools whose backends appear in the metrics (see {@link #setPools})
   * @param scheduler runs the once-per-second error-rate harvest (the control loop)
   * @param errorRateWindow the error-rate window, whole seconds, at least 1 s
   */
  public ProxyMetrics(
      Collection<LoadBalancer> pools, Scheduler scheduler, Duration errorRateWindow) {
    Objects.requireNonNull(pools, "pools");
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    Objects.requireNonNull(errorRateWindow, "errorRateWindow");
    if (errorRateWindow.compareTo(TICK) < 0) {
      throw new IllegalArgumentException(
          "errorRateWindow: " + errorRateWindow + " (expected: >= 1s)");
    }
    this.windowTicks = (int) errorRateWindow.toSeconds();

    requests = Counter.builder()
        .name("lb_requests_total")
        .help("Client requests by pool, backend that answered, status sent and route")
        .labelNames("pool", "backend", "status", "route")
        .withoutExemplars()
        .register(registry);
    responseTime = Histogram.builder()
        .name("lb_response_time_seconds")
        .help("Time from the request head's arrival to the last response byte")
        .labelNames("pool", "backend")
        .classicOnly()
        .classicUpperBounds(RESPONSE_TIME_BUCKETS)
        .withoutExemplars()
        .register(registry);
    splitRequests = Counter.builder()
        .name("lb_split_requests_total")
        .help("Requests of a split route by the group they were sent to")
        .labelNames("listener", "route", "group")
        .withoutExemplars()
        .register(registry);
    healthTransitions = Counter.builder()
        .name("lb_health_transitions_total")
        .help("Backend health state changes")
        .labelNames("pool", "backend", "from", "to")
        .withoutExemplars()
        .register(registry);
    ejections = Counter.builder()
        .name("lb_outlier_ejections_total")
        .help("Backends taken out by outlier detection")
        .labelNames("pool", "backend")
        .withoutExemplars()
        .register(registry);
    new BackendGauges(registry, () -> this.pools, this::errorRate, () -> clientConnections);
    this.failover = new FailoverMetrics(registry, () -> this.pools);
    setPools(pools);
    scheduleTick();
  }

  /**
   * Replaces the pools reported on (after a reload, or when the pools are built after this
   * object because they take it as their listener). Counters of backends that left keep their
   * values; scrape-time gauges follow the new pools at once. Thread-safe.
   */
  public void setPools(Collection<LoadBalancer> pools) {
    List<LoadBalancer> copy = List.copyOf(pools);
    for (LoadBalancer pool : copy) {
      for (Backend b : pool.backends()) {
        byBackend.computeIfAbsent(b, k -> new Series(pool.name(), k.name(), windowTicks));
      }
    }
    this.pools = copy;
  }

  /** The pools currently reported on. Thread-safe. */
  public List<LoadBalancer> pools() {
    return pools;
  }

  /** The registry holding these metrics; other components may register theirs into it. */
  public PrometheusRegistry registry() {
    return registry;
  }

  /** Writes every metric in the Prometheus text format 0.0.4. Thread-safe. */
  public void writeTo(OutputStream out) throws IOException {
    WRITER.write(out, registry.scrape());
  }

  /** Every metric in the Prometheus text format 0.0.4. Thread-safe. */
  public String scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
    try {
      writeTo(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** The content type of {@link #scrape()}: {@code text/plain; version=0.0.4; charset=utf-8}. */
  public static String contentType() {
    return PrometheusTextFormatWriter.CONTENT_TYPE;
  }

  @Override
  public void onRequestComplete(RequestLog log) {
    Series s = series(log);
    s.requests(log.route(), log.status()).inc();
    if (log.status() != 101) {
      // A 101's duration is its tunnel's life, not how long the backend took to answer.
      s.responseTime.observe(log.durationNanos() / 1e9);
    }
    if (log.group() != null) {
      splitSeries(log).inc();
    }
  }

  @Override
  public void onClientConnectionOpened(String listener) {
    connections(listener).incrementAndGet();
  }

  @Override
  public void onClientConnectionClosed(String listener) {
    connections(listener).decrementAndGet();
  }

  @Override
  public void onHealthChange(
      LoadBalancer pool, Backend backend, HealthState from, HealthState to, String reason) {
    healthTransitions
        .labelValues(pool.name(), backend.name(), label(from), label(to))
        .inc();
  }

  @Override
  public void onEjection(LoadBalancer pool, Backend backend, boolean ejected, String reason) {
    if (ejected) {
      ejections.labelValues(pool.name(), backend.name()).inc();
    }
  }

  /**
   * A backend left its pool for good: its series go, unless a new member took its name (an
   * address change), whose requests count on under the same labels. Keeps a pool whose members
   * come and go (discovery) from growing the registry without bound.
   */
  @Override
  public void onMemberGone(LoadBalancer pool, Backend backend) {
    Series s = byBackend.remove(backend);
    if (s == null || pool.backend(backend.name()) != null) {
      return;
    }
    for (Map.Entry<String, AtomicReferenceArray<CounterDataPoint>> e : s.byRoute.entrySet()) {
      AtomicReferenceArray<CounterDataPoint> byStatus = e.getValue();
      for (int status = 0; status < byStatus.length(); status++) {
        if (byStatus.get(status) != null) {
          requests.remove(s.pool, s.backend, Integer.toString(status), e.getKey());
        }
      }
    }
    responseTime.remove(s.pool, s.backend);
    ejections.remove(s.pool, s.backend);
    for (HealthState from : HealthState.values()) {
      for (HealthState to : HealthState.values()) {
        healthTransitions.remove(s.pool, s.backend, label(from), label(to));
      }
    }
  }

  /** Stops the error-rate harvest. The metrics stay readable. */
  @Override
  public void close() {
    closed = true;
    Scheduler.Cancellable tick = nextTick;
    if (tick != null) {
      tick.cancel();
    }
  }

  private Series series(RequestLog log) {
    Backend backend = log.backend();
    if (backend != null) {
      Series s = byBackend.get(backend);
      return s != null ? s : byBackend.computeIfAbsent(
          backend, k -> new Series(poolLabel(log), k.name(), windowTicks));
    }
    String pool = poolLabel(log);
    Series s = selfAnswered.get(pool);
    return s != null ? s : selfAnswered.computeIfAbsent(pool, k -> new Series(k, NONE, 0));
  }

  /** Three map reads on the event loop, no key built per request. */
  private CounterDataPoint splitSeries(RequestLog log) {
    Map<String, Map<String, CounterDataPoint>> routes = splitSeries.get(log.listener());
    Map<String, CounterDataPoint> groups = routes == null ? null : routes.get(log.route());
    CounterDataPoint p = groups == null ? null : groups.get(log.group());
    if (p == null) {
      p = splitSeries.computeIfAbsent(log.listener(), k -> new ConcurrentHashMap<>())
          .computeIfAbsent(log.route(), k -> new ConcurrentHashMap<>())
          .computeIfAbsent(log.group(),
              k -> splitRequests.labelValues(log.listener(), log.route(), log.group()));
    }
    return p;
  }

  private static String poolLabel(RequestLog log) {
    return log.pool() == null ? NONE : log.pool();
  }

  private AtomicLong connections(String listener) {
    AtomicLong n = clientConnections.get(listener);
    return n != null ? n : clientConnections.computeIfAbsent(listener, k -> new AtomicLong());
  }

  private void scheduleTick() {
    if (!closed) {
      nextTick = scheduler.schedule(TICK, this::tick);
    }
  }

  /** Control loop: samples every current backend's cumulative counters, then re-arms. */
  private void tick() {
    if (closed) {
      return;
    }
    for (LoadBalancer pool : pools) {
      for (Backend b : pool.backends()) {
        Series s = byBackend.get(b);
        if (s != null && s.errors != null) {
          s.errors.sample(b.load().requests(), b.load().failures());
        }
      }
    }
    scheduleTick();
  }

  /**
   * Makes each pool's retry counters and budget appear in the metrics, by pool name. Thread-safe.
   */
  public void setRetryPolicies(Map<String, RetryPolicy> policies) {
    failover.setRetryPolicies(policies);
  }

  private double errorRate(Backend b) {
    Series s = byBackend.get(b);
    return s == null || s.errors == null ? 0.0 : s.errors.rate();
  }

  private static String label(Enum<?> state) {
    return state.name().toLowerCase(Locale.ROOT);
  }

  /**
   * The cached data points of one (pool, backend) pair. The status slots fill lazily: a racing
   * first fill is harmless because the registry returns the same data point for the same labels.
   */
  private final class Series {
    final String pool;
    final String backend;
    final DistributionDataPoint responseTime;
    /** Per route (NONE when no route took the request), one slot per status code. */
    final Map<String, AtomicReferenceArray<CounterDataPoint>> byRoute = new ConcurrentHashMap<>();
    /** Null for the self-answered series, which has no backend counters to sample. */
    final ErrorRateWindow errors;

    Series(String pool, String backend, int windowTicks) {
      this.pool = pool;
      this.backend = backend;
      this.responseTime = ProxyMetrics.this.responseTime.labelValues(pool, backend);
      this.errors = windowTicks > 0 ? new ErrorRateWindow(windowTicks) : null;
    }

    CounterDataPoint requests(String route, int status) {
      String r = route == null ? NONE : route;
      if (status < 0 || status >= STATUS_SLOTS) {
        return ProxyMetrics.this.requests.labelValues(pool, backend, Integer.toString(status), r);
      }
      AtomicReferenceArray<CounterDataPoint> byStatus = byRoute.get(r);
      if (byStatus == null) {
        byStatus = byRoute.computeIfAbsent(r, k -> new AtomicReferenceArray<>(STATUS_SLOTS));
      }
      CounterDataPoint p = byStatus.get(status);
      if (p == null) {
        p = ProxyMetrics.this.requests.labelValues(pool, backend, Integer.toString(status), r);
        byStatus.set(status, p);
      }
      return p;
    }
  }
}
