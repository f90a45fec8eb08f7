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
import io.ballast.core.health.LevelStatus;
import io.ballast.core.pick.Algorithm;
import io.ballast.core.pick.AlgorithmOptions;
import io.ballast.core.pick.PickerFactory;
import io.ballast.core.pick.PoolSnapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
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
 * Members change while the pool serves ({@link #setMembers}, {@link #addMember},
 * {@link #removeMember}); they are matched by name, and a member that keeps its name and address
 * keeps its {@link Backend} object and everything learnt about it (see {@link MemberChanges}).
 * <ul>
 *   <li>A backend that joins is set up completely (its status, then
 *       {@link PoolListener#onMembersChanged}, where pool features install its gate and outcome
 *       listener) before any picker that contains it is published. With active checks it takes
 *       no traffic until its first check result: a pass brings it up at once whatever
 *       {@code rise} is, a fail keeps it down (Envoy's rule for new hosts; see
 *       {@link BackendHealth#awaitingFirstCheck}). Without active checks it serves at once. Either
 *       way it comes in through slow start or warm-up by feedback, as a returning backend does.
 *   <li>A backend that leaves is out of the next picker at once, then drains: its requests in
 *       flight finish, the control loop looks at its {@code inFlight()} every
 *       {@value Membership#DRAIN_CHECK_MILLIS} ms, and once it is 0 or the
 *       {@link #setDrainTimeout drain timeout} has passed the pool forgets it and tells
 *       {@link PoolListener#onMemberGone} (the time to close its connections). Until then the status
 *       readers still answer for it and {@link #removing} is true; afterwards they refuse it as a
 *       stranger.
 * </ul>
 * {@link #reconfigure} switches the algorithm, its tunables and the health settings of a running
 * pool, keeping every backend's state.
 *
 * <p>Threading: {@link #picker()}, {@link #backends()} and the {@code status} readers are
 * thread-safe (volatile reads). The {@code report*}, {@code set*}, membership and
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
  /** How long a removed backend may drain before the pool forgets it anyway. */
  public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);
  private static final Picker NONE_AVAILABLE = ctx -> PickResult.NoBackend.NONE_AVAILABLE;
  private static final Picker EMPTY = ctx -> PickResult.NoBackend.EMPTY_POOL;

  private final String name;
  private volatile PoolSetup setup;
  private final Scheduler scheduler;
  private final Rng rng;
  private final Listeners listener = new Listeners();
  private final PoolLoad load = new PoolLoad();
  private final Membership membership;
  private final Warmup warmup;
  private volatile Picker picker;
  /** What the published picker was built from; written on the control loop. */
  private volatile Published published = new Published(Members.NONE, new boolean[0], new int[0]);
  private volatile boolean panic;
  /** Set while {@link #reconfigure} changes many backends: one rebuild at the end. */
  private boolean holdRebuilds;

  /** A pool balancing with the algorithm's default tunables. */
  public LoadBalancer(
      String name,
      List<Backend> backends,
      Algorithm algorithm,
      HealthSettings health,
      Scheduler scheduler,
      Rng rng,
      PoolListener listener) {
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
  public LoadBalancer(
      String name,
      List<Backend> backends,
      Algorithm algorithm,
      AlgorithmOptions options,
      UnaryOperator<PickerFactory> decorator,
      HealthSettings health,
      Scheduler scheduler,
      Rng rng,
      PoolListener listener) {
    this.name = Objects.requireNonNull(name, "name");
    this.setup = PoolSetup.of(algorithm, options, decorator, health);
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    this.rng = Objects.requireNonNull(rng, "rng");
    if (Objects.requireNonNull(listener, "listener") != PoolListener.NONE) {
      this.listener.add(listener);
    }
    this.membership = new Membership(name, backends, health.policy(),
        algorithm.needsPoolLoad(), load, scheduler, b -> this.listener.onMemberGone(this, b));
    this.warmup = new Warmup(scheduler, this::rebuild);
    this.picker = backends().isEmpty() ? EMPTY : NONE_AVAILABLE;
    rebuild();
  }

  public String name() {
    return name;
  }

  public Algorithm algorithm() {
    return setup.algorithm();
  }

  /** The algorithm's tunables. Thread-safe. */
  public AlgorithmOptions options() {
    return setup.options();
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
    return setup.health();
  }

  /** The current picker. Thread-safe: one volatile read. */
  public Picker picker() {
    return picker;
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
    return panic;
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
    onLoop(backend, s -> {
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
    onLoop(backend, s -> {
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
   * change is logged through {@link PoolListener#onHealthChange} with {@code reason}); once the agent
   * lets go, the checks' verdict applies again. Thread-safe.
   */
  public void setAgentDown(Backend backend, boolean down, String reason) {
    onLoop(backend, s -> {
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
    onLoop(backend, s -> {
      if (!s.health.serving()) {
        return;
      }
      transition(backend, s, s.checks.forceDown(), "connection failed: " + reason);
      HealthSettings health = setup.health();
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
   * A result that arrives after {@link #reconfigure} removed its level is dropped. Thread-safe.
   */
  public void reportCheck(Backend backend, int level, boolean passed, String detail) {
    int levels = setup.health().policy().levels().size();
    if (level < 0 || level >= levels) {
      throw new IllegalArgumentException(
          "level: " + level + " (expected: 0.." + (levels - 1) + ")");
    }
    onLoop(backend, s -> {
      if (level >= s.checks.policy().levels().size()) {
        return;
      }
      HealthState verdict = s.onCheck(level, passed, detail, scheduler.ticker().nanos());
      transition(backend, s, verdict, s.checks.reason(level, passed, detail));
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
    onLoop(backend, s -> {
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
    scheduler.execute(() -> {
      boolean changed = false;
      for (Map.Entry<Backend, Integer> e : copy.entrySet()) {
        BackendStatus s = membership.statuses().get(e.getKey());
        if (s != null) {
          changed |= s.weightPercent != e.getValue();
          s.weightPercent = e.getValue();
        }
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
   * degraded share and weight percentage applied, all scaled alike: {@link EffectiveWeights}), or
   * 0 while it is out of the picker (a backend draining out included). Comparable between
   * backends of one pool, not across rebuilds. Thread-safe.
   */
  public int effectiveWeight(Backend backend) {
    Published p = published;
    Integer i = p.members().index().get(backend);
    if (i == null) {
      status(backend);
      return 0;
    }
    return p.available()[i] ? p.weights()[i] : 0;
  }

  // ---- membership ----

  /**
   * Makes the pool's members these (see the class comment and {@link MemberChanges} for the
   * matching by name); nothing happens when they are the pool's members already. Thread-safe:
   * checks the list at once and applies it on the control loop.
   *
   * @param members every member the pool should have, names unique; empty leaves the pool
   *     without backends (it answers "pool has no backends" until one is added)
   * @param reason for the listeners' log ("config reload", "dns: api.internal")
   * @throws IllegalArgumentException when a name is listed twice; nothing changes then
   */
  public void setMembers(List<Member> members, String reason) {
    List<Member> copy = List.copyOf(members);
    Objects.requireNonNull(reason, "reason");
    MemberChanges.checkUnique(copy);
    scheduler.execute(() -> applyMembers(copy, reason));
  }

  /**
   * Adds a member, or updates the member of that name (another weight or zone in place; another
   * address replaces it). The same path as {@link #setMembers}. Thread-safe.
   */
  public void addMember(Member member, String reason) {
    Objects.requireNonNull(member, "member");
    Objects.requireNonNull(reason, "reason");
    scheduler.execute(() -> {
      Map<String, Member> wanted = membership.described();
      wanted.put(member.name(), member);
      applyMembers(List.copyOf(wanted.values()), reason);
    });
  }

  /**
   * Removes the member of that name: it leaves the picker and drains (the last member too: the
   * pool then answers "pool has no backends"). The same path as {@link #setMembers}.
   * Thread-safe.
   *
   * @throws IllegalArgumentException when the pool has no member of that name now
   */
  public void removeMember(String name, String reason) {
    Objects.requireNonNull(reason, "reason");
    if (backend(name) == null) {
      throw new IllegalArgumentException("backend " + name + " is not in pool " + this.name);
    }
    scheduler.execute(() -> {
      Map<String, Member> wanted = membership.described();
      wanted.remove(name);
      applyMembers(List.copyOf(wanted.values()), reason);
    });
  }

  /**
   * Sets how long a removed backend may drain before the pool forgets it with requests still in
   * flight (they are cut when the proxy closes its connections). Zero forgets it at the first
   * look. Thread-safe; applies to backends draining now too.
   */
  public void setDrainTimeout(Duration timeout) {
    membership.setDrainTimeout(timeout);
  }

  /** See {@link #setDrainTimeout}; {@link #DEFAULT_DRAIN_TIMEOUT} unless set. Thread-safe. */
  public Duration drainTimeout() {
    return membership.drainTimeout();
  }

  /**
   * Control loop: the membership update, then the listeners (who install what a backend that
   * joins needs before a picker can hold it), the warm-up of those that serve at once, the drain
   * watch and the new picker.
   */
  private void applyMembers(List<Member> wanted, String reason) {
    PoolSetup st = setup;
    MemberChanges c = membership.apply(wanted, st.health(), st.algorithm().needsPoolLoad());
    if (c.isEmpty()) {
      return;
    }
    listener.onMembersChanged(this, c.added(), c.removed(), c.updated(), reason);
    for (Backend b : c.added()) {
      BackendStatus s = membership.status(b);
      if (s.inService()) {
        returned(b, s);
      }
    }
    if (!c.removed().isEmpty()) {
      membership.watchDrains();
    }
    rebuild(true);
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
    scheduler.execute(() -> applySetup(next, reason));
  }

  private void applySetup(PoolSetup next, String reason) {
    PoolSetup before = setup;
    setup = next;
    if (next.algorithm().needsPoolLoad()) {
      for (Backend b : backends()) {
        b.load().attach(load);
      }
    }
    HealthSettings health = next.health();
    boolean newPolicy = !health.policy().equals(before.health().policy());
    boolean checksOff = before.health().activeChecks() && !health.activeChecks();
    listener.onReconfigured(this, reason);
    holdRebuilds = true;
    try {
      for (Map.Entry<Backend, BackendStatus> e : membership.statuses().entrySet()) {
        Backend b = e.getKey();
        BackendStatus s = e.getValue();
        boolean awaiting = s.checks.awaitingFirstCheck();
        if (newPolicy) {
          s.useChecks(awaiting && health.activeChecks()
              ? BackendHealth.awaitingFirstCheck(health.policy())
              : BackendHealth.startingFrom(health.policy(), s.health));
          transition(b, s, s.checks.state(), "health checks changed: " + reason);
        }
        if (checksOff && awaiting) {
          transition(b, s, s.checks.readmit(), "active checks off: " + reason);
        } else if (checksOff && !s.health.serving()) {
          scheduler.schedule(health.passiveDownTime(), () -> readmit(b, s));
        }
      }
    } finally {
      holdRebuilds = false;
    }
    rebuild(true);
  }

  // ---- state changes, control loop ----

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

  /** The backend came back: it ramps up, by the slow-start timer or by feedback. */
  private void returned(Backend backend, BackendStatus s) {
    if (!s.removing && warmup.start(s)) {
      listener.onWarmupStart(this, backend);
    }
  }

  private void readmit(Backend backend, BackendStatus s) {
    HealthSettings health = setup.health();
    if (!membership.holds(backend, s) || health.activeChecks() || s.health.serving()) {
      return;
    }
    // Without active checks, only traffic can tell: let the backend try again.
    HealthState next = s.checks.readmit();
    transition(backend, s, next,
        "re-admitted after " + health.passiveDownTime().toMillis() + " ms without active checks");
  }

  private void transition(Backend backend, BackendStatus s, HealthState verdict, String reason) {
    HealthState from = s.health;
    int percentBefore = s.passingPercent;
    HealthState next = s.settle(verdict);
    if (from == next) {
      if (next == HealthState.DEGRADED && percentBefore != s.passingPercent) {
        // Still degraded, at another share: its effective weight follows.
        rebuild();
      }
      return;
    }
    listener.onHealthChange(this, backend, from, next, reason);
    if (!from.serving() && next.serving()) {
      returned(backend, s);
    }
    if (from.serving() != next.serving() || from == HealthState.DEGRADED
        || next == HealthState.DEGRADED) {
      rebuild();
    }
  }

  private BackendStatus status(Backend backend) {
    return membership.status(backend);
  }

  private void rebuild() {
    rebuild(false);
  }

  /**
   * Builds and publishes the picker for the current members and their state, unless nothing it
   * is built from changed since the last one ({@code force}: the members or the factory changed,
   * or a member's zone, which no array here shows). Which members take traffic is the
   * {@link PanicPolicy}'s verdict, their weights are {@link EffectiveWeights}.
   */
  private void rebuild(boolean force) {
    if (holdRebuilds) {
      return;
    }
    Members m = membership.members();
    List<Backend> backends = m.list();
    Map<Backend, BackendStatus> st = membership.statuses();
    List<PanicPolicy.Standing> standings = new ArrayList<>(backends.size());
    for (Backend b : backends) {
      standings.add(st.get(b).standing());
    }
    PanicPolicy.Verdict v = PanicPolicy.decide(standings, setup.health().panicThresholdPercent());
    if (v.panic() != panic) {
      panic = v.panic();
      listener.onPanic(this, v.panic(), v.reason());
    }
    if (backends.isEmpty()) {
      published = new Published(m, new boolean[0], new int[0]);
      picker = EMPTY;
      return;
    }
    boolean[] available = v.available();
    int[] weights = weights(backends, st, available);
    Published p = published;
    if (!force && m == p.members() && Arrays.equals(available, p.available())
        && Arrays.equals(weights, p.weights())) {
      return;
    }
    published = new Published(m, available, weights);
    picker = v.noneAvailable() ? NONE_AVAILABLE : setup.factory().build(
        new PoolSnapshot(backends, weights, available, load), picker, rng);
  }

  /**
   * The effective weights of the members now; ends the ramps that are over and has the picker
   * rebuilt at the next step while any ramps.
   */
  private int[] weights(List<Backend> backends, Map<Backend, BackendStatus> st,
      boolean[] available) {
    Duration slowStart = setup.health().slowStart();
    List<EffectiveWeights.Input> inputs = new ArrayList<>(backends.size());
    for (int i = 0; i < backends.size(); i++) {
      inputs.add(st.get(backends.get(i)).weighing(backends.get(i).weight(), available[i]));
    }
    EffectiveWeights.Result r =
        EffectiveWeights.of(inputs, slowStart.toNanos(), scheduler.ticker().nanos());
    for (int i = 0; i < backends.size(); i++) {
      if (r.rampOver()[i]) {
        st.get(backends.get(i)).rampStartNanos = EffectiveWeights.NOT_RAMPING;
      }
    }
    if (r.ramping()) {
      warmup.nextStep(slowStart);
    }
    return r.weights();
  }

  @Override
  public String toString() {
    return "pool " + name + " (" + setup.algorithm() + ", " + backends().size()
        + " backends): " + picker;
  }

  /** What the last picker was built from; immutable once published. */
  private record Published(Members members, boolean[] available, int[] weights) {}
}
