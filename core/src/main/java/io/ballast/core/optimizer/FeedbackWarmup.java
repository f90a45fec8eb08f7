package io.ballast.core.optimizer;

/**
 * Warm-up by feedback, one interval at a time: a backend that came back (it serves at the start
 * percentage the pool gave it) leaves the PID and grows by {@code step_percent} points per
 * interval toward the output it had before, while its p99 and error rate stay in line with the
 * rest of the pool (see {@link WeightControlSettings.Warmup}); it pauses when they do not and
 * halves when clearly worse. With too few requests to judge, it grows while none fails. Once
 * there, the PID takes over from that output.
 *
 * <p>Worked example, step 10, tolerances 1.5× p99 and +1 point of errors, a backend at 10% whose
 * output was 40, the pool at p99 80 ms and no errors: at p99 100 ms (1.25×) it grows to 20; at
 * 160 ms (2×) it pauses; at 400 ms (5×, beyond twice the tolerance) it halves to 10; at p99 80 ms
 * from 30 it reaches 40 and the PID takes over.
 *
 * <p>Deterministic; changes only the backend's {@link ControlState}. Control loop only.
 */
final class FeedbackWarmup {
  /**
   * What one step did.
   *
   * @param reason why the percentage is what it is, for the decision if it changes
   * @param paused the decision's reason when the backend starts to pause; null otherwise (a pause
   *     is said once)
   */
  record Outcome(String reason, String paused) {}

  private final WeightControlSettings settings;

  FeedbackWarmup(WeightControlSettings settings) {
    this.settings = settings;
  }

  /**
   * One warm-up step of a warming backend ({@code st.warming}): its new {@code st.warmPercent},
   * and {@code st.warming} false once it reached its goal.
   *
   * @param pool the backends with enough data, the warming ones excluded: what "in line" means
   */
  Outcome step(BackendStats s, ControlState st, PoolSignals pool) {
    WeightControlSettings.Warmup w = settings.warmup();
    double poolP99 = pool.p99Nanos;
    double poolErrors = pool.errorRate;
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
        st.hold(settings.ki());
        return new Outcome("warm-up done, in line with the pool: " + numbers, null);
      }
      return new Outcome("in line with the pool: " + numbers, null);
    }
    if (clearlyWorse) {
      st.paused = false;
      st.warmPercent = Math.max(1, Math.floor(st.warmPercent / 2));
      return new Outcome("clearly worse than the pool, backing off: " + numbers, null);
    }
    if (st.paused) {
      return new Outcome("paused", null);
    }
    st.paused = true;
    return new Outcome("paused", "paused at " + st.published + "%: " + numbers + " (tolerance "
        + w.latencyTolerance() + "× p99, +" + Format.percent(w.errorTolerance()) + " errors)");
  }
}
