package io.ballast.sim;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The clients' arrival rate (requests per second of virtual time) as a function of time since
 * the start of the run. Arrivals are a Poisson process with this rate, drawn by thinning
 * (Lewis and Shedler, 1979): candidates at rate {@link #maxRate()}, each kept with probability
 * {@code rateAt(t) / maxRate()}. Immutable.
 */
public sealed interface RateProfile {
  /** Requests per second at {@code nanos} since the start. */
  double rateAt(long nanos);

  /** An upper bound of {@link #rateAt} over the whole run, > 0. */
  double maxRate();

  /**
   * The instants the rate jumps or starts or stops moving (steps, ramp ends, burst edges): the
   * clients' events, for reports that leave out the first second after each event.
   */
  default List<Duration> changes() {
    return List.of();
  }

  /** The same rate all along. */
  record Constant(double rps) implements RateProfile {
    public Constant {
      rate("rate", rps);
    }

    @Override
    public double rateAt(long nanos) {
      return rps;
    }

    @Override
    public double maxRate() {
      return rps;
    }
  }

  /** One step of {@link Steps}: from {@code at} on, {@code rps}. */
  record Step(Duration at, double rps) {
    public Step {
      Objects.requireNonNull(at, "at");
      rate("rps", rps);
    }
  }

  /** Piecewise constant: each step holds until the next; before the first, the first's rate. */
  record Steps(List<Step> steps) implements RateProfile {
    public Steps {
      steps = List.copyOf(steps);
      if (steps.isEmpty()) {
        throw new IllegalArgumentException("steps: empty (expected: at least one step)");
      }
      for (int i = 1; i < steps.size(); i++) {
        if (steps.get(i).at().compareTo(steps.get(i - 1).at()) <= 0) {
          throw new IllegalArgumentException("steps[" + i + "].at: " + steps.get(i).at()
              + " (expected: after the previous step's " + steps.get(i - 1).at() + ")");
        }
      }
    }

    @Override
    public double rateAt(long nanos) {
      double r = steps.get(0).rps();
      for (Step s : steps) {
        if (s.at().toNanos() > nanos) {
          break;
        }
        r = s.rps();
      }
      return r;
    }

    @Override
    public double maxRate() {
      return steps.stream().mapToDouble(Step::rps).max().orElseThrow();
    }

    @Override
    public List<Duration> changes() {
      return steps.stream().map(Step::at).toList();
    }
  }

  /** Linear from {@code from} at {@code start} to {@code to} at {@code end}, flat outside. */
  record Ramp(double from, double to, Duration start, Duration end) implements RateProfile {
    public Ramp {
      rate("from", from);
      rate("to", to);
      Objects.requireNonNull(start, "start");
      Objects.requireNonNull(end, "end");
      if (end.compareTo(start) <= 0) {
        throw new IllegalArgumentException(
            "end: " + end + " (expected: after start " + start + ")");
      }
    }

    @Override
    public double rateAt(long nanos) {
      long s = start.toNanos();
      long e = end.toNanos();
      if (nanos <= s) {
        return from;
      }
      if (nanos >= e) {
        return to;
      }
      return from + (to - from) * (nanos - s) / (double) (e - s);
    }

    @Override
    public double maxRate() {
      return Math.max(from, to);
    }

    @Override
    public List<Duration> changes() {
      return List.of(start, end);
    }
  }

  /**
   * A day compressed into {@code period}: a sinusoid between {@code min} and {@code max}, at
   * {@code max} at {@code peakAt} (and every period after), at {@code min} half a period away.
   */
  record Daily(double min, double max, Duration period, Duration peakAt) implements RateProfile {
    public Daily {
      rate("min", min);
      rate("max", max);
      if (max < min) {
        throw new IllegalArgumentException("max: " + max + " (expected: >= min " + min + ")");
      }
      Objects.requireNonNull(period, "period");
      if (period.isZero() || period.isNegative()) {
        throw new IllegalArgumentException("period: " + period + " (expected: > 0)");
      }
      Objects.requireNonNull(peakAt, "peakAt");
    }

    @Override
    public double rateAt(long nanos) {
      double phase = 2 * Math.PI * (nanos - peakAt.toNanos()) / (double) period.toNanos();
      return min + (max - min) * (1 + Math.cos(phase)) / 2;
    }

    @Override
    public double maxRate() {
      return max;
    }
  }

  /** One burst of {@link WithBursts}: during [at, at + length), the rate is {@code rps}. */
  record Burst(Duration at, Duration length, double rps) {
    public Burst {
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(length, "length");
      if (length.isZero() || length.isNegative()) {
        throw new IllegalArgumentException("for: " + length + " (expected: > 0)");
      }
      rate("rps", rps);
    }
  }

  /** A base profile with bursts that replace its rate while they last. */
  record WithBursts(RateProfile base, List<Burst> bursts) implements RateProfile {
    public WithBursts {
      Objects.requireNonNull(base, "base");
      bursts = List.copyOf(bursts);
    }

    @Override
    public double rateAt(long nanos) {
      for (Burst b : bursts) {
        long s = b.at().toNanos();
        if (nanos >= s && nanos < s + b.length().toNanos()) {
          return b.rps();
        }
      }
      return base.rateAt(nanos);
    }

    @Override
    public double maxRate() {
      double m = base.maxRate();
      for (Burst b : bursts) {
        m = Math.max(m, b.rps());
      }
      return m;
    }

    @Override
    public List<Duration> changes() {
      List<Duration> all = new java.util.ArrayList<>(base.changes());
      for (Burst b : bursts) {
        all.add(b.at());
        all.add(b.at().plus(b.length()));
      }
      return all;
    }
  }

  private static void rate(String field, double v) {
    if (!(v >= 0) || !Double.isFinite(v)) {
      throw new IllegalArgumentException(field + ": " + v + " (expected: a finite rate >= 0)");
    }
  }
}
