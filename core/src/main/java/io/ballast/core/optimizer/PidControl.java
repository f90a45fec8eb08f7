package io.ballast.core.optimizer;

import io.ballast.core.optimizer.WeightControlSettings.Objective;

/**
 * One PID step for one backend: from its signal and set point ({@link PoolSignals}) to its next
 * output, a weight percentage.
 *
 * <p>The error is relative: {@code e = (signal - set point) / set point}, limited to -1..2. The
 * output is a weight percentage in the logarithmic domain, because a backend's share responds
 * to relative, not absolute, weight changes (a 25-point move is a quarter of a weight at 100 but
 * all of one at 25): {@code output = 100 × exp(-(kp × e + ki × Σe + kd × Δe))}. It then moves
 * at most {@code max_step_percent} points per interval and stays within the floor and the
 * ceiling, rounded to a whole percent. Anti-windup: while the unbounded output lies beyond the
 * floor or the ceiling the integral is frozen (unless the error pulls it back), so after a long
 * spell at a bound the backend recovers as soon as its error turns. Hysteresis: a backend whose
 * error is within the deadband holds still, unless its utilization is above
 * {@code overload_above} and above its set point (it is lowered anyway) or below
 * {@code underuse_below} and below it (raised anyway); while it holds, the integral is re-seated
 * on its current output ({@link ControlState#hold}) so that acting again starts from where it
 * is, without a jump.
 *
 * <p>Worked example, kp 0.2, ki 0.4: a backend at cpu 0.9 in a pool averaging 0.6 has e = 0.5;
 * its integral becomes 0.5 and its output 100 × exp(-(0.1 + 0.2)) = 74.1, one point more than a
 * 25-point step allows: it moves to 75.
 *
 * <p>Deterministic; changes only the backend's {@link ControlState}. Control loop only.
 */
final class PidControl {
  private final WeightControlSettings settings;

  PidControl(WeightControlSettings settings) {
    this.settings = settings;
  }

  /**
   * Steps the backend's output ({@code st.output}) and says why ({@code st.reason}); holds it
   * while the pool has no balance point yet (fewer than two backends with data and no target).
   */
  void control(BackendStats s, ControlState st, PoolSignals p) {
    double signal = p.signal(s.backend());
    double setPoint = p.setPoint(st.cost);
    if (!(setPoint > 0) || !Double.isFinite(setPoint) || p.size() < 2
        && settings.target().isEmpty()) {
      st.hold(settings.ki());
      st.reason = "no balance point yet (" + p.size() + " backend with data)";
      return;
    }
    double e = Math.max(-1, Math.min(2, (signal - setPoint) / setPoint));
    boolean absoluteUtilization = settings.objective() == Objective.UTILIZATION && !p.relative;
    boolean overloaded = absoluteUtilization && signal > settings.overloadAbove() && e > 0;
    boolean underused = absoluteUtilization && signal < settings.underuseBelow() && e < 0;
    String why = p.describe(s, signal, setPoint, st.cost);
    if (Math.abs(e) <= settings.deadband() && !overloaded && !underused) {
      st.hold(settings.ki());
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
}
