package io.ballast.core.optimizer;

import io.ballast.core.Backend;
import io.ballast.core.HealthState;
import io.ballast.core.Periodic;
import io.ballast.core.Scheduler;
import io.ballast.core.decision.Decision;
import io.ballast.core.decision.DecisionLog;
import io.ballast.core.optimizer.WeightControlSettings.Objective;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.pool.PoolListener;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The weight controller of one pool, on its control loop: every interval it harvests each
 * backend's traffic window ({@link TrafficWindow}) and fresh signals, runs the
 * {@link WeightController} and the {@link ScalingAdvisor}, hands the new weight percentages to
 * {@link LoadBalancer#setWeightPercents} (one batch per interval, only when something changed),
 * and reports every decision to the {@link DecisionLog} and the decision sink.
 *
 * <p>It is also the pool's {@link PoolListener} for what the decision log must show
 * (health changes, ejections and returns, panic) and for warm-up by feedback
 * ({@link #onWarmupStart}); the wiring composes it with its other listeners. Build the optimizer
 * first with the pool, then pass it to the pool's listener (a forwarding listener works, as every
 * call arrives on the control loop after the pool exists).
 *
 * <p>Membership: each tick reads the pool's members of the moment. A backend that joined is
 * treated as any backend that comes back: it starts at 100% (or at the warm-up percentage, when
 * warm-up by feedback is on and the pool says so through {@link #onWarmupStart}) with a fresh
 * traffic window; one that left is forgotten. Costs are kept by backend name
 * ({@link #useCosts}).
 *
 * <p>Threading: {@link #start}, {@link #stop}, {@link #circuitChanged}, {@link #useCosts} and the
 * readers ({@link #lastStats()}, {@link #scaling()}) are thread-safe. Ticks and listener calls
 * run on the control loop. The sinks are called on the control loop and must not block.
 */
public final class PoolOptimizer implements PoolListener {
  private final LoadBalancer lb;
  private final WeightControlSettings settings;
  private final WeightController controller;
  private final ScalingAdvisor scaling;
  private final DecisionLog log;
  private final Consumer<Decision> decisions;
  private final Consumer<ScalingSignal> scalingSink;
  // Control loop only.
  private final Map<Backend, TrafficWindow> windows = new IdentityHashMap<>();
  private final Periodic periodic;
  /** Set by {@link #stop()}: a start still queued on the control loop does nothing then. */
  private volatile Map<Backend, BackendStats> lastStats = Map.of();

  /**
   * @param lb the pool whose effective weights this optimizer sets
   * @param costs per-backend cost (1 when absent), see {@link WeightController}
   * @param log where every decision goes (shared by the process's pools)
   * @param decisions also gets every decision (the application log), on the control loop
   * @param scalingSink gets every scaling event (metrics, webhook), on the control loop
   */
  public PoolOptimizer(LoadBalancer lb, WeightControlSettings settings, Map<Backend, Double> costs,
      DecisionLog log, Consumer<Decision> decisions, Consumer<ScalingSignal> scalingSink) {
    this.lb = Objects.requireNonNull(lb, "lb");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.periodic = new Periodic(settings.interval(), this::begin, this::tick);
    this.log = Objects.requireNonNull(log, "log");
    this.decisions = Objects.requireNonNull(decisions, "decisions");
    this.scalingSink = Objects.requireNonNull(scalingSink, "scalingSink");
    this.controller = new WeightController(lb.name(), lb.backends(), settings, costs);
    boolean latency = settings.objective() == Objective.LATENCY;
    this.scaling = settings.scaling().map(s -> new ScalingAdvisor(lb.name(), s,
        latency ? "p99 ms" : settings.figure(), !latency)).orElse(null);
  }

  /** An optimizer without costs whose decisions go to the log only. */
  public PoolOptimizer(LoadBalancer lb, WeightControlSettings settings, DecisionLog log) {
    this(lb, settings, Map.of(), log, d -> {}, s -> {});
  }

  public LoadBalancer pool() {
    return lb;
  }

  public WeightControlSettings settings() {
    return settings;
  }

  /**
   * Starts ticking every interval on the scheduler (the pool's control loop, or a simulator's
   * virtual one); turns on warm-up by feedback in the pool when the settings ask for it.
   * Thread-safe; a second start, or a start after {@link #stop()}, does nothing.
   */
  public void start(Scheduler scheduler) {
    periodic.start(scheduler);
  }

  /** Control loop: the start, before the first interval. */
  private void begin() {
    followMembers(periodic.scheduler().ticker().nanos());
    if (settings.warmup().enabled()) {
      lb.useFeedbackWarmup(settings.warmup().startPercent());
    }
  }

  /** Stops ticking for good; the weights stay as last set. Thread-safe. */
  public void stop() {
    periodic.stop();
  }

  /**
   * Sets the backends' costs by name (1 for a name not given; see {@link WeightController}),
   * for the members of now and those that join later. Thread-safe: applied on the control loop
   * once started, at once before.
   *
   * @throws IllegalArgumentException for a cost that is not a finite number above 0
   */
  public synchronized void useCosts(Map<String, Double> byName) {
    Map<String, Double> copy = Map.copyOf(byName);
    Scheduler s = periodic.scheduler();
    if (s == null) {
      controller.setCosts(copy);
      return;
    }
    copy.forEach((name, cost) -> {
      if (!(cost > 0 && Double.isFinite(cost))) {
        throw new IllegalArgumentException(
            "cost of " + name + ": " + cost + " (expected: a finite number > 0)");
      }
    });
    s.execute(() -> controller.setCosts(copy));
  }

  /**
   * Control loop: a window and a controller state for each member that has none (at the weight
   * percentage the pool gives it now), none for a backend that left.
   */
  private void followMembers(long now) {
    List<Backend> members = lb.backends();
    Set<Backend> current = new HashSet<>(members);
    for (Iterator<Backend> it = windows.keySet().iterator(); it.hasNext(); ) {
      Backend b = it.next();
      if (!current.contains(b)) {
        it.remove();
        controller.remove(b);
      }
    }
    for (Backend b : members) {
      if (!windows.containsKey(b)) {
        windows.put(b, new TrafficWindow(b, now));
        if (!controller.holds(b)) {
          controller.add(b);
          controller.sync(b, lb.weightPercent(b));
        }
      }
    }
  }

  @Override
  public void onMembersChanged(LoadBalancer pool, List<Backend> added, List<Backend> removed,
      List<Backend> updated, String reason) {
    if (periodic.running()) {
      followMembers(periodic.scheduler().ticker().nanos());
    }
  }

  /** One control interval. Control loop only. */
  private void tick() {
    long now = periodic.scheduler().ticker().nanos();
    followMembers(now);
    long maxAge = settings.staleAfter().toNanos();
    List<BackendStats> stats = new ArrayList<>();
    Map<Backend, BackendStats> all = new IdentityHashMap<>();
    for (Backend b : lb.backends()) {
      BackendStats s = windows.get(b).harvest(now,
          b.signals().figure(settings.figure(), now, maxAge),
          b.signals().weightPercent(now, maxAge));
      all.put(b, s);
      if (lb.effectiveWeight(b) > 0) {
        stats.add(s);
      }
    }
    lastStats = Collections.unmodifiableMap(all);
    WeightController.Step step = controller.step(now, stats);
    if (!step.changed().isEmpty()) {
      lb.setWeightPercents(step.changed());
    }
    step.decisions().forEach(this::decide);
    if (scaling != null) {
      ScalingSignal signal = scaling.observe(now, level(stats), stats.size());
      if (signal != null) {
        String reason = signal.message().substring(("pool " + lb.name() + ": ").length());
        String quiet = "normal";
        decide(new Decision(now, lb.name(), null, Decision.Kind.SCALING,
            signal.raised() ? quiet : signal.direction().label(),
            signal.raised() ? signal.direction().label() : quiet, reason));
        scalingSink.accept(signal);
      }
    }
  }

  /** The pool's level for scaling: mean fresh figure, or requests-weighted p99 in ms; NaN if none. */
  private double level(List<BackendStats> stats) {
    double sum = 0;
    long weight = 0;
    for (BackendStats s : stats) {
      if (settings.objective() == Objective.LATENCY) {
        sum += s.p99Millis() * s.requests();
        weight += s.requests();
      } else if (s.utilization().isPresent()) {
        sum += s.utilization().getAsDouble();
        weight++;
      }
    }
    return weight == 0 ? Double.NaN : sum / weight;
  }

  private void decide(Decision d) {
    log.append(d);
    decisions.accept(d);
  }

  /** Each backend's stats of the last interval (every backend, in the picker or not). */
  public Map<Backend, BackendStats> lastStats() {
    return lastStats;
  }

  /** The scaling advisor, or null when the settings have no scaling section. */
  public ScalingAdvisor scaling() {
    return scaling;
  }

  /** The controller itself; control loop only. */
  public WeightController controller() {
    return controller;
  }

  /**
   * A circuit breaker of this pool changed state; for the decision log. Thread-safe (the log is),
   * and the decision sink must be too when circuit breakers report from event loops.
   */
  public void circuitChanged(Backend backend, String from, String to, String reason) {
    decide(new Decision(lb.nowNanos(), lb.name(), backend.name(), Decision.Kind.CIRCUIT, from, to,
        reason));
  }

  @Override
  public void onWarmupStart(LoadBalancer pool, Backend backend) {
    // A backend that just joined may not be known yet (the pool's listener need not forward
    // onMembersChanged here): it warms up like any other.
    controller.add(backend);
    decide(controller.startWarmup(pool.nowNanos(), backend, pool.weightPercent(backend)));
  }

  @Override
  public void onHealthChange(LoadBalancer pool, Backend backend, HealthState from, HealthState to,
      String reason) {
    decide(new Decision(pool.nowNanos(), pool.name(), backend.name(), Decision.Kind.HEALTH,
        from.name().toLowerCase(java.util.Locale.ROOT), to.name().toLowerCase(java.util.Locale.ROOT),
        reason));
  }

  @Override
  public void onEjection(LoadBalancer pool, Backend backend, boolean ejected, String reason) {
    decide(new Decision(pool.nowNanos(), pool.name(), backend.name(),
        ejected ? Decision.Kind.EJECTION : Decision.Kind.RETURN,
        ejected ? "in" : "out", ejected ? "out" : "in", reason));
  }

  @Override
  public void onPanic(LoadBalancer pool, boolean panic, String reason) {
    decide(new Decision(pool.nowNanos(), pool.name(), null, Decision.Kind.PANIC,
        panic ? "off" : "on", panic ? "on" : "off", reason));
  }

  @Override
  public String toString() {
    return "optimizer of pool " + lb.name() + " (" + settings.objective().configName() + ", every "
        + settings.interval().toMillis() + " ms)";
  }
}
