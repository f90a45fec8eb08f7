package io.ballast.core.optimizer;

import io.ballast.core.decision.Decision;

import io.ballast.core.Backend;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.optimizer.WeightControlSettings.Objective;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Turns one interval's {@link BackendStats} into weight percentages: a PID controller per
 * backend, warm-up by feedback for backends that came back, and a decision for every change.
 *
 * <p>Pure and deterministic: the outcome depends only on the settings, the stats passed in and
 * the state left by earlier steps; no clock, no randomness, no I/O. Control loop only (not
 * thread-safe): {@link PoolOptimizer} drives it; the simulator and the tests can drive it
 * directly.
 *
 * <p>Membership: {@link #add} starts a backend that joined the pool at 100% with a fresh
 * controller, as a backend that was never adjusted (warm-up by feedback, when on, then starts it
 * lower through {@link #startWarmup}); {@link #remove} forgets one that left. Costs are kept by
 * backend name ({@link #setCosts}), so a backend replaced under the same name keeps its cost.
 *
 * <h2>The signal</h2>
 * Under the utilization objective a backend's signal is its own utilization figure (such as
 * {@code cpu}) when a fresh one is known. A backend without one falls back to its traffic: its
 * mean latency over the interval relative to the average of its peers' means, times the mean
 * figure of the backends that have one (a backend whose requests take 1.5 times as long as the
 * pool's average reads as 1.5 times as busy). When no backend has a figure the whole pool runs on
 * those relative latencies (balance point 1), and the absolute target and the overload and
 * under-use thresholds, which are utilizations, do not apply. Under the latency objective the
 * signal is the backend's p99 over the interval, in milliseconds.
 *
 * <h2>The set point</h2>
 * An absolute {@link WeightControlSettings#target() target}, or else the pool's balance point: the
 * mean signal of the backends with enough data. With per-backend costs and a
 * {@link WeightControlSettings#latencyObjective() latency objective} that the pool meets (its p99,
 * the requests-weighted mean of its backends' p99, within the objective), a backend's set point is
 * scaled by {@code mean cost / its cost}, capped at the overload threshold (utilization) or the
 * objective itself (latency): cheaper backends are driven busier, dearer ones idler. When the
 * pool misses its objective, costs are ignored until it meets it again.
 *
 * <h2>The controller</h2>
 * The error is relative: {@code e = (signal - set point) / set point}, limited to -1..2. The
 * output is a weight percentage in the logarithmic domain, because a backend's share responds
 * to relative, not absolute, weight changes (a 25-point move is a quarter of a weight at 100 but
 * all of one at 25): {@code output = 100 × exp(-(kp × e + ki × Σe + kd × Δe))}. It then moves at
 * most {@code max_step_percent} points per interval and stays within the floor and the ceiling,
 * rounded to a whole percent. Anti-windup: while the unbounded output lies beyond the floor or
 * the ceiling the integral is frozen (unless the error pulls it back), so after a long spell at a
 * bound the backend recovers as soon as its error turns. Hysteresis: a backend whose error is
 * within the deadband holds still, unless its utilization is above {@code overload_above} and
 * above its set point (it is lowered anyway) or below {@code underuse_below} and below it (raised
 * anyway); while it holds, the integral is re-seated on its current output so that acting again
 * starts from where it is, without a jump. Worked example, kp 0.2, ki 0.4: a backend at cpu 0.9
 * in a pool averaging 0.6 has e = 0.5; its integral becomes 0.5 and its output
 * 100 × exp(-(0.1 + 0.2)) = 74, within a 25-point step. The published percentage is the output
 * times the agent's weight percentage when an agent names one (an agent asking 50% halves it at
 * once: the backend's word is not rate-limited), between 1 and
 * {@value LoadBalancer#MAX_WEIGHT_PERCENT}.
 *
 * <h2>Thin data</h2>
 * A backend with fewer than {@code min_requests} requests in the interval holds its weight and
 * does not count in the balance point; a decision says so once, when it starts holding.
 *
 * <h2>Warm-up by feedback</h2>
 * A backend that came back ({@link #startWarmup}) leaves the PID and grows by
 * {@code step_percent} points per interval toward the output it had before, while its p99 and
 * error rate stay in line with the rest of the pool (see {@link WeightControlSettings.Warmup});
 * it pauses when they do not and halves when clearly worse. With too few requests to judge, it
 * grows while none fails. Once there, the PID takes over from that output.
 */
public final class WeightController {
  /** What one step changed: new percentages (only those that differ) and the decisions. */
  public record Step(Map<Backend, Integer> changed, List<Decision> decisions) {
    public Step {
      changed = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(changed));
      decisions = List.copyOf(decisions);
    }
  }

  private final String pool;
  private final WeightControlSettings settings;
  private final Map<Backend, State> states = new IdentityHashMap<>();
  /** Each backend's cost by name; a name without one costs 1. */
  private Map<String, Double> costs = Map.of();

  /**
   * @param costs each backend's cost (1 when absent); only compared with each other
   */
  public WeightController(String pool, List<Backend> backends, WeightControlSettings settings,
      Map<Backend, Double> costs) {
    this.pool = Objects.requireNonNull(pool, "pool");
    this.settings = Objects.requireNonNull(settings, "settings");
    Map<String, Double> byName = new java.util.HashMap<>();
    costs.forEach((b, cost) -> {
      if (cost != null) {
        byName.put(b.name(), cost);
      }
    });
    setCosts(byName);
    backends.forEach(this::add);
  }

  /**
   * Sets every backend's cost by name (1 for a name not given), for the backends held now and
   * those that join later.
   *
   * @throws IllegalArgumentException for a cost that is not a finite number above 0
   */
  public void setCosts(Map<String, Double> byName) {
    for (Map.Entry<String, Double> e : byName.entrySet()) {
      Double cost = e.getValue();
      if (cost == null || !(cost > 0 && Double.isFinite(cost))) {
        throw new IllegalArgumentException(
            "cost of " + e.getKey() + ": " + cost + " (expected: a finite number > 0)");
      }
    }
    costs = Map.copyOf(byName);
    states.forEach((b, st) -> st.cost = costByName(b));
  }

  private double costByName(Backend b) {
    return costs.getOrDefault(b.name(), 1.0);
  }

  /** The backend's cost (1 unless set for its name). */
  public double cost(Backend backend) {
    return state(backend).cost;
  }

  /**
   * Takes in a backend that joined the pool: 100%, a fresh controller, its cost by name. A
   * backend already held is left as it is.
   */
  public void add(Backend backend) {
    if (!states.containsKey(backend)) {
      State st = new State();
      st.cost = costByName(backend);
      states.put(backend, st);
    }
  }

  /** Forgets a backend that left the pool. */
  public void remove(Backend backend) {
    states.remove(backend);
  }

  /** True when the controller holds the backend. */
  public boolean holds(Backend backend) {
    return states.containsKey(backend);
  }

  public WeightControlSettings settings() {
    return settings;
  }

  /** The percentage last published for the backend (100 at first). */
  public int percent(Backend backend) {
    return state(backend).published;
  }

  /** The PID's output for the backend, before the agent's percentage. */
  public double output(Backend backend) {
    return state(backend).output;
  }

  /** True while the backend warms up by feedback. */
  public boolean warming(Backend backend) {
    return state(backend).warming;
  }

  /** Tells the controller the pool published {@code percent} for the backend by itself. */
  public void sync(Backend backend, int percent) {
    state(backend).published = percent;
  }

  /**
   * The backend came back and serves at {@code startPercent} (the pool set it): it grows from
   * there by feedback. Returns the decision that says so.
   */
  public Decision startWarmup(long nowNanos, Backend backend, int startPercent) {
    State st = state(backend);
    int before = st.published;
    st.warming = true;
    st.paused = false;
    st.warmPercent = startPercent;
    st.published = startPercent;
    int goal = (int) Math.round(st.output);
    return new Decision(nowNanos, pool, backend.name(), Decision.Kind.WARMUP,
        Integer.toString(before), Integer.toString(startPercent), "back in service, starts at "
            + startPercent + "% and grows " + settings.warmup().stepPercent()
            + " points per interval toward " + goal + "% while in line with the pool");
  }

  /**
   * One control step over the backends that are in the picker now ({@code stats}, one per
   * backend); the others keep their state untouched.
   */
  public Step step(long nowNanos, List<BackendStats> stats) {
    Map<Backend, Integer> changed = new LinkedHashMap<>();
    List<Decision> decisions = new ArrayList<>();
    List<BackendStats> steady = new ArrayList<>();
    List<BackendStats> warming = new ArrayList<>();
    List<BackendStats> data = new ArrayList<>();
    for (BackendStats s : stats) {
      State st = state(s.backend());
      if (st.warming) {
        warming.add(s);
      } else {
        steady.add(s);
        if (s.requests() >= settings.minRequests()) {
          data.add(s);
        }
      }
    }
    signalChanges(nowNanos, stats, decisions);
    Pool p = pool(data);
    for (BackendStats s : steady) {
      State st = state(s.backend());
      if (s.requests() < settings.minRequests()) {
        hold(st);
        st.reason = "holds: " + s.requests() + " requests in the interval";
        if (!st.thin) {
          st.thin = true;
          decisions.add(decision(nowNanos, s.backend(), Decision.Kind.WEIGHT, null, null,
              "holds at " + st.published + "%: " + s.requests() + " requests in the interval"
                  + " (expected: >= " + settings.minRequests() + ")"));
        }
      } else {
        st.thin = false;
        control(s, st, p);
      }
      publish(nowNanos, s, st, st.output, st.reason, changed, decisions, Decision.Kind.WEIGHT);
    }
    for (BackendStats s : warming) {
      State st = state(s.backend());
      String reason = warm(nowNanos, s, st, data, decisions);
      publish(nowNanos, s, st, st.warming ? st.warmPercent : st.output, reason, changed,
          decisions, Decision.Kind.WARMUP);
    }
    return new Step(changed, decisions);
  }

  /** The pool's view over the backends with enough data: signals and set points. */
  private Pool pool(List<BackendStats> data) {
    int n = data.size();
    Pool p = new Pool();
    p.signals = new double[n];
    double sumMean = 0;
    double sumFigure = 0;
    int figures = 0;
    long requests = 0;
    double weightedP99 = 0;
    double sumCost = 0;
    for (BackendStats s : data) {
      sumMean += s.meanNanos();
      if (s.utilization().isPresent()) {
        sumFigure += s.utilization().getAsDouble();
        figures++;
      }
      requests += s.requests();
      weightedP99 += (double) s.p99Nanos() * s.requests();
      sumCost += state(s.backend()).cost;
    }
    p.avgMeanNanos = n == 0 ? 0 : sumMean / n;
    p.figureMean = figures == 0 ? Double.NaN : sumFigure / figures;
    p.relative = settings.objective() == Objective.UTILIZATION && figures == 0;
    p.p99Nanos = requests == 0 ? 0 : weightedP99 / requests;
    p.meanCost = n == 0 ? 1 : sumCost / n;
    double sum = 0;
    for (int i = 0; i < n; i++) {
      p.signals[i] = signal(data.get(i), p);
      sum += p.signals[i];
    }
    p.index = new IdentityHashMap<>();
    for (int i = 0; i < n; i++) {
      p.index.put(data.get(i).backend(), i);
    }
    boolean absoluteTarget = settings.target().isPresent() && !p.relative;
    p.setPoint = absoluteTarget ? settings.target().getAsDouble() : n == 0 ? Double.NaN : sum / n;
    p.setPointName = absoluteTarget ? "target" : "pool";
    long objective = settings.latencyObjective().toNanos();
    p.costs = objective > 0 && !p.relative && n > 1 && p.p99Nanos <= objective
        && data.stream().anyMatch(s -> state(s.backend()).cost != p.meanCost);
    return p;
  }

  private double signal(BackendStats s, Pool p) {
    if (settings.objective() == Objective.LATENCY) {
      return s.p99Nanos() / 1e6;
    }
    if (s.utilization().isPresent()) {
      return s.utilization().getAsDouble();
    }
    double relative = p.avgMeanNanos > 0 ? s.meanNanos() / p.avgMeanNanos : 1;
    return p.relative ? relative : relative * p.figureMean;
  }

  private void control(BackendStats s, State st, Pool p) {
    int i = p.index.get(s.backend());
    double signal = p.signals[i];
    double setPoint = p.setPoint;
    if (p.costs) {
      double cap = settings.objective() == Objective.LATENCY
          ? settings.latencyObjective().toNanos() / 1e6 : settings.overloadAbove();
      setPoint = Math.min(setPoint * p.meanCost / st.cost, Math.max(cap, setPoint));
    }
    if (!(setPoint > 0) || !Double.isFinite(setPoint) || p.signals.length < 2
        && settings.target().isEmpty()) {
      hold(st);
      st.reason = "no balance point yet (" + p.signals.length + " backend with data)";
      return;
    }
    double e = Math.max(-1, Math.min(2, (signal - setPoint) / setPoint));
    boolean absoluteUtilization = settings.objective() == Objective.UTILIZATION && !p.relative;
    boolean overloaded = absoluteUtilization && signal > settings.overloadAbove() && e > 0;
    boolean underused = absoluteUtilization && signal < settings.underuseBelow() && e < 0;
    String why = describe(s, signal, setPoint, p, st);
    if (Math.abs(e) <= settings.deadband() && !overloaded && !underused) {
      hold(st);
      st.reason = why + " (within the deadband)";
      return;
    }
    double candidate = st.integral + e;
    double derivative = st.hasPrevious ? e - st.previousError : 0;
    double raw = 100 * Math.exp(
        -(settings.kp() * e + settings.ki() * candidate + settings.kd() * derivative));
    int floor = settings.floorPercent();
    int ceiling = settings.ceilingPercent();
    double lo = Math.max(floor, st.output - settings.maxStepPercent());
    double hi = Math.min(ceiling, st.output + settings.maxStepPercent());
    lo = Math.min(lo, hi);
    double next = Math.rint(Math.max(lo, Math.min(hi, raw)));
    boolean frozen = raw > ceiling && e < 0 || raw < floor && e > 0 || Double.isNaN(raw);
    if (!frozen) {
      st.integral = candidate;
    }
    st.previousError = e;
    st.hasPrevious = true;
    st.output = next;
    if (overloaded && Math.abs(e) <= settings.deadband()) {
      why += ", above overload_above " + Format.ratio(settings.overloadAbove());
    } else if (underused && Math.abs(e) <= settings.deadband()) {
      why += ", below underuse_below " + Format.ratio(settings.underuseBelow());
    }
    if (next == floor && raw < floor) {
      why += ", at the floor " + floor + "%";
    } else if (next == ceiling && raw > ceiling) {
      why += ", at the ceiling " + ceiling + "%";
    } else if (Math.abs(raw - next) > 0.5) {
      why += ", step bound " + settings.maxStepPercent() + " points";
    }
    st.reason = why;
  }

  /** The reason in numbers: "cpu 0.91 vs pool 0.55, p99 240 ms vs pool 80 ms". */
  private String describe(BackendStats s, double signal, double setPoint, Pool p, State st) {
    StringBuilder sb = new StringBuilder();
    String vs = " vs " + p.setPointName + " ";
    if (settings.objective() == Objective.LATENCY) {
      sb.append("p99 ").append(Format.millis(signal * 1e6)).append(vs)
          .append(Format.millis(setPoint * 1e6));
    } else if (s.utilization().isPresent()) {
      sb.append(settings.figure()).append(' ').append(Format.ratio(signal)).append(vs)
          .append(Format.ratio(setPoint)).append(", p99 ").append(Format.millis(s.p99Nanos()))
          .append(" vs pool ").append(Format.millis(p.p99Nanos));
    } else {
      sb.append("no fresh ").append(settings.figure()).append(", mean latency ")
          .append(Format.millis(s.meanNanos())).append(" vs pool ")
          .append(Format.millis(p.avgMeanNanos));
      if (!p.relative) {
        sb.append(" (reads as ").append(settings.figure()).append(' ')
            .append(Format.ratio(signal)).append(vs).append(Format.ratio(setPoint)).append(')');
      }
    }
    if (s.errorRate() > 0) {
      sb.append(", errors ").append(Format.percent(s.errorRate()));
    }
    if (p.costs) {
      sb.append(", cost ").append(Format.ratio(st.cost)).append(" vs mean ")
          .append(Format.ratio(p.meanCost)).append(" while pool p99 ")
          .append(Format.millis(p.p99Nanos)).append(" is within ")
          .append(Format.millis(settings.latencyObjective().toNanos()));
    }
    return sb.toString();
  }

  /** Holds the output and re-seats the integral on it, so that acting again starts smoothly. */
  private void hold(State st) {
    st.integral = settings.ki() > 0 ? -Math.log(st.output / 100) / settings.ki() : 0;
    st.hasPrevious = false;
  }

  /** One warm-up step; returns the reason for the decision, if the percentage changes. */
  private String warm(long now, BackendStats s, State st, List<BackendStats> ref,
      List<Decision> decisions) {
    WeightControlSettings.Warmup w = settings.warmup();
    long requests = 0;
    long failures = 0;
    double weightedP99 = 0;
    for (BackendStats r : ref) {
      requests += r.requests();
      failures += r.failures();
      weightedP99 += (double) r.p99Nanos() * r.requests();
    }
    double poolP99 = requests == 0 ? 0 : weightedP99 / requests;
    double poolErrors = requests == 0 ? 0 : (double) failures / requests;
    String numbers;
    boolean grow;
    boolean clearlyWorse = false;
    if (s.requests() < settings.minRequests()) {
      grow = s.failures() == 0;
      numbers = s.requests() + " requests, " + s.failures() + " failed";
    } else {
      double errors = s.errorRate();
      numbers = (poolP99 > 0 ? "p99 " + Format.millis(s.p99Nanos()) + " vs pool "
          + Format.millis(poolP99) + ", " : "") + "errors " + Format.percent(errors) + " vs pool "
          + Format.percent(poolErrors);
      double ratio = poolP99 > 0 ? s.p99Nanos() / poolP99 : 1;
      grow = ratio <= w.latencyTolerance() && errors <= poolErrors + w.errorTolerance();
      clearlyWorse = ratio > 2 * w.latencyTolerance()
          || errors > poolErrors + 2 * w.errorTolerance();
    }
    double goal = Math.max(st.output, 1);
    if (grow) {
      st.paused = false;
      st.warmPercent = Math.min(goal, st.warmPercent + w.stepPercent());
      if (st.warmPercent >= goal) {
        st.warming = false;
        hold(st);
        return "warm-up done, in line with the pool: " + numbers;
      }
      return "in line with the pool: " + numbers;
    }
    if (clearlyWorse) {
      st.paused = false;
      st.warmPercent = Math.max(1, Math.floor(st.warmPercent / 2));
      return "clearly worse than the pool, backing off: " + numbers;
    }
    if (!st.paused) {
      st.paused = true;
      decisions.add(decision(now, s.backend(), Decision.Kind.WARMUP, null, null, "paused at "
          + st.published + "%: " + numbers + " (tolerance " + w.latencyTolerance() + "× p99, +"
          + Format.percent(w.errorTolerance()) + " errors)"));
    }
    return "paused";
  }

  private void publish(long now, BackendStats s, State st, double output, String reason,
      Map<Backend, Integer> changed, List<Decision> decisions, Decision.Kind kind) {
    int agent = s.agentPercent();
    double factor = agent >= 0 ? agent / 100.0 : 1;
    int percent = (int) Math.max(1,
        Math.min(LoadBalancer.MAX_WEIGHT_PERCENT, Math.round(output * factor)));
    if (percent == st.published) {
      return;
    }
    String why = reason == null ? "" : reason;
    if (agent >= 0 && agent != 100) {
      why += (why.isEmpty() ? "" : ", ") + "agent asks " + agent + "%";
    }
    decisions.add(decision(now, s.backend(), kind, Integer.toString(st.published),
        Integer.toString(percent), why));
    st.published = percent;
    changed.put(s.backend(), percent);
  }

  /** A SIGNAL decision when a backend's utilization figure appears or goes away. */
  private void signalChanges(long now, List<BackendStats> stats, List<Decision> decisions) {
    if (settings.objective() != Objective.UTILIZATION) {
      return;
    }
    for (BackendStats s : stats) {
      State st = state(s.backend());
      boolean fresh = s.utilization().isPresent();
      if (fresh != st.hadFigure) {
        st.hadFigure = fresh;
        decisions.add(decision(now, s.backend(), Decision.Kind.SIGNAL,
            fresh ? "traffic" : settings.figure(), fresh ? settings.figure() : "traffic",
            fresh ? "a fresh " + settings.figure() + " figure: " + Format.ratio(
                s.utilization().getAsDouble())
                : "no fresh " + settings.figure() + " figure (none reported within stale_after "
                    + settings.staleAfter().toMillis() + " ms, or its source is stale):"
                    + " falling back to mean latency relative to the pool"));
      }
    }
  }

  private Decision decision(long now, Backend b, Decision.Kind kind, String from, String to,
      String reason) {
    return new Decision(now, pool, b.name(), kind, from, to, reason);
  }

  private State state(Backend b) {
    State st = states.get(b);
    if (st == null) {
      throw new IllegalArgumentException("backend " + b.name() + " is not in pool " + pool);
    }
    return st;
  }

  /** One step's view of the pool. */
  private static final class Pool {
    double[] signals;
    Map<Backend, Integer> index;
    double avgMeanNanos;
    double figureMean;
    boolean relative;
    double p99Nanos;
    double meanCost;
    double setPoint;
    String setPointName;
    boolean costs;
  }

  /** Per-backend controller state. */
  private static final class State {
    double cost = 1;
    double output = 100;
    double integral;
    double previousError;
    boolean hasPrevious;
    int published = 100;
    boolean thin;
    boolean warming;
    boolean paused;
    double warmPercent;
    /** Starts true so that a pool without figures says once that it runs on traffic. */
    boolean hadFigure = true;
    String reason;
  }
}
