package io.ballast.core.optimizer;

import io.ballast.core.Backend;
import io.ballast.core.decision.Decision;
import io.ballast.core.optimizer.WeightControlSettings.Objective;
import io.ballast.core.pool.LoadBalancer;
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
 * <h2>A step</h2>
 * <ol>
 *   <li>The signal of each backend with enough data and the set point it is driven toward:
 *       {@link PoolSignals} (its own utilization figure, or its traffic when it has none, or its
 *       p99; the pool's balance point or an absolute target, shaped by cost).
 *   <li>Each steady backend's output: {@link PidControl} (relative error, logarithmic output,
 *       step bound, floor and ceiling, anti-windup, deadband).
 *   <li>Each backend that came back grows by feedback instead: {@link FeedbackWarmup}.
 *   <li>The published percentage is the output times the agent's weight percentage when an
 *       agent names one (an agent asking 50% halves it at once: the backend's word is not
 *       rate-limited), between 1 and {@value LoadBalancer#MAX_WEIGHT_PERCENT}; a decision says
 *       why.
 * </ol>
 *
 * <h2>Thin data</h2>
 * A backend with fewer than {@code min_requests} requests in the interval holds its weight and
 * does not count in the balance point; a decision says so once, when it starts holding.
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
  private final PidControl pid;
  private final FeedbackWarmup warmup;
  private final Map<Backend, ControlState> states = new IdentityHashMap<>();
  /** Each backend's cost by name; a name without one costs 1. */
  private Map<String, Double> costs = Map.of();

  /**
   * @param costs each backend's cost (1 when absent); only compared with each other
   */
  public WeightController(String pool, List<Backend> backends, WeightControlSettings settings,
      Map<Backend, Double> costs) {
    this.pool = Objects.requireNonNull(pool, "pool");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.pid = new PidControl(settings);
    this.warmup = new FeedbackWarmup(settings);
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
      ControlState st = new ControlState();
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
    ControlState st = state(backend);
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
      ControlState st = state(s.backend());
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
    PoolSignals p = PoolSignals.of(settings, data, b -> state(b).cost);
    for (BackendStats s : steady) {
      ControlState st = state(s.backend());
      if (s.requests() < settings.minRequests()) {
        st.hold(settings.ki());
        st.reason = "holds: " + s.requests() + " requests in the interval";
        if (!st.thin) {
          st.thin = true;
          decisions.add(decision(nowNanos, s.backend(), Decision.Kind.WEIGHT, null, null,
              "holds at " + st.published + "%: " + s.requests() + " requests in the interval"
                  + " (expected: >= " + settings.minRequests() + ")"));
        }
      } else {
        st.thin = false;
        pid.control(s, st, p);
      }
      publish(nowNanos, s, st, st.output, st.reason, changed, decisions, Decision.Kind.WEIGHT);
    }
    for (BackendStats s : warming) {
      ControlState st = state(s.backend());
      FeedbackWarmup.Outcome o = warmup.step(s, st, p);
      if (o.paused() != null) {
        decisions.add(decision(nowNanos, s.backend(), Decision.Kind.WARMUP, null, null,
            o.paused()));
      }
      publish(nowNanos, s, st, st.warming ? st.warmPercent : st.output, o.reason(), changed,
          decisions, Decision.Kind.WARMUP);
    }
    return new Step(changed, decisions);
  }

  private void publish(long now, BackendStats s, ControlState st, double output, String reason,
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
      ControlState st = state(s.backend());
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

  private ControlState state(Backend b) {
    ControlState st = states.get(b);
    if (st == null) {
      throw new IllegalArgumentException("backend " + b.name() + " is not in pool " + pool);
    }
    return st;
  }
}
