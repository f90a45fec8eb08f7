package io.ballast.sim;

import java.time.Duration;
import java.util.SplittableRandom;

/**
 * How long a modelled backend works on one request once a worker slot takes it. Immutable;
 * {@link #sampleNanos} draws from the caller's generator, so a run stays reproducible.
 */
public sealed interface ServiceTime {
  /** One service time in nanoseconds (before any slow-down factor). */
  double sampleNanos(SplittableRandom random);

  /** The distribution's mean in nanoseconds. */
  double meanNanos();

  /** Every request takes exactly {@code mean}. */
  record Constant(Duration mean) implements ServiceTime {
    public Constant {
      positive("mean", mean);
    }

    @Override
    public double sampleNanos(SplittableRandom random) {
      return mean.toNanos();
    }

    @Override
    public double meanNanos() {
      return mean.toNanos();
    }

    @Override
    public String toString() {
      return "constant " + millis(mean.toNanos());
    }
  }

  /** Exponentially distributed (memoryless, as in M/M/c) with the given mean. */
  record Exponential(Duration mean) implements ServiceTime {
    public Exponential {
      positive("mean", mean);
    }

    @Override
    public double sampleNanos(SplittableRandom random) {
      // 1 - u is in (0, 1], so the log is finite.
      return -Math.log(1.0 - random.nextDouble()) * mean.toNanos();
    }

    @Override
    public double meanNanos() {
      return mean.toNanos();
    }

    @Override
    public String toString() {
      return "exponential mean " + millis(mean.toNanos());
    }
  }

  /**
   * Log-normal, given by its mean and 99th percentile, the two figures an operator knows.
   * With {@code z = 2.3263} (the standard normal's 99th percentile) and {@code r = ln(p99 / mean)}:
   * mean = exp(μ + σ²/2) and p99 = exp(μ + zσ) give σ²/2 − zσ + r = 0, so
   * σ = z − sqrt(z² − 2r) (the smaller root, the one that keeps the median below the mean), and
   * μ = ln(mean) − σ²/2. A real σ needs r ≤ z²/2, that is p99 ≤ 14.96 × mean.
   * Worked example: mean 20 ms, p99 80 ms: r = 1.386, σ = 2.326 − sqrt(5.412 − 2.773) = 0.702,
   * μ = ln(0.020) − 0.246 = −4.158, median = exp(μ) = 15.6 ms.
   */
  record LogNormal(Duration mean, Duration p99) implements ServiceTime {
    static final double Z99 = 2.3263478740408408;
    /** p99 / mean may not exceed exp(z²/2). */
    public static final double MAX_RATIO = Math.exp(Z99 * Z99 / 2);

    public LogNormal {
      positive("mean", mean);
      positive("p99", p99);
      double ratio = (double) p99.toNanos() / mean.toNanos();
      if (!(ratio > 1) || ratio > MAX_RATIO) {
        throw new IllegalArgumentException("p99: " + millis(p99.toNanos()) + " (expected: above the mean "
            + millis(mean.toNanos()) + " and at most " + (float) MAX_RATIO + " times it)");
      }
    }

    double sigma() {
      double r = Math.log((double) p99.toNanos() / mean.toNanos());
      return Z99 - Math.sqrt(Z99 * Z99 - 2 * r);
    }

    double mu() {
      double s = sigma();
      return Math.log(mean.toNanos()) - s * s / 2;
    }

    @Override
    public double sampleNanos(SplittableRandom random) {
      return Math.exp(mu() + sigma() * Gaussian.next(random));
    }

    @Override
    public double meanNanos() {
      return mean.toNanos();
    }

    @Override
    public String toString() {
      return "lognormal mean " + millis(mean.toNanos()) + " p99 " + millis(p99.toNanos());
    }
  }

  /**
   * Two populations of requests, each exponentially distributed around its own mean: a share
   * {@code slowShare} takes {@code slow} on average, the rest {@code fast} (a cache that misses,
   * a query that sometimes scans). The mean is {@code (1 - s) × fast + s × slow}. Worked example:
   * fast 5 ms, slow 100 ms, share 0.1: mean 14.5 ms, while nine requests in ten take about 5.
   */
  record Bimodal(Duration fast, Duration slow, double slowShare) implements ServiceTime {
    public Bimodal {
      positive("fast", fast);
      positive("slow", slow);
      if (!(slowShare >= 0 && slowShare <= 1)) {
        throw new IllegalArgumentException("slow_share: " + slowShare + " (expected: 0..1)");
      }
    }

    @Override
    public double sampleNanos(SplittableRandom random) {
      long mode = random.nextDouble() < slowShare ? slow.toNanos() : fast.toNanos();
      return -Math.log(1.0 - random.nextDouble()) * mode;
    }

    @Override
    public double meanNanos() {
      return (1 - slowShare) * fast.toNanos() + slowShare * slow.toNanos();
    }

    @Override
    public String toString() {
      return "bimodal fast " + millis(fast.toNanos()) + " slow " + millis(slow.toNanos())
          + " share " + slowShare;
    }
  }

  private static void positive(String field, Duration d) {
    java.util.Objects.requireNonNull(d, field);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(field + ": " + d + " (expected: > 0)");
    }
  }

  private static String millis(long nanos) {
    return (float) (nanos / 1e6) + " ms";
  }

  /** Standard normal draws (Marsaglia's polar method; the spare draw is dropped for simplicity). */
  final class Gaussian {
    private Gaussian() {}

    static double next(SplittableRandom random) {
      for (;;) {
        double u = 2 * random.nextDouble() - 1;
        double v = 2 * random.nextDouble() - 1;
        double s = u * u + v * v;
        if (s > 0 && s < 1) {
          return u * Math.sqrt(-2 * Math.log(s) / s);
        }
      }
    }
  }
}
