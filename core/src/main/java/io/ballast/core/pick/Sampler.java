package io.ballast.core.pick;

import io.ballast.core.Backend;
import io.ballast.core.PickContext;
import io.ballast.core.Rng;

/**
 * Draws the candidates of a power-of-d-choices pick (Mitzenmacher, "The Power of Two Choices in
 * Randomized Load Balancing", 2001): up to d distinct, non-excluded backends, uniformly at random.
 *
 * <p>Thread-safe, non-blocking, no allocation per call: the indexes go into a per-thread scratch
 * array (one per thread for the life of the thread, shared by every picker). When d is at least
 * the number of backends every non-excluded backend is a candidate, in order from a random start.
 * Otherwise indexes are drawn with rejection of repeats and of excluded backends, at most
 * {@code 4d + 16} draws; if every draw hit an excluded backend, a scan from a random start takes
 * the first d non-excluded ones, so a pick fails only when every backend is excluded.
 */
final class Sampler {
  static final int MAX_CHOICES = 64;
  private static final int MAX_DRAWS = 4 * MAX_CHOICES + 16;

  /** Per-thread scratch: the candidates found and the indexes already drawn. */
  static final class Scratch {
    final int[] candidates = new int[MAX_CHOICES];
    /** A picker's per-candidate figures (auto: the costs), indexed like the candidates. */
    final double[] costs = new double[MAX_CHOICES];
    private final int[] drawn = new int[MAX_DRAWS];
  }

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private Sampler() {}

  static Scratch scratch() {
    return SCRATCH.get();
  }

  /**
   * Fills {@code scratch.candidates} with up to {@code d} distinct indexes of non-excluded
   * backends and returns how many; 0 means every backend is excluded.
   */
  static int sample(Backend[] backends, int d, PickContext context, Rng rng, Scratch scratch) {
    int n = backends.length;
    int[] out = scratch.candidates;
    if (d >= n) {
      return scan(backends, n, context, rng.nextInt(n), out);
    }
    int[] drawn = scratch.drawn;
    int found = 0;
    int seen = 0;
    for (int draws = 0; found < d && draws < MAX_DRAWS; draws++) {
      int i = rng.nextInt(n);
      if (contains(drawn, seen, i)) {
        continue;
      }
      drawn[seen++] = i;
      if (!context.isExcluded(backends[i])) {
        out[found++] = i;
      }
    }
    return found > 0 ? found : scan(backends, d, context, rng.nextInt(n), out);
  }

  private static int scan(Backend[] backends, int d, PickContext context, int start, int[] out) {
    int n = backends.length;
    int found = 0;
    for (int k = 0; k < n && found < d; k++) {
      int i = start + k < n ? start + k : start + k - n;
      if (!context.isExcluded(backends[i])) {
        out[found++] = i;
      }
    }
    return found;
  }

  private static boolean contains(int[] values, int count, int value) {
    for (int k = 0; k < count; k++) {
      if (values[k] == value) {
        return true;
      }
    }
    return false;
  }

  /** Checks a configured d: the options allow 2..64. */
  static int checkChoices(int d) {
    if (d < 2 || d > MAX_CHOICES) {
      throw new IllegalArgumentException("choices: " + d + " (expected: 2.." + MAX_CHOICES + ")");
    }
    return d;
  }
}
