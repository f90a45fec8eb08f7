package io.ballast.bench;

import io.ballast.core.Backend;
import io.ballast.core.pick.PoolSnapshot;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Builds the pools the benchmarks measure. Setup code only, never inside a measured loop.
 * Stateless; thread-safe.
 */
final class Pools {
  /** Weights 1, 2, 3, 4 repeating: unequal enough that weighted algorithms do real work. */
  static final String MIXED = "mixed";
  /** Every backend weighs 1. */
  static final String UNIFORM = "uniform";

  private Pools() {}

  /** {@code n} backends named b0..b(n-1) on 127.0.0.1, weighted as {@code weights} says. */
  static List<Backend> backends(int n, String weights) {
    if (n < 1) {
      throw new IllegalArgumentException("backends: " + n + " (expected: >= 1)");
    }
    boolean mixed = switch (weights) {
      case MIXED -> true;
      case UNIFORM -> false;
      default -> throw new IllegalArgumentException(
          "weights: " + weights + " (expected: " + MIXED + " or " + UNIFORM + ")");
    };
    List<Backend> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(new Backend("b" + i, "127.0.0.1", 10_000 + i % 50_000, mixed ? 1 + i % 4 : 1));
    }
    return out;
  }

  /** The same members, weights and pool load with member {@code index}'s availability flipped. */
  static PoolSnapshot flipped(PoolSnapshot pool, int index) {
    boolean[] available = pool.available().clone();
    available[index] = !available[index];
    return new PoolSnapshot(pool.members(), pool.weights(), available, pool.load());
  }

  /**
   * Puts 0 to 3 requests in flight on each backend (seeded), so that load-aware pickers compare
   * unequal, non-zero counts as in a busy pool.
   */
  static void preload(List<Backend> backends, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    for (Backend b : backends) {
      for (int k = random.nextInt(4); k > 0; k--) {
        b.load().start();
      }
    }
  }

  /** {@code count} (a power of two) well-mixed 64-bit hash keys, seeded. */
  static long[] hashKeys(int count, long seed) {
    if (Integer.bitCount(count) != 1) {
      throw new IllegalArgumentException("count: " + count + " (expected: a power of two)");
    }
    long[] keys = new long[count];
    Arrays.setAll(keys, i -> new SplittableRandom(seed + i).nextLong());
    return keys;
  }
}
