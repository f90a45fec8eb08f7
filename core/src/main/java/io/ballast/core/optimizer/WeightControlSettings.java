package io.ballast.core.optimizer;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * How the weight controller of one pool turns signals into effective weights. Immutable and
 * validated: every violation names the field, the value and what was expected
 * ({@code "kp: -1.0 (expected: >= 0)"}). Build one with {@link #builder()}; the defaults are
 * those of {@link #DEFAULTS}.
 *
 * @param interval how often the controller runs (1 s): each run looks at the requests of the
 *     interval just ended
 * @param objective what the controller equalises: each backend's utilization figure, or its p99
 *     latency
 * @param figure the utilization figure the backends report (through the agent, the load-report
 *     header or Prometheus), "cpu" by default; a backend without a fresh one falls back to its
 *     traffic (see {@link WeightController})
 * @param target an absolute set point in the objective's unit (a utilization such as 0.6, or a
 *     p99 in milliseconds); empty (the default) drives every backend toward the pool's balance
 *     point, the mean over its backends
 * @param kp proportional gain, on the relative error ((signal - set point) / set point)
 * @param ki integral gain; the integral is frozen while the output is held at a bound
 * @param kd derivative gain (0 by default: the signals are noisy)
 * @param maxStepPercent the most a backend's weight moves per interval, in percent points of its
 *     configured weight
 * @param deadband relative error within which a backend holds still (hysteresis): 0.1 holds while
 *     the signal is within 10% of the set point
 * @param floorPercent lowest weight, in percent of the configured weight
 * @param ceilingPercent highest weight, in percent of the configured weight
 * @param overloadAbove a utilization above this lowers the weight of a backend above its set
 *     point even inside the deadband (0.7)
 * @param underuseBelow a utilization below this raises the weight of a backend below its set
 *     point even inside the deadband (0.3)
 * @param minRequests fewer requests than this in a backend's window is too thin to judge: the
 *     backend holds its weight
 * @param latencyObjective with per-backend costs, cheaper backends are pushed toward a higher set
 *     point while the pool's p99 stays within this; zero (the default) ignores costs
 * @param staleAfter a signal report older than this no longer counts
 * @param warmup warm-up by feedback of returning backends; {@link Warmup#OFF} leaves it to the
 *     slow-start timer
 * @param scaling when to signal that the pool needs more or fewer backends; empty for never
 */
public record WeightControlSettings(Duration interval, Objective objective, String figure,
    OptionalDouble target, double kp, double ki, double kd, int maxStepPercent, double deadband,
    int floorPercent, int ceilingPercent, double overloadAbove, double underuseBelow,
    long minRequests, Duration latencyObjective, Duration staleAfter, Warmup warmup,
    Optional<Scaling> scaling) {

  /** What the controller equalises across the pool. */
  public enum Objective {
    /** The backends' utilization figure (cpu by default), or its traffic-derived stand-in. */
    UTILIZATION,
    /** The backends' p99 latency over the interval. */
    LATENCY;

    /** The name used in configuration: "utilization", "latency". */
    public String configName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * Warm-up by feedback: a backend that comes back starts at {@code startPercent} of its weight
   * and grows by {@code stepPercent} points per interval while its p99 stays within
   * {@code latencyTolerance} times the pool's and its error rate within {@code errorTolerance} of
   * the pool's; it pauses when not, and halves when clearly worse (twice the tolerance beyond:
   * p99 above {@code 2 × latencyTolerance} times the pool's, or error rate above the pool's plus
   * {@code 2 × errorTolerance}).
   *
   * @param startPercent weight percent a returning backend starts at; 0 turns warm-up off
   * @param stepPercent growth per interval, in percent points
   * @param latencyTolerance allowed ratio of its p99 to the pool's (1.5)
   * @param errorTolerance allowed error rate above the pool's (0.01: one point)
   */
  public record Warmup(int startPercent, int stepPercent, double latencyTolerance,
      double errorTolerance) {
    /** No warm-up by feedback. */
    public static final Warmup OFF = new Warmup(0, 10, 1.5, 0.01);
    /** Start at 10%, grow 10 points per interval. */
    public static final Warmup DEFAULT = new Warmup(10, 10, 1.5, 0.01);

    public Warmup {
      if (startPercent < 0 || startPercent > 100) {
        throw new IllegalArgumentException(
            "warmup.start: " + startPercent + " (expected: 0..100, 0 for off)");
      }
      if (stepPercent < 1 || stepPercent > 100) {
        throw new IllegalArgumentException(
            "warmup.step: " + stepPercent + " (expected: 1..100)");
      }
      if (!(latencyTolerance >= 1) || Double.isInfinite(latencyTolerance)) {
        throw new IllegalArgumentException(
            "warmup.latency_tolerance: " + latencyTolerance + " (expected: a finite number >= 1)");
      }
      if (!(errorTolerance >= 0 && errorTolerance <= 1)) {
        throw new IllegalArgumentException(
            "warmup.error_tolerance: " + errorTolerance + " (expected: 0..1)");
      }
    }

    public boolean enabled() {
      return startPercent > 0;
    }
  }

  /**
   * Scaling signals: the pool's level (mean utilization, or p99 in milliseconds under the latency
   * objective) above {@code hotAbove} (or below {@code coldBelow}) for {@code sustain} without a
   * break raises one signal; it clears when the level returns between the two, and the same
   * direction does not fire again within {@code cooldown} of its last signal.
   */
  public record Scaling(double hotAbove, double coldBelow, Duration sustain, Duration cooldown) {
    public Scaling {
      if (!Double.isFinite(hotAbove) || hotAbove <= 0) {
        throw new IllegalArgumentException(
            "scaling.hot_above: " + hotAbove + " (expected: a finite number > 0)");
      }
      if (!Double.isFinite(coldBelow) || coldBelow < 0 || coldBelow >= hotAbove) {
        throw new IllegalArgumentException("scaling.cold_below: " + coldBelow
            + " (expected: >= 0 and < hot_above " + hotAbove + ")");
      }
      positive("scaling.for", sustain);
      Objects.requireNonNull(cooldown, "cooldown");
      if (cooldown.isNegative()) {
        throw new IllegalArgumentException(
            "scaling.cooldown: " + cooldown + " (expected: >= 0)");
      }
    }
  }

  /** Utilization of "cpu" toward the pool's balance point, every second. */
  public static final WeightControlSettings DEFAULTS = builder().build();

  public WeightControlSettings {
    positive("interval", interval);
    Objects.requireNonNull(objective, "objective");
    Objects.requireNonNull(figure, "figure");
    if (figure.isBlank()) {
      throw new IllegalArgumentException("figure: blank (expected: a figure name such as cpu)");
    }
    Objects.requireNonNull(target, "target");
    if (target.isPresent() && !(target.getAsDouble() > 0 && Double.isFinite(target.getAsDouble()))) {
      throw new IllegalArgumentException(
          "target: " + target.getAsDouble() + " (expected: a finite number > 0)");
    }
    gain("kp", kp);
    gain("ki", ki);
    gain("kd", kd);
    if (kp == 0 && ki == 0) {
      throw new IllegalArgumentException("ki: 0.0 (expected: > 0 when kp is 0)");
    }
    if (floorPercent < 1 || floorPercent > 100) {
      throw new IllegalArgumentException(
          "floor: " + floorPercent + " (expected: 1..100)");
    }
    if (ceilingPercent < 100 || ceilingPercent > 1000) {
      throw new IllegalArgumentException(
          "ceiling: " + ceilingPercent + " (expected: 100..1000)");
    }
    if (maxStepPercent < 1 || maxStepPercent > ceilingPercent - floorPercent) {
      throw new IllegalArgumentException("max_step: " + maxStepPercent + " (expected: 1.."
          + (ceilingPercent - floorPercent) + ")");
    }
    if (!(deadband >= 0 && deadband < 1)) {
      throw new IllegalArgumentException("deadband: " + deadband + " (expected: 0 <= x < 1)");
    }
    if (!(underuseBelow >= 0) || !Double.isFinite(underuseBelow)) {
      throw new IllegalArgumentException(
          "underuse_below: " + underuseBelow + " (expected: a finite number >= 0)");
    }
    if (!(overloadAbove > underuseBelow) || !Double.isFinite(overloadAbove)) {
      throw new IllegalArgumentException("overload_above: " + overloadAbove
          + " (expected: a finite number > underuse_below " + underuseBelow + ")");
    }
    if (minRequests < 1) {
      throw new IllegalArgumentException("min_requests: " + minRequests + " (expected: >= 1)");
    }
    Objects.requireNonNull(latencyObjective, "latencyObjective");
    if (latencyObjective.isNegative()) {
      throw new IllegalArgumentException(
          "latency_objective: " + latencyObjective + " (expected: >= 0, 0 for none)");
    }
    positive("stale_after", staleAfter);
    Objects.requireNonNull(warmup, "warmup");
    Objects.requireNonNull(scaling, "scaling");
  }

  private static void positive(String field, Duration d) {
    Objects.requireNonNull(d, field);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(field + ": " + d + " (expected: > 0)");
    }
  }

  private static void gain(String field, double v) {
    if (!(v >= 0) || !Double.isFinite(v)) {
      throw new IllegalArgumentException(field + ": " + v + " (expected: a finite number >= 0)");
    }
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from these settings. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.interval = interval;
    b.objective = objective;
    b.figure = figure;
    b.target = target;
    b.kp = kp;
    b.ki = ki;
    b.kd = kd;
    b.maxStepPercent = maxStepPercent;
    b.deadband = deadband;
    b.floorPercent = floorPercent;
    b.ceilingPercent = ceilingPercent;
    b.overloadAbove = overloadAbove;
    b.underuseBelow = underuseBelow;
    b.minRequests = minRequests;
    b.latencyObjective = latencyObjective;
    b.staleAfter = staleAfter;
    b.warmup = warmup;
    b.scaling = scaling;
    return b;
  }

  /** Builds settings field by field; {@link #build()} validates. Not thread-safe. */
  public static final class Builder {
    private Duration interval = Duration.ofSeconds(1);
    private Objective objective = Objective.UTILIZATION;
    private String figure = "cpu";
    private OptionalDouble target = OptionalDouble.empty();
    private double kp = 0.2;
    private double ki = 0.4;
    private double kd = 0.0;
    private int maxStepPercent = 25;
    private double deadband = 0.05;
    private int floorPercent = 10;
    private int ceilingPercent = 400;
    private double overloadAbove = 0.7;
    private double underuseBelow = 0.3;
    private long minRequests = 20;
    private Duration latencyObjective = Duration.ZERO;
    private Duration staleAfter = Duration.ofSeconds(10);
    private Warmup warmup = Warmup.OFF;
    private Optional<Scaling> scaling = Optional.empty();

    private Builder() {}

    public Builder interval(Duration v) {
      interval = v;
      return this;
    }

    public Builder objective(Objective v) {
      objective = v;
      return this;
    }

    public Builder figure(String v) {
      figure = v;
      return this;
    }

    /** An absolute set point; see {@link WeightControlSettings#target()}. */
    public Builder target(double v) {
      target = OptionalDouble.of(v);
      return this;
    }

    /** Back to the pool's balance point. */
    public Builder balancePoint() {
      target = OptionalDouble.empty();
      return this;
    }

    public Builder gains(double kp, double ki, double kd) {
      this.kp = kp;
      this.ki = ki;
      this.kd = kd;
      return this;
    }

    public Builder maxStepPercent(int v) {
      maxStepPercent = v;
      return this;
    }

    public Builder deadband(double v) {
      deadband = v;
      return this;
    }

    public Builder bounds(int floorPercent, int ceilingPercent) {
      this.floorPercent = floorPercent;
      this.ceilingPercent = ceilingPercent;
      return this;
    }

    public Builder thresholds(double underuseBelow, double overloadAbove) {
      this.underuseBelow = underuseBelow;
      this.overloadAbove = overloadAbove;
      return this;
    }

    public Builder minRequests(long v) {
      minRequests = v;
      return this;
    }

    public Builder latencyObjective(Duration v) {
      latencyObjective = v;
      return this;
    }

    public Builder staleAfter(Duration v) {
      staleAfter = v;
      return this;
    }

    public Builder warmup(Warmup v) {
      warmup = v;
      return this;
    }

    public Builder scaling(Scaling v) {
      scaling = Optional.ofNullable(v);
      return this;
    }

    public WeightControlSettings build() {
      return new WeightControlSettings(interval, objective, figure, target, kp, ki, kd,
          maxStepPercent, deadband, floorPercent, ceilingPercent, overloadAbove, underuseBelow,
          minRequests, latencyObjective, staleAfter, warmup, scaling);
    }
  }
}
