package io.ballast.core;

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

  /**
   * The randomness the pickers built with this generator use on every pick. Pickers are called
   * concurrently by event loops, so by default that is {@link #THREAD_LOCAL}, whatever seeded the
   * control loop; {@link #singleThreaded} returns itself so that a simulation that picks on one
   * thread is reproducible from its seed.
   */
  default Rng forPickers() {
    return THREAD_LOCAL;
  }

  /**
   * A deterministic generator that the pickers built with it use too ({@link #forPickers()}):
   * for the simulator and single-thread tests only, where every pick happens on one thread.
   */
  static Rng singleThreaded(long seed) {
    return new Seeded(seed, true);
  }

  /** A deterministic generator for tests and the simulator; not thread-safe. */
  static Rng seeded(long seed) {
    return new Seeded(seed, false);
  }

  /** A SplittableRandom behind the interface; not thread-safe. */
  final class Seeded implements Rng {
    private final java.util.SplittableRandom random;
    private final boolean forPickers;

    private Seeded(long seed, boolean forPickers) {
      this.random = new java.util.SplittableRandom(seed);
      this.forPickers = forPickers;
    }

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

    @Override
    public Rng forPickers() {
      return forPickers ? this : THREAD_LOCAL;
    }
  }
}
