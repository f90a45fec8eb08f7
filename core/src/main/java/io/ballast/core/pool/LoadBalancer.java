package io.ballast.core.pool;

import io.ballast.core.AdminState;
import io.ballast.core.Backend;
import io.ballast.core.HealthState;
import io.ballast.core.PickResult;
import io.ballast.core.Picker;
import io.ballast.core.PoolLoad;
import io.ballast.core.Rng;
import io.ballast.core.Scheduler;

import io.ballast.core.health.BackendHealth;
import io.ballast.core.health.CheckRecord;
import io.ballast.core.health.HealthLevel;
import io.ballast.core.health.HealthPolicy;
import io.ballast.core.health.LevelStatus;
import io.ballast.core.pick.Algorithm;
import io.ballast.core.pick.AlgorithmOptions;
import io.ballast.core.pick.PickerFactory;
import io.ballast.core.pick.PoolSnapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * The control side of one pool: it holds each backend's health and admin state, turns events into
 * a new immutable {@link Picker} and publishes it for the data plane.
 *
 * <p>Threading: {@link #picker()} and the {@code status} readers are thread-safe (volatile reads).
 * The {@code report*} and {@code set*} methods are thread-safe too: they post to the control loop
 * ({@link Scheduler}), where every state change and every rebuild happens, one at a time. A picker
 * is republished only when the set of available backends or their weights change.
 */
public final class LoadBalancer {
  /** Receives every state change, on the control loop. */
  public interface Listener {
    Listener NONE = new Listener() {};

    default void onHealthChange(
        LoadBalancer pool, Backend backend, HealthState from, HealthState to, String reason) {}

    default void onAdminChange(
        LoadBalancer pool, Backend backend, AdminState from, AdminState to, String reason) {}

    /** Outlier detection took the backend out ({@code ejected} true) or let it back. */
    default void onEjection(LoadBalancer pool, Backend backend, boolean ejected, String reason) {}

    /** The pool entered ({@code panic} true) or left panic mode. */
    default void onPanic(LoadBalancer pool, boolean panic, String reason) {}

    /**
     * A backend came back (health, operator, ejection or circuit) while the pool warms up by
     * feedback ({@link #useFeedbackWarmup}): it now serves at the start percentage, and whoever
     * listens (the weight controller) raises it.
     */
    default void onWarmupStart(LoadBalancer pool, Backend backend) {}
  }

  /**
   * How health is judged (see {@link HealthPolicy}) and what the pool does when much of it is
   * down.
   *
   * @param rise passing checks in a row that bring a backend back (the single level's, when
   *     {@code policy} is built from them)
   * @param fall failing checks in a row that take a backend out (likewise)
   * @param activeChecks whether active health checks run (otherwise a refused backend returns
   *     after {@code passiveDownTime})
   * @param passiveDownTime how long a refused backend stays out without active checks
   * @param panicThresholdPercent when fewer than this share of the pool's active (not drained)
   *     backends are healthy, the pool balances over all of them, healthy or not, rather than
   *     crush the few that are left (Envoy's panic mode); 0 turns it off. With no healthy backend
   *     at all the pool answers "none available" at once instead.
   * @param slowStart over this window a backend that comes back takes a weight growing linearly
   *     from almost nothing to its full weight; zero turns it off. Only algorithms that honour
   *     weights feel it.
   * @param policy the levels of active checks and how they combine into a verdict;
   *     {@link HealthPolicy#single} of {@code rise} and {@code fall} for one check
   */
  public record HealthSettings(int rise, int fall, boolean activeChecks, Duration passiveDownTime,
      int panicThresholdPercent, Duration slowStart, HealthPolicy policy) {
    public HealthSettings {
      if (rise < 1) {
        throw new IllegalArgumentException("rise: " + rise + " (expected: >= 1)");
      }
      if (fall < 1) {
        throw new IllegalArgumentException("fall: " + fall + " (expected: >= 1)");
      }
      Objects.requireNonNull(passiveDownTime, "passiveDownTime");
      if (passiveDownTime.isNegative() || passiveDownTime.isZero()) {
        throw new IllegalArgumentException(
            "passiveDownTime: " + passiveDownTime + " (expected: > 0)");
      }
      if (panicThresholdPercent < 0 || panicThresholdPercent > 100) {
        throw new IllegalArgumentException(
            "panicThresholdPercent: " + panicThresholdPercent + " (expected: 0..100)");
      }
      Objects.requireNonNull(slowStart, "slowStart");
      if (slowStart.isNegative()) {
        throw new IllegalArgumentException("slowStart: " + slowStart + " (expected: >= 0)");
      }
      Objects.requireNonNull(policy, "policy");
    }

    /** One check level damped by {@code rise} and {@code fall}. */
    public HealthSettings(int rise, int fall, boolean activeChecks, Duration passiveDownTime,
        int panicThresholdPercent, Duration slowStart) {
      this(rise, fall, activeChecks, passiveDownTime, panicThresholdPercent, slowStart,
          HealthPolicy.single(rise, fall));
    }

    /**
     * Active checks in several levels: {@code rise} and {@code fall} are those of the first
     * level, for whoever reads them.
     */
    public static HealthSettings levels(HealthPolicy policy, Duration passiveDownTime,
        int panicThresholdPercent, Duration slowStart) {
      HealthLevel first = policy.levels().get(0);
      return new HealthSettings(first.rise(), first.fall(), true, passiveDownTime,
          panicThresholdPercent, slowStart, policy);
    }

    /** Panic below {@value #DEFAULT_PANIC_THRESHOLD}% healthy, no slow start. */
    public HealthSettings(int rise, int fall, boolean activeChecks, Duration passiveDownTime) {
      this(rise, fall, activeChecks, passiveDownTime, DEFAULT_PANIC_THRESHOLD, Duration.ZERO);
    }

    /** Envoy's default panic threshold. */
    public static final int DEFAULT_PANIC_THRESHOLD = 50;

    /** No active checks: a refused backend is retried after 10 s. */
    public static final HealthSettings PASSIVE_ONLY =
        new HealthSettings(2, 3, false, Duration.ofSeconds(10));
  }

  /** Weights are scaled by this while a backend ramps, so that a weight-1 backend can ramp too. */
  static final int RAMP_SCALE = 10;
  /** Weights are scaled by this while any weight percentage differs from 100. */
  static final int PERCENT_SCALE = 100;
  /** The largest weight percentage (10 times the configured weight). */
  public static final int MAX_WEIGHT_PERCENT = 1000;
  /** A ramp advances in this many steps. */
  static final int RAMP_STEPS = 10;

  private static final long NOT_RAMPING = Long.MIN_VALUE;
  /** Check results kept per backend for {@link #checkHistory}. */
  public static final int CHECK_HISTORY = 10;
  private static final Picker NONE_AVAILABLE = ctx -> PickResult.NoBackend.NONE_AVAILABLE;
  private static final Picker EMPTY = ctx -> PickResult.NoBackend.EMPTY_POOL;

  private final String name;
  private final List<Backend> backends;
  private final Map<Backend, Status> statuses = new IdentityHashMap<>();
  private final Algorithm algorithm;
  private final PickerFactory factory;
  private final HealthSettings health;
  private final Scheduler scheduler;
  private final Rng rng;
  private final Listener listener;
  private volatile Picker picker;
  private final PoolLoad load = new PoolLoad();
  private boolean[] published = new boolean[0];
  private int[] publishedWeights = new int[0];
  /** Both of the above, for readers off the control loop. */
  private volatile Published publishedState = new Published(new boolean[0], new int[0]);
  private volatile boolean panic;
  private boolean rampTicking;
  /** Weight percentage a returning backend starts at under feedback warm-up; 0 when off. */
  private int warmupStartPercent;

  /** A pool balancing with the algorithm's default tunables. */
  public LoadBalancer(
      String name,
      List<Backend> backends,
      Algorithm algorithm,
      HealthSettings health,
      Scheduler scheduler,
      Rng rng,
      Listener listener) {
    this(name, backends, algorithm, AlgorithmOptions.DEFAULTS, health, scheduler, rng, listener);
  }

  public LoadBalancer(
      String name,
      List<Backend> backends,
      Algorithm algorithm,
      AlgorithmOptions options,
      HealthSettings health,
      Scheduler scheduler,
      Rng rng,
      Listener listener) {
    this(name, backends, algorithm, options, UnaryOperator.identity(), health, scheduler, rng,
        listener);
  }

  /**
   * A pool whose algorithm's picker factory is wrapped by {@code decorator} (for example
   * zone-aware balancing around the algorithm): the decorated factory builds every picker.
   */
  public LoadBalancer(
      String name,
      List<Backend> backends,
      Algorithm algorithm,
      AlgorithmOptions options,
      UnaryOperator<PickerFactory> decorator,
      HealthSettings health,
      Scheduler scheduler,
      Rng rng,
      Listener listener) {
    this.name = Objects.requireNonNull(name, "name");
    this.backends = List.copyOf(backends);
    this.algorithm = Objects.requireNonNull(algorithm, "algorithm");
    this.factory = Objects.requireNonNull(
        Objects.requireNonNull(decorator, "decorator")
            .apply(algorithm.factory(Objects.requireNonNull(options, "options"))),
        "decorated factory");
    this.health = Objects.requireNonNull(health, "health");
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    this.rng = Objects.requireNonNull(rng, "rng");
    this.listener = Objects.requireNonNull(listener, "listener");
    for (Backend b : this.backends) {
      if (algorithm.needsPoolLoad()) {
        b.load().attach(load);
      }
      if (statuses.put(b, new Status(new BackendHealth(health.policy()))) != null) {
        throw new IllegalArgumentException("backends: " + b.name() + " listed twice");
      }
    }
    this.picker = this.backends.isEmpty() ? EMPTY : NONE_AVAILABLE;
    rebuild();
  }

  public String name() {
    return name;
  }

  public Algorithm algorithm() {
    return algorithm;
  }

  public List<Backend> backends() {
    return backends;
  }

  /**
   * Requests in flight over the whole pool; counted only for algorithms that need it
   * ({@link Algorithm#needsPoolLoad()}), because one counter shared by every event loop costs
   * on every request. Thread-safe.
   */
  public PoolLoad load() {
    return load;
  }

  public HealthSettings healthSettings() {
    return health;
  }

  /** The current picker. Thread-safe: one volatile read. */
  public Picker picker() {
    return picker;
  }

  /** The backend's health state as last decided. Thread-safe. */
  public HealthState health(Backend backend) {
    return status(backend).health;
  }

  /** The backend's admin state. Thread-safe. */
  public AdminState adminState(Backend backend) {
    return status(backend).admin;
  }

  /** True while the pool balances over unhealthy backends too (panic mode). Thread-safe. */
  public boolean panic() {
    return panic;
  }

  /** True when the backend takes new requests now. Thread-safe. */
  public boolean available(Backend backend) {
    Status s = status(backend);
    return s.health.serving() && s.admin == AdminState.ACTIVE && !s.ejected && !s.circuitOpen;
  }

  /**
   * True when health and the operator let the backend serve, whatever outlier detection says:
   * the detector's own view of which backends count. Thread-safe.
   */
  public boolean inService(Backend backend) {
    Status s = status(backend);
    return s.health.serving() && s.admin == AdminState.ACTIVE;
  }

  /** True while outlier detection keeps the backend out. Thread-safe. */
  public boolean ejected(Backend backend) {
    return status(backend).ejected;
  }

  /** Outlier detection takes the backend out, or lets it back. Thread-safe. */
  public void setEjected(Backend backend, boolean ejected, String reason) {
    Status s = status(backend);
    scheduler.execute(() -> {
      if (s.ejected == ejected) {
        return;
      }
      s.ejected = ejected;
      listener.onEjection(this, backend, ejected, reason);
      if (!ejected) {
        returned(backend, s);
      }
      rebuild();
    });
  }

  /** True while the backend's circuit breaker is open. Thread-safe. */
  public boolean circuitOpen(Backend backend) {
    return status(backend).circuitOpen;
  }

  /**
   * The backend's circuit breaker opened ({@code open} true: no new picks until it lets trial
   * calls through) or went half-open or closed. Taking an open circuit out of the picker, rather
   * than letting picks bounce off it, keeps every request's first attempt on a backend that can
   * take it. A backend coming back ramps up under slow start like any other. The breaker's
   * transition is logged by whoever listens to the breaker; this only moves traffic.
   * Thread-safe.
   */
  public void setCircuitOpen(Backend backend, boolean open) {
    Status s = status(backend);
    scheduler.execute(() -> {
      if (s.circuitOpen == open) {
        return;
      }
      s.circuitOpen = open;
      if (!open) {
        returned(backend, s);
      }
      rebuild();
    });
  }

  /**
   * The backend's own agent says it is down ({@code down} true: "down", "fail" or "stopped") or
   * up again. While the agent holds it down the backend is UNHEALTHY whatever its checks say (the
   * change is logged through {@link Listener#onHealthChange} with {@code reason}); once the agent
   * lets go, the checks' verdict applies again. Thread-safe.
   */
  public void setAgentDown(Backend backend, boolean down, String reason) {
    Status s = status(backend);
    scheduler.execute(() -> {
      if (s.agentDown == down) {
        return;
      }
      s.agentDown = down;
      transition(backend, s, s.checks.state(), reason);
    });
  }

  /** True while the backend's agent holds it down. Thread-safe. */
  public boolean agentDown(Backend backend) {
    return status(backend).agentDown;
  }

  /** The data plane could not connect to the backend. Thread-safe. */
  public void reportConnectFailure(Backend backend, String reason) {
    Status s = status(backend);
    scheduler.execute(() -> {
      if (!s.health.serving()) {
        return;
      }
      transition(backend, s, s.checks.forceDown(), "connection failed: " + reason);
      if (!health.activeChecks()) {
        scheduler.schedule(health.passiveDownTime(), () -> readmit(backend, s));
      }
    });
  }

  /** An active health check of the first (or only) level finished. Thread-safe. */
  public void reportCheck(Backend backend, boolean passed, String detail) {
    reportCheck(backend, 0, passed, detail);
  }

  /**
   * An active health check of level {@code level} (its index in the policy's levels) finished.
   * Thread-safe.
   */
  public void reportCheck(Backend backend, int level, boolean passed, String detail) {
    Status s = status(backend);
    int levels = health.policy().levels().size();
    if (level < 0 || level >= levels) {
      throw new IllegalArgumentException(
          "level: " + level + " (expected: 0.." + (levels - 1) + ")");
    }
    scheduler.execute(() -> {
      HealthState next = s.checks.onResult(level, passed);
      CheckRecord record = new CheckRecord(scheduler.ticker().nanos(), passed,
          levels == 1 ? detail : health.policy().levels().get(level).name() + ": " + detail);
      s.record(record);
      s.recordLevel(level, new CheckRecord(record.atNanos(), passed, detail));
      transition(backend, s, next, s.checks.reason(level, passed, detail));
    });
  }

  /**
   * The backend's last {@value #CHECK_HISTORY} check results over all levels, oldest first; with
   * several levels each detail starts with its level's name ("deep: status 500"). Thread-safe.
   */
  public List<CheckRecord> checkHistory(Backend backend) {
    return status(backend).history;
  }

  /**
   * Each check level of the backend, in the policy's order, with its own state and last
   * {@value #CHECK_HISTORY} results. Thread-safe.
   */
  public List<LevelStatus> levels(Backend backend) {
    return status(backend).levels;
  }

  /**
   * The share of check weight that is up, in percent (100 when every level is up): a DEGRADED
   * backend's effective weight is scaled by it. Thread-safe.
   */
  public int passingPercent(Backend backend) {
    return status(backend).passingPercent;
  }

  /** The clock of {@link CheckRecord#atNanos()}, to turn it into an age. Thread-safe. */
  public long nowNanos() {
    return scheduler.ticker().nanos();
  }

  /** Drain or maintenance from the operator. Thread-safe. */
  public void setAdminState(Backend backend, AdminState state, String reason) {
    Status s = status(backend);
    scheduler.execute(() -> {
      AdminState from = s.admin;
      if (from == state) {
        return;
      }
      s.admin = state;
      listener.onAdminChange(this, backend, from, state, reason);
      if (state == AdminState.ACTIVE) {
        returned(backend, s);
      }
      rebuild();
    });
  }

  /**
   * Warm-up by feedback instead of the slow-start timer: from now on a backend that comes back
   * serves at {@code startPercent} of its weight and {@link Listener#onWarmupStart} tells the
   * weight controller, which raises it while the backend keeps up with the pool. 0 turns it off
   * (the timer of {@link HealthSettings#slowStart()}, if any, ramps instead). Control loop only.
   */
  public void useFeedbackWarmup(int startPercent) {
    if (startPercent < 0 || startPercent > 100) {
      throw new IllegalArgumentException(
          "startPercent: " + startPercent + " (expected: 0..100)");
    }
    warmupStartPercent = startPercent;
  }

  /**
   * Sets effective weights, in percent of each backend's configured weight (100: as configured;
   * 1 to {@value #MAX_WEIGHT_PERCENT}); backends not named keep theirs. The weight controller and
   * agents change only these, never the configured weight. The picker is rebuilt once for the
   * whole batch, and only if a published weight changes. Thread-safe: posts to the control loop.
   */
  public void setWeightPercents(Map<Backend, Integer> percents) {
    Map<Backend, Integer> copy = Map.copyOf(percents);
    for (Map.Entry<Backend, Integer> e : copy.entrySet()) {
      status(e.getKey());
      int p = e.getValue();
      if (p < 1 || p > MAX_WEIGHT_PERCENT) {
        throw new IllegalArgumentException("weight percent of " + e.getKey().name() + ": " + p
            + " (expected: 1.." + MAX_WEIGHT_PERCENT + ")");
      }
    }
    scheduler.execute(() -> {
      boolean changed = false;
      for (Map.Entry<Backend, Integer> e : copy.entrySet()) {
        Status s = statuses.get(e.getKey());
        changed |= s.weightPercent != e.getValue();
        s.weightPercent = e.getValue();
      }
      if (changed) {
        rebuild();
      }
    });
  }

  /** The backend's weight percentage as last set (100 unless something adjusted it). Thread-safe. */
  public int weightPercent(Backend backend) {
    return status(backend).weightPercent;
  }

  /**
   * The backend's effective weight in the published picker (configured weight with slow start,
   * degraded share and weight percentage applied, all scaled alike), or 0 while it is out of the
   * picker. Comparable between backends of one pool, not across rebuilds. Thread-safe.
   */
  public int effectiveWeight(Backend backend) {
    Published p = publishedState;
    int i = backends.indexOf(backend);
    if (i < 0) {
      throw new IllegalArgumentException("backend " + backend.name() + " is not in pool " + name);
    }
    return i < p.available.length && p.available[i] ? p.weights[i] : 0;
  }

  /** The backend came back: it ramps up, by the slow-start timer or by feedback. */
  private void returned(Backend backend, Status s) {
    if (warmupStartPercent > 0) {
      s.weightPercent = warmupStartPercent;
      listener.onWarmupStart(this, backend);
    } else {
      s.rampStartNanos = scheduler.ticker().nanos();
    }
  }

  private void readmit(Backend backend, Status s) {
    if (s.health.serving()) {
      return;
    }
    // Without active checks, only traffic can tell: let the backend try again.
    HealthState next = s.checks.readmit();
    transition(backend, s, next,
        "re-admitted after " + health.passiveDownTime().toMillis() + " ms without active checks");
  }

  private void transition(Backend backend, Status s, HealthState verdict, String reason) {
    // The agent's "down" overrides every check until the agent itself says otherwise.
    HealthState next = s.agentDown ? HealthState.UNHEALTHY : verdict;
    HealthState from = s.health;
    s.publishLevels();
    int percentBefore = s.passingPercent;
    s.passingPercent = (int) Math.round(100 * s.checks.passingShare());
    if (from == next) {
      if (next == HealthState.DEGRADED && percentBefore != s.passingPercent) {
        // Still degraded, at another share: its effective weight follows.
        rebuild();
      }
      return;
    }
    s.health = next;
    listener.onHealthChange(this, backend, from, next, reason);
    if (!from.serving() && next.serving()) {
      returned(backend, s);
    }
    if (from.serving() != next.serving() || from == HealthState.DEGRADED
        || next == HealthState.DEGRADED) {
      rebuild();
    }
  }

  private Status status(Backend backend) {
    Status s = statuses.get(backend);
    if (s == null) {
      throw new IllegalArgumentException("backend " + backend.name() + " is not in pool " + name);
    }
    return s;
  }

  private void rebuild() {
    if (backends.isEmpty()) {
      return;
    }
    int n = backends.size();
    boolean[] available = new boolean[n];
    int healthy = 0;
    int inService = 0;
    int active = 0;
    for (int i = 0; i < n; i++) {
      Status s = statuses.get(backends.get(i));
      boolean serving = s.health.serving() && s.admin == AdminState.ACTIVE;
      available[i] = serving && !s.ejected && !s.circuitOpen;
      healthy += available[i] ? 1 : 0;
      inService += serving ? 1 : 0;
      active += s.admin == AdminState.ACTIVE ? 1 : 0;
    }
    // Panic (as Envoy's panic threshold): too few backends left to carry the pool, whatever took
    // the others out (health, ejection, an open circuit), so balance over every active one that
    // is not ejected rather than crush the few. Not when no backend passes its health checks: then the pool is
    // down and answers 503 at once. Ejections and open circuits alone never empty a pool.
    boolean nowPanic = inService > 0
        && healthy * 100L < (long) health.panicThresholdPercent() * active;
    if (nowPanic != panic) {
      panic = nowPanic;
      String counts = healthy + " of " + active + " active backends available";
      listener.onPanic(this, nowPanic, nowPanic
          ? counts + " (below " + health.panicThresholdPercent() + "%): balancing over all of them"
          : inService == 0
              ? counts + ", none passes its health checks: answering 503 at once"
              : counts + " (back at or above " + health.panicThresholdPercent() + "%)");
    }
    if (nowPanic) {
      // Outlier ejections stay out: the detector caps them itself (maximum ejection share), so
      // they alone never cause panic, and a backend ejected for failing requests is the last one
      // to want back. Unless nothing else is left.
      int count = 0;
      for (int i = 0; i < n; i++) {
        Status s = statuses.get(backends.get(i));
        available[i] = s.admin == AdminState.ACTIVE && !s.ejected;
        count += available[i] ? 1 : 0;
      }
      for (int i = 0; i < n && count == 0; i++) {
        available[i] = statuses.get(backends.get(i)).admin == AdminState.ACTIVE;
      }
    }
    int[] weights = weights(available);
    if (java.util.Arrays.equals(available, published)
        && java.util.Arrays.equals(weights, publishedWeights)) {
      return;
    }
    published = available;
    publishedWeights = weights;
    publishedState = new Published(available, weights);
    if (healthy == 0 && !nowPanic) {
      picker = NONE_AVAILABLE;
      return;
    }
    picker = factory.build(new PoolSnapshot(backends, weights, available, load), picker, rng);
  }

  /**
   * Effective weights: the configured ones times the weight percentage the controller set,
   * except that a backend within its slow-start window weighs a growing share of its weight (in
   * steps of 1/{@value #RAMP_STEPS}), and a DEGRADED backend weighs the share of its check weight
   * that passes; while any backend ramps or is degraded every weight is scaled by
   * {@value #RAMP_SCALE} so that even weight 1 can shrink, and by {@value #PERCENT_SCALE} while
   * any weight percentage differs from 100 (weights 1 and 1 at 62% and 100%: 62 and 100).
   * Worked example, slow start 30 s, weights 2 and 2, b back for 9 s: b ramps at 3/10, weights
   * become 20 and 6; if b were instead DEGRADED with 2 of 3 check weight up: 20 and 13. A timer
   * rebuilds the picker at each step until every ramp ends. Never below 1.
   */
  private int[] weights(boolean[] available) {
    int n = backends.size();
    int[] weights = new int[n];
    long window = health.slowStart().toNanos();
    long now = scheduler.ticker().nanos();
    boolean ramping = false;
    boolean degraded = false;
    boolean adjusted = false;
    double[] fraction = new double[n];
    for (int i = 0; i < n; i++) {
      Status s = statuses.get(backends.get(i));
      fraction[i] = s.weightPercent / 100.0;
      adjusted |= s.weightPercent != 100;
      if (available[i] && s.health == HealthState.DEGRADED) {
        fraction[i] = s.passingPercent / 100.0;
        degraded = true;
      }
      if (window > 0 && available[i] && s.rampStartNanos != NOT_RAMPING) {
        long elapsed = now - s.rampStartNanos;
        if (elapsed < window) {
          fraction[i] *= Math.max(1, elapsed * RAMP_STEPS / window) / (double) RAMP_STEPS;
          ramping = true;
        } else {
          s.rampStartNanos = NOT_RAMPING;
        }
      }
    }
    int scale = adjusted ? PERCENT_SCALE : ramping || degraded ? RAMP_SCALE : 1;
    for (int i = 0; i < n; i++) {
      weights[i] = (int) Math.max(1, Math.round(backends.get(i).weight() * scale * fraction[i]));
    }
    if (ramping && !rampTicking) {
      rampTicking = true;
      scheduler.schedule(health.slowStart().dividedBy(RAMP_STEPS), this::rampTick);
    }
    return weights;
  }

  private void rampTick() {
    rampTicking = false;
    rebuild();
  }

  @Override
  public String toString() {
    return "pool " + name + " (" + algorithm + ", " + backends.size() + " backends): " + picker;
  }

  /** What the last picker was built from; immutable once published. */
  private record Published(boolean[] available, int[] weights) {}

  /** Per-backend state: written on the control loop only, read anywhere. */
  private static final class Status {
    final BackendHealth checks;
    /** When the backend came back, for slow start; {@link #NOT_RAMPING} otherwise. */
    long rampStartNanos = NOT_RAMPING;
    volatile HealthState health = HealthState.HEALTHY;
    volatile AdminState admin = AdminState.ACTIVE;
    volatile boolean ejected;
    volatile boolean circuitOpen;
    /** The backend's agent holds it down; written on the control loop. */
    volatile boolean agentDown;
    /** Immutable, replaced on each check (control loop), read by the admin listener. */
    volatile List<CheckRecord> history = List.of();
    /** Effective weight in percent of the configured one; written on the control loop. */
    volatile int weightPercent = 100;
    /** Share of check weight up, percent; written on the control loop. */
    volatile int passingPercent = 100;
    /** Per level, immutable, replaced after each result (control loop). */
    volatile List<LevelStatus> levels;
    private final List<List<CheckRecord>> levelHistory = new ArrayList<>();

    void record(CheckRecord r) {
      history = appended(history, r);
    }

    void recordLevel(int level, CheckRecord r) {
      levelHistory.set(level, appended(levelHistory.get(level), r));
    }

    private static List<CheckRecord> appended(List<CheckRecord> h, CheckRecord r) {
      List<CheckRecord> next = new ArrayList<>(Math.min(h.size() + 1, CHECK_HISTORY));
      next.addAll(h.size() < CHECK_HISTORY ? h : h.subList(1, h.size()));
      next.add(r);
      return List.copyOf(next);
    }

    void publishLevels() {
      List<HealthLevel> defs = checks.policy().levels();
      List<LevelStatus> next = new ArrayList<>(defs.size());
      for (int i = 0; i < defs.size(); i++) {
        HealthLevel l = defs.get(i);
        next.add(new LevelStatus(l.name(), l.weight(), l.critical(), checks.up(i),
            checks.levelState(i), levelHistory.get(i)));
      }
      levels = List.copyOf(next);
    }

    Status(BackendHealth checks) {
      this.checks = checks;
      for (int i = 0; i < checks.policy().levels().size(); i++) {
        levelHistory.add(List.of());
      }
      publishLevels();
    }
  }
}
