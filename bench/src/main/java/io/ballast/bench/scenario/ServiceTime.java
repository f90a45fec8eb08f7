package io.ballast.bench.scenario;

import java.time.Duration;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * How long a controllable backend works on one request: a distribution and its mean. Immutable;
 * {@link #sampleNanos} is as thread-safe as the random source passed to it.
 *
 * @param distribution fixed, exponential or lognormal
 * @param mean         the mean service time (> 0 except for fixed, which may be zero)
 */
public record ServiceTime(Distribution distribution, Duration mean) {

    /** The shape of the service time. */
    public enum Distribution {
        FIXED, EXPONENTIAL, LOGNORMAL;

        /** Reads a config name ({@code fixed}, {@code exponential}, {@code lognormal}). */
        public static Distribution of(String field, String name) {
            try {
                return valueOf(name.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        field + ": '" + name + "' (expected: fixed, exponential or lognormal)");
            }
        }
    }

    /**
     * Shape of the lognormal: sigma 0.5 gives a p99 of about 3× the median, like a typical service
     * whose tail comes from occasional slow queries rather than from a second mode.
     */
    static final double LOGNORMAL_SIGMA = 0.5;

    public ServiceTime {
        if (distribution == null) {
            throw new IllegalArgumentException("service_time.distribution: null (expected: fixed, exponential or lognormal)");
        }
        if (mean == null || mean.isNegative() || (mean.isZero() && distribution != Distribution.FIXED)) {
            throw new IllegalArgumentException("service_time.mean: " + mean + " (expected: > 0)");
        }
    }

    /** A fixed service time. */
    public static ServiceTime fixed(Duration d) {
        return new ServiceTime(Distribution.FIXED, d);
    }

    /** One service time in nanoseconds, drawn from {@code rng}. */
    public long sampleNanos(SplittableRandom rng) {
        double mean = mean().toNanos();
        return switch (distribution) {
            case FIXED -> (long) mean;
            case EXPONENTIAL -> (long) (-mean * Math.log(1.0 - rng.nextDouble()));
            case LOGNORMAL -> {
                // mean = exp(mu + sigma²/2), so mu = ln(mean) − sigma²/2.
                double mu = Math.log(mean) - LOGNORMAL_SIGMA * LOGNORMAL_SIGMA / 2;
                yield (long) Math.exp(mu + LOGNORMAL_SIGMA * gaussian(rng));
            }
        };
    }

    private static double gaussian(SplittableRandom rng) {
        // Box–Muller; SplittableRandom has no nextGaussian on Java 17.
        double u1 = 1.0 - rng.nextDouble();
        double u2 = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
