package io.ballast.core.pick;

import io.ballast.core.Backend;
import io.ballast.core.PickContext;
import io.ballast.core.PickResult;
import io.ballast.core.Picker;
import io.ballast.core.Rng;
import java.util.List;
import java.util.Objects;

/**
 * Least request by the power of d choices (Mitzenmacher 2001; Envoy's LEAST_REQUEST): sample d
 * distinct available, non-excluded backends uniformly and send the request to the one with the
 * fewest requests in flight. With d = 2 the most loaded backend exceeds the average by
 * O(log log n / log d) instead of the O(log n / log log n) of a random choice, with two reads per
 * pick instead of a scan.
 *
 * <p>Weights. When all weights are equal the fewest in flight wins and ties go to the first
 * sampled (random). With unequal weights Envoy's rule ranks the candidates: effective weight =
 * {@code weight / (inFlight + 1)^activeRequestBias}, highest wins. Envoy then feeds those
 * effective weights to an EDF scheduler rebuilt under a lock; ballast keeps the pick lock-free and
 * only compares the d sampled candidates. Behaviour: under load the in-flight counts settle in
 * proportion to the weights (bias 1 compares {@code (inFlight + 1) / weight}, like weighted least
 * connections over the sample); with few requests in flight a heavier candidate beats an idle
 * lighter one, so light traffic leans further toward heavy backends than the weights say. Bias 0
 * ignores load: the heavier sampled backend always wins.
 *
 * <p>Thread-safe, non-blocking, no allocation per pick (a per-thread scratch array holds the
 * sample). In-flight counts are read without a lock; concurrent picks may see the same counts.
 */
public final class LeastRequestPicker implements Picker {
  private final Backend[] backends;
  private final double[] weights;
  private final boolean weighted;
  private final int choices;
  private final double bias;
  private final Rng rng;

  /** The factory for these options: {@code choices} and {@code activeRequestBias}. */
  public static PickerFactory factory(AlgorithmOptions options) {
    return (pool, previous, rng) -> new LeastRequestPicker(pool.availableBackends(),
        pool.availableWeights(), options.choices(), options.activeRequestBias(), rng.forPickers());
  }

  /**
   * @param rng the factory's {@link Rng#forPickers()}: thread-local on the data plane, seeded in
   *     the simulator and single-thread tests
   */
  LeastRequestPicker(List<Backend> backends, int[] weights, int choices, double bias, Rng rng) {
    if (weights.length != backends.size() || weights.length == 0) {
      throw new IllegalArgumentException(
          "weights: " + weights.length + " entries (expected: " + backends.size() + ", > 0)");
    }
    if (!(bias >= 0)) {
      throw new IllegalArgumentException("activeRequestBias: " + bias + " (expected: >= 0)");
    }
    this.backends = backends.toArray(Backend[]::new);
    this.weights = new double[weights.length];
    boolean unequal = false;
    for (int i = 0; i < weights.length; i++) {
      this.weights[i] = weights[i];
      unequal |= weights[i] != weights[0];
    }
    this.weighted = unequal;
    this.choices = Sampler.checkChoices(choices);
    this.bias = bias;
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
    int best = c[0];
    if (!weighted) {
      int bestLoad = all[best].load().inFlight();
      for (int k = 1; k < found; k++) {
        int load = all[c[k]].load().inFlight();
        if (load < bestLoad) {
          best = c[k];
          bestLoad = load;
        }
      }
    } else {
      double bestWeight = effectiveWeight(best);
      for (int k = 1; k < found; k++) {
        double w = effectiveWeight(c[k]);
        if (w > bestWeight) {
          best = c[k];
          bestWeight = w;
        }
      }
    }
    return all[best].picked();
  }

  private double effectiveWeight(int i) {
    double active = backends[i].load().inFlight() + 1.0;
    // pow is costly; the default bias 1 needs none.
    return bias == 1.0 ? weights[i] / active : weights[i] / Math.pow(active, bias);
  }

  @Override
  public String toString() {
    return "LeastRequestPicker" + Picks.names(backends) + " choices=" + choices
        + (weighted ? " activeRequestBias=" + bias : "");
  }
}
