package io.ballast.core.pick;

import io.ballast.core.Backend;
import io.ballast.core.PickContext;
import io.ballast.core.PickResult;
import io.ballast.core.Picker;
import io.ballast.core.Rng;
import java.util.List;
import java.util.Objects;

/**
 * Random choice in proportion to the effective weights, O(1) per pick with Walker's alias method
 * in Vose's numerically stable construction (M. D. Vose, "A linear algorithm for generating
 * random numbers with a given distribution", IEEE TSE 1991).
 *
 * <p>At build time the weights are scaled so that they average 1 and split into columns: column i
 * keeps backend i with probability {@code prob[i]} and otherwise gives {@code alias[i]}. A pick
 * draws a column uniformly and one double: two random numbers, two array reads. Worked example,
 * weights 3, 1 (scaled 1.5, 0.5): column 1 keeps b with probability 0.5 and aliases a; column 0
 * is full (a). P(a) = (1 + 0.5) / 2 = 0.75, P(b) = 0.5 / 2 = 0.25.
 *
 * <p>An excluded backend is redrawn (up to 8 times, which keeps the proportions among the others)
 * before falling back to the next non-excluded backend in pool order.
 *
 * <p>Thread-safe, non-blocking, no allocation per pick.
 */
public final class WeightedRandomPicker implements Picker {
  public static final PickerFactory FACTORY = (pool, previous, rng) ->
      new WeightedRandomPicker(pool.availableBackends(), pool.availableWeights(), rng.forPickers());

  private static final int REDRAWS = 8;

  private final Backend[] backends;
  private final double[] prob;
  private final int[] alias;
  private final Rng rng;

  /**
   * @param rng the factory's {@link Rng#forPickers()}: thread-local on the data plane, seeded in
   *     the simulator and single-thread tests
   */
  WeightedRandomPicker(List<Backend> backends, int[] weights, Rng rng) {
    if (weights.length != backends.size() || weights.length == 0) {
      throw new IllegalArgumentException(
          "weights: " + weights.length + " entries (expected: " + backends.size() + ", > 0)");
    }
    this.backends = backends.toArray(Backend[]::new);
    this.rng = Objects.requireNonNull(rng, "rng");
    int n = weights.length;
    this.prob = new double[n];
    this.alias = new int[n];
    build(weights, prob, alias);
  }

  /** Vose's construction: O(n), each column filled by one small and topped up by one large. */
  static void build(int[] weights, double[] prob, int[] alias) {
    int n = weights.length;
    long sum = 0;
    for (int w : weights) {
      if (w < 1) {
        throw new IllegalArgumentException("weight: " + w + " (expected: >= 1)");
      }
      sum += w;
    }
    double[] scaled = new double[n];
    int[] small = new int[n];
    int[] large = new int[n];
    int ns = 0;
    int nl = 0;
    for (int i = 0; i < n; i++) {
      scaled[i] = (double) weights[i] * n / sum;
      if (scaled[i] < 1.0) {
        small[ns++] = i;
      } else {
        large[nl++] = i;
      }
    }
    while (ns > 0 && nl > 0) {
      int s = small[--ns];
      int l = large[--nl];
      prob[s] = scaled[s];
      alias[s] = l;
      scaled[l] = (scaled[l] + scaled[s]) - 1.0;
      if (scaled[l] < 1.0) {
        small[ns++] = l;
      } else {
        large[nl++] = l;
      }
    }
    // Whatever is left is 1 up to rounding: a full column.
    while (nl > 0) {
      int l = large[--nl];
      prob[l] = 1.0;
      alias[l] = l;
    }
    while (ns > 0) {
      int s = small[--ns];
      prob[s] = 1.0;
      alias[s] = s;
    }
  }

  @Override
  public PickResult pick(PickContext context) {
    Backend[] all = backends;
    int k = 0;
    for (int tries = 0; tries <= REDRAWS; tries++) {
      int i = rng.nextInt(all.length);
      k = rng.nextDouble() < prob[i] ? i : alias[i];
      if (!context.isExcluded(all[k])) {
        return all[k].picked();
      }
    }
    return Picks.firstNotExcluded(all, k, context);
  }

  /** The probability of each backend implied by the table; visible for tests. */
  double[] probabilities() {
    int n = prob.length;
    double[] p = new double[n];
    for (int i = 0; i < n; i++) {
      p[i] += prob[i] / n;
      p[alias[i]] += (1.0 - prob[i]) / n;
    }
    return p;
  }

  @Override
  public String toString() {
    return "WeightedRandomPicker" + Picks.names(backends);
  }
}
