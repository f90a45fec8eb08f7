package io.ballast.core.pool;

import java.util.List;

/**
 * A pool's effective weights: what the picker balances with, as opposed to the configured weights
 * (HAProxy's eweight and uweight). Each is the configured weight times the weight percentage the
 * weight controller or an agent set, except that a backend within its slow-start window weighs a
 * growing share of its weight (in steps of 1/{@value #RAMP_STEPS}), and a DEGRADED backend weighs
 * the share of its check weight that passes (in place of its weight percentage, not times it).
 *
 * <p>Weights are integers, so the shares need room: while any backend ramps or is degraded every
 * weight is scaled by {@value #RAMP_SCALE}, so that even weight 1 can shrink; while any weight
 * percentage differs from 100 every weight is scaled by {@value #PERCENT_SCALE} instead (weights
 * 1 and 1 at 62% and 100%: 62 and 100). All are scaled alike, so the proportions hold. Never below
 * 1: a backend in the picker always takes some traffic.
 *
 * <p>Worked example, slow start 30 s, weights 2 and 2, b back for 9 s: b ramps at 3/10, so both
 * are scaled by 10: a weighs 2 × 10 = 20 and b 2 × 10 × 3/10 = 6. Had b instead been DEGRADED
 * with 2 of 3 check weight up: 20 and round(2 × 10 × 2/3) = 13. b's share is 0.3 (or 2/3): auto
 * prices b as weighing 6 / 0.3 = 20, like a, and lets it take part in 3 picks in 10.
 *
 * <p>Pure: the same inputs give the same weights; it changes nothing. Whoever calls it ends the
 * ramps it reports over and rebuilds at each step while any ramps (a ramp's weight changes with
 * time only).
 */
final class EffectiveWeights {
  /** Weights are scaled by this while a backend ramps, so that a weight-1 backend can ramp too. */
  static final int RAMP_SCALE = 10;
  /** Weights are scaled by this while any weight percentage differs from 100. */
  static final int PERCENT_SCALE = 100;
  /** A ramp advances in this many steps. */
  static final int RAMP_STEPS = 10;
  /** {@link Input#rampStartNanos} of a backend that is not ramping up. */
  static final long NOT_RAMPING = Long.MIN_VALUE;

  private EffectiveWeights() {}

  /**
   * One backend as its weight reads it.
   *
   * @param weight the configured weight
   * @param percent the weight percentage set by the weight controller or an agent (100: none)
   * @param available whether the backend is in the picker; only those ramp or weigh as degraded
   * @param degraded the backend's health is DEGRADED
   * @param passingPercent the share of its check weight that passes, in percent
   * @param rampStartNanos when it came back, for slow start; {@link #NOT_RAMPING} otherwise
   */
  record Input(int weight, int percent, boolean available, boolean degraded, int passingPercent,
      long rampStartNanos) {}

  /**
   * The weights, in the order of the inputs.
   *
   * @param weights each backend's effective weight, at least 1
   * @param shares the part of each weight that is a share of the traffic given for a while,
   *     not a measure of capacity: the slow-start ramp's fraction times a DEGRADED backend's
   *     passing share; 1 for a backend that neither ramps nor is degraded. A picker that prices
   *     backends by what it measures ({@code auto}) applies it as a share of its picks and
   *     prices the backend by {@code weight / share}
   * @param ramping some backend is within its slow-start window: the weights change with time
   * @param rampOver the backends whose window has passed: they no longer ramp
   */
  record Result(int[] weights, double[] shares, boolean ramping, boolean[] rampOver) {}

  /**
   * @param slowStartNanos the slow-start window; 0 turns slow start off (ramps neither advance
   *     nor end then)
   * @param nowNanos the pool's clock
   */
  static Result of(List<Input> inputs, long slowStartNanos, long nowNanos) {
    int n = inputs.size();
    boolean ramping = false;
    boolean degraded = false;
    boolean adjusted = false;
    double[] fraction = new double[n];
    double[] shares = new double[n];
    boolean[] rampOver = new boolean[n];
    for (int i = 0; i < n; i++) {
      Input in = inputs.get(i);
      fraction[i] = in.percent() / 100.0;
      shares[i] = 1;
      adjusted |= in.percent() != 100;
      if (in.available() && in.degraded()) {
        fraction[i] = in.passingPercent() / 100.0;
        shares[i] = Math.max(0.01, fraction[i]);
        degraded = true;
      }
      if (slowStartNanos > 0 && in.available() && in.rampStartNanos() != NOT_RAMPING) {
        long elapsed = nowNanos - in.rampStartNanos();
        if (elapsed < slowStartNanos) {
          double step = Math.max(1, elapsed * RAMP_STEPS / slowStartNanos) / (double) RAMP_STEPS;
          fraction[i] *= step;
          shares[i] *= step;
          ramping = true;
        } else {
          rampOver[i] = true;
        }
      }
    }
    int scale = adjusted ? PERCENT_SCALE : ramping || degraded ? RAMP_SCALE : 1;
    int[] weights = new int[n];
    for (int i = 0; i < n; i++) {
      weights[i] = (int) Math.max(1, Math.round(inputs.get(i).weight() * scale * fraction[i]));
    }
    return new Result(weights, shares, ramping, rampOver);
  }
}
