package io.ballast.core.pick;

import io.ballast.core.Backend;
import io.ballast.core.BackendLoad;
import io.ballast.core.PickContext;
import io.ballast.core.PickResult;
import io.ballast.core.Picker;
import io.ballast.core.Rng;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Peak EWMA (Finagle's and Linkerd's latency-aware balancer): each backend's cost is
 * {@code peakEwma(latency) × (inFlight + 1) / weight}, and the request goes to the cheaper of d
 * backends sampled at random (power of d choices over the cost, as Finagle does, not a scan).
 * Latency and queue length multiply: a backend twice as slow may hold half as many requests.
 *
 * <p>The latency EWMA lives in {@link BackendLoad} (peak-sensitive, decays with time constant
 * τ = {@code ewmaDecay}, failures penalised; see there). This factory sets τ on every member when
 * it builds the picker, on the control loop.
 *
 * <p>Neutral cost. A backend with no sample yet, or whose sample has faded while it was idle,
 * must be probed, neither flooded nor starved. Within one pick the neutral latency is the average
 * EWMA (decayed toward zero) of the sampled candidates that have one; a backend with no sample
 * counts that latency, and an idle backend's EWMA decays toward it instead of toward zero
 * ({@link BackendLoad#latencyEstimateNanos(double)}). The comparison then falls to in-flight
 * counts, so a new backend takes its share as soon as it is sampled and stops once its queue is
 * longer than its rival's. When no candidate has a sample the neutral latency is 1 and the pick is
 * least request.
 *
 * <p>Weights divide the cost (a weight-2 backend may carry twice the cost).
 *
 * <p>Thread-safe, non-blocking, no allocation per pick.
 */
public final class PeakEwmaPicker implements Picker {
  private final Backend[] backends;
  private final double[] weights;
  private final int choices;
  private final Rng rng;

  /** The factory for these options: {@code choices} and {@code ewmaDecay}. */
  public static PickerFactory factory(AlgorithmOptions options) {
    Duration decay = options.ewmaDecay();
    return (pool, previous, rng) -> {
      for (Backend b : pool.members()) {
        b.load().useEwmaDecay(decay);
      }
      return new PeakEwmaPicker(pool.availableBackends(), pool.availableWeights(),
          options.choices(), rng.forPickers());
    };
  }

  /**
   * @param rng the factory's {@link Rng#forPickers()}: thread-local on the data plane, seeded in
   *     the simulator and single-thread tests
   */
  PeakEwmaPicker(List<Backend> backends, int[] weights, int choices, Rng rng) {
    if (weights.length != backends.size() || weights.length == 0) {
      throw new IllegalArgumentException(
          "weights: " + weights.length + " entries (expected: " + backends.size() + ", > 0)");
    }
    this.backends = backends.toArray(Backend[]::new);
    this.weights = new double[weights.length];
    for (int i = 0; i < weights.length; i++) {
      this.weights[i] = weights[i];
    }
    this.choices = Sampler.checkChoices(choices);
    this.rng = Objects.requireNonNull(rng, "rng");
  }

  @Override
  public PickResult pick(PickContext context) {
    Backend[] all = backends;
    Sampler.Scratch scratch = Sampler.scratch();
    int found = Sampler.sample(all, choices, context, rng, scratch);
    if (found == 0) {
      return PickResult.NoBackend.ALL_EXCLUDED;
    }
    int[] c = scratch.candidates;
    if (found == 1) {
      return all[c[0]].picked();
    }
    long now = all[c[0]].load().nowNanos();
    double neutral = neutralLatency(all, c, found, now);
    int best = c[0];
    double bestCost = cost(best, neutral, now);
    for (int k = 1; k < found; k++) {
      double cost = cost(c[k], neutral, now);
      if (cost < bestCost) {
        best = c[k];
        bestCost = cost;
      }
    }
    return all[best].picked();
  }

  /** The average EWMA of the candidates that have one; 1 ns when none has. */
  static double neutralLatency(Backend[] all, int[] c, int found, long now) {
    double sum = 0;
    int sampled = 0;
    for (int k = 0; k < found; k++) {
      double e = all[c[k]].load().latencyEwmaNanos(now);
      if (!Double.isNaN(e)) {
        sum += e;
        sampled++;
      }
    }
    return sampled == 0 ? 1.0 : sum / sampled;
  }

  private double cost(int i, double neutral, long now) {
    BackendLoad load = backends[i].load();
    return load.latencyEstimateNanos(neutral, now) * (load.inFlight() + 1.0) / weights[i];
  }

  @Override
  public String toString() {
    return "PeakEwmaPicker" + Picks.names(backends) + " choices=" + choices;
  }
}
