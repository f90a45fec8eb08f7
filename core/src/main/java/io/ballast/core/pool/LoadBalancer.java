package io.ballast.core.pool;

import io.ballast.core.AdminState;
import io.ballast.core.Backend;
import io.ballast.core.HealthState;
import io.ballast.core.Picker;
import io.ballast.core.PoolLoad;
import io.ballast.core.Rng;
import io.ballast.core.Scheduler;
import io.ballast.core.health.BackendHealth;
import io.ballast.core.health.CheckRecord;
import io.ballast.core.health.LevelStatus;
import io.ballast.core.pick.Algorithm;
import io.ballast.core.pick.AlgorithmOptions;
import io.ballast.core.pick.PickerFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The control side of one pool: it holds its members and each one's health and admin state,
 * turns events into a new immutable {@link Picker} and publishes it for the data plane.
 *
 * <h2>Membership</h2>
 * Members change while the pool serves, through its {@link #roster()}: matched by name, a backend
 * that stays keeps everything learnt about it, one that joins is set up before any picker holds
 * it, one that leaves drains ({@link #removing} true) until the pool forgets it.
 *
 * {@link #reconfigure} switches the algorithm, its tunables and the health settings of a running
 * pool, keeping every backend's state.
 *
 * <p>Threading: {@link #picker()}, {@link #backends()} and the {@code status} readers are
 * thread-safe (volatile reads). The {@code report*}, {@code set*}, roster and
 * {@link #reconfigure} methods are thread-safe too: they check their arguments at once and post
 * the change to the control loop ({@link Scheduler}), where every state change and every rebuild
 * happens, one at a time. A picker is republished only when the members, the set of available
 * backends or their weights change (or the algorithm does).
 */
public final class LoadBalancer {
  /** The largest weight percentage (10 times the configured weight). */
  public static final int MAX_WEIGHT_PERCENT = 1000;
  /** Check results kept per backend for {@link #checkHistory}. */
  public static final int CHECK_HISTORY = 10;

  private final String name;
  private final Scheduler scheduler;
  private final Listeners listener = new Listeners();
  private final PoolLoad load = new PoolLoad();
  private final Membership membership;
  private final Warmup warmup;
  /** The setup and the published picker. */
  private final PickerPublisher publisher;
  /** Where every change runs, on the control loop. */
  private final PoolControl control;
  private final Roster roster;

  /** A pool balancing with the algorithm's default tunables. */
  public LoadBalancer(String name, List<Backend> backends, Algorithm algorithm,
      HealthSettings health, Scheduler scheduler, Rng rng, PoolListener listener) {
    this(name, backends, algorithm, AlgorithmOptions.DEFAULTS, health, scheduler, rng, listener);
  }

  /** A pool balancing with these tunables. */
  public LoadBalancer(String name, List<Backend> backends, Algorithm algorithm,
      AlgorithmOptions options, HealthSettings health, Scheduler scheduler, Rng rng,
      PoolListener listener) {
    this(name, backends, algorithm, options, UnaryOperator.identity(), health, scheduler, rng,
        listener);
  }

  /**
   * A pool whose algorithm's picker factory is wrapped by {@code decorator} (for example
   * zone-aware balancing around the algorithm): the decorated factory builds every picker.
   *
   * @param backends the first members, names unique; they serve at once (no first check to wait
   *     for, no slow start), as a pool that starts has nothing to protect yet
   * @param listener the first listener; {@link PoolListener#NONE} for none
   */
  public LoadBalancer(String name, List<Backend> backends, Algorithm algorithm,
      AlgorithmOptions options, UnaryOperator<PickerFactory> decorator, HealthSettings health,
      Scheduler scheduler, Rng rng, PoolListener listener) {
    this.name = Objects.requireNonNull(name, "name");
    PoolSetup setup = PoolSetup.of(algorithm, options, decorator, health);
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    if (Objects.requireNonNull(listener, "listener") != PoolListener.NONE) {
      this.listener.add(listener);
    }
    this.membership = new Membership(name, backends, health.policy(),
        algorithm.needsPoolLoad(), load, scheduler, b -> this.listener.onMemberGone(this, b));
    this.warmup = new Warmup(scheduler, this::rebuildPicker);
    this.publisher = new PickerPublisher(this, setup, membership, load,
        Objects.requireNonNull(rng, "rng"), scheduler.ticker(), warmup, this.listener);
    this.control = new PoolControl(this, membership, publisher, warmup, this.listener, scheduler,
        load);
    this.roster = new Roster(name, membership, control, scheduler);
    publisher.rebuild();
  }

  public String name() {
    return name;
  }

  public Algorithm algorithm() {
    return publisher.setup().algorithm();
  }

  /** The algorithm's tunables. Thread-safe. */
  public AlgorithmOptions options() {
    return publisher.setup().options();
  }

  /** Where the pool's members change: set, add, remove, drain timeout. Thread-safe. */
  public Roster roster() {
    return roster;
  }

  /** The current members, in pool order; immutable. Thread-safe: one volatile read. */
  public List<Backend> backends() {
    return membership.members().list();
  }

  /**
   * The current member named {@code name}, or null when the pool has none (a backend draining
   * out is no longer a member). Thread-safe, allocation-free: one volatile read and a lookup.
   */
  public Backend backend(String name) {
    return name == null ? null : membership.members().byName().get(name);
  }

  /**
   * True while the pool answers for the backend: a member, or a removed one still draining.
   * Thread-safe.
   */
  public boolean knows(Backend backend) {
    return membership.knows(backend);
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
    return publisher.setup().health();
  }

  /** The current picker. Thread-safe: one volatile read. */
  public Picker picker() {
    return publisher.picker();
  }

  /** Adds a listener; it hears every event from the next one on. Thread-safe. */
  public void addListener(PoolListener listener) {
    this.listener.add(listener);
  }

  /** Removes a listener added before. Thread-safe. */
  public void removeListener(PoolListener listener) {
    this.listener.remove(listener);
  }

  /** The backend's health state as last decided. Thread-safe. */
  public HealthState health(Backend backend) {
    return status(backend).health;
  }

  /** The backend's admin state. Thread-safe. */
  public AdminState adminState(Backend backend) {
    return status(backend).admin;
  }

  /**
   * True while the backend, removed from the members, drains out of the pool; false for a
   * member. Thread-safe.
   */
  public boolean removing(Backend backend) {
    return status(backend).removing;
  }

  /**
   * True while a backend that joined the running pool waits for the first result of some check
   * level (it takes no traffic before, unless that level's first result passed). Thread-safe.
   */
  public boolean awaitingFirstCheck(Backend backend) {
    return status(backend).awaitingFirstCheck;
  }

  /** True while the pool balances over unhealthy backends too (panic mode). Thread-safe. */
  public boolean panic() {
    return publisher.panic();
  }

  /** True when the backend takes new requests now. Thread-safe. */
  public boolean available(Backend backend) {
    return status(backend).available();
  }

  /**
   * True when health and the operator let the backend serve, whatever outlier detection says:
   * the detector's own view of which backends count. Thread-safe.
   */
  public boolean inService(Backend backend) {
    BackendStatus s = status(backend);
    return s.inService() && !s.removing;
  }

  /** True while outlier detection keeps the backend out. Thread-safe. */
  public boolean ejected(Backend backend) {
    return status(backend).ejected;
  }

  /** Outlier detection takes the backend out, or lets it back. Thread-safe. */
  public void setEjected(Backend backend, boolean ejected, String reason) {
    onLoop(backend, s -> control.ejected(backend, s, ejected, reason));
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
    onLoop(backend, s -> control.circuitOpen(backend, s, open));
  }

  /**
   * The backend's own agent says it is down ({@code down} true: "down", "fail" or "stopped") or
   * up again. While the agent holds it down the backend is UNHEALTHY whatever its checks say (the
   * change is logged through {@link PoolListener#onHealthChange} with {@code reason}); once the agent
   * lets go, the checks' verdict applies again. Thread-safe.
   */
  public void setAgentDown(Backend backend, boolean down, String reason) {
    onLoop(backend, s -> control.agentDown(backend, s, down, reason));
  }

  /** True while the backend's agent holds it down. Thread-safe. */
  public boolean agentDown(Backend backend) {
    return status(backend).agentDown;
  }

  /** The data plane could not connect to the backend. Thread-safe. */
  public void reportConnectFailure(Backend backend, String reason) {
    onLoop(backend, s -> control.connectFailed(backend, s, reason));
  }

  /** An active health check of the first (or only) level finished. Thread-safe. */
  public void reportCheck(Backend backend, boolean passed, String detail) {
    reportCheck(backend, 0, passed, detail);
  }

  /**
   * An active health check of level {@code level} (its index in the policy's levels) finished.
   * A result that arrives after {@link #reconfigure} removed its level is dropped. Thread-safe.
   */
  public void reportCheck(Backend backend, int level, boolean passed, String detail) {
    int levels = healthSettings().policy().levels().size();
    if (level < 0 || level >= levels) {
      throw new IllegalArgumentException(
          "level: " + level + " (expected: 0.." + (levels - 1) + ")");
    }
    onLoop(backend, s -> control.checked(backend, s, level, passed, detail));
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
    onLoop(backend, s -> control.admin(backend, s, state, reason));
  }

  /**
   * Warm-up by feedback instead of the slow-start timer: from now on a backend that comes back
   * serves at {@code startPercent} of its weight and {@link PoolListener#onWarmupStart} tells the
   * weight controller, which raises it while the backend keeps up with the pool. 0 turns it off
   * (the timer of {@link HealthSettings#slowStart()}, if any, ramps instead). Control loop only.
   */
  public void useFeedbackWarmup(int startPercent) {
    warmup.useFeedback(startPercent);
  }

  /**
   * Sets effective weights, in percent of each backend's configured weight (100: as configured;
   * 1 to {@value #MAX_WEIGHT_PERCENT}); backends not named keep theirs. The weight controller and
   * agents change only these, never the configured weight. The picker is rebuilt once for the
   * whole batch, and only if a published weight changes. A backend the pool has forgotten by the
   * time the batch runs is skipped. Thread-safe: posts to the control loop.
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
    scheduler.execute(() -> control.weightPercents(copy));
  }

  /** The backend's weight percentage as last set (100 unless something adjusted it). Thread-safe. */
  public int weightPercent(Backend backend) {
    return status(backend).weightPercent;
  }

  /**
   * The backend's effective weight in the published picker (configured weight with slow start,
   * degraded share and weight percentage applied, all scaled alike: {@link EffectiveWeights}), or
   * 0 while it is out of the picker (a backend draining out included). Comparable between
   * backends of one pool, not across rebuilds. Thread-safe.
   */
  public int effectiveWeight(Backend backend) {
    int w = publisher.effectiveWeight(backend);
    if (w < 0) {
      status(backend); // refuses a stranger
      return 0;
    }
    return w;
  }

  // ---- reconfiguration ----

  /**
   * Switches the algorithm, its tunables, the decoration of its factory and the health settings
   * of the running pool, keeping every backend's state (health, load, weight percentages,
   * ejections, circuits, auto's history). The next picker is built by the new factory and given
   * the current picker as its previous one (a factory reuses only what is of its own kind).
   * A changed health policy gives each backend fresh check trackers that start where it is
   * ({@link BackendHealth#startingFrom}: a healthy backend stays healthy until the new checks
   * say otherwise); turning active checks off lets a backend that is down back after
   * {@code passiveDownTime}, and one still waiting for its first check in at once.
   * Thread-safe: the factory is decorated here (so a decorator's complaint reaches the caller),
   * the switch happens on the control loop.
   */
  public void reconfigure(Algorithm algorithm, AlgorithmOptions options,
      UnaryOperator<PickerFactory> decorator, HealthSettings health, String reason) {
    PoolSetup next = PoolSetup.of(algorithm, options, decorator, health);
    Objects.requireNonNull(reason, "reason");
    scheduler.execute(() -> control.setup(next, reason));
  }

  // ---- inside ----

  /**
   * Runs {@code task} on the control loop with the backend's status, unless the pool has
   * forgotten the backend by then. Refuses a backend the pool does not know at once.
   */
  private void onLoop(Backend backend, Consumer<BackendStatus> task) {
    BackendStatus s = status(backend);
    scheduler.execute(() -> {
      if (membership.holds(backend, s)) {
        task.accept(s);
      }
    });
  }

  /** Control loop: the next step of a slow-start ramp. */
  private void rebuildPicker() {
    publisher.rebuild();
  }

  private BackendStatus status(Backend backend) {
    return membership.status(backend);
  }

  @Override
  public String toString() {
    return "pool " + name + " (" + algorithm() + ", " + backends().size()
        + " backends): " + publisher;
  }
}
