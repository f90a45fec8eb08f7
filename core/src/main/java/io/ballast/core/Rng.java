package io.ballast.core;

import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;

/** The only source of randomness in core. */
public interface Rng {
  /** Thread-safe, non-blocking randomness for the data plane. */
  Rng THREAD_LOCAL = new Rng() {
    @Override
    public int nextInt(int bound) {
      return ThreadLocalRandom.current().nextInt(bound);
    }

    @Override
    public long nextLong() {
      return ThreadLocalRandom.current().nextLong();
    }

    @Override
    public double nextDouble() {
      return ThreadLocalRandom.current().nextDouble();
    }
  };

  /** A uniform int in [0, bound). */
  int nextInt(int bound);

  long nextLong();

  /** A uniform double in [0, 1). */
  double nextDouble();

  /** A deterministic generator for tests and the simulator; not thread-safe. */
  static Rng seeded(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    return new Rng() {
      @Override
      public int nextInt(int bound) {
        return random.nextInt(bound);
      }

      @Override
      public long nextLong() {
        return random.nextLong();
      }

      @Override
      public double nextDouble() {
        return random.nextDouble();
      }
    };
  }
}
