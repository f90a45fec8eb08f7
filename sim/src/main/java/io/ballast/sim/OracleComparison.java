package io.ballast.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Every variant of a run held against the oracle's ({@link OracleDispatcher}): p99 and p99.9 as
 * a ratio to the oracle's, over the measured run and per bucket (second), the worst bucket after
 * the first second of each event, and each backend's share of the attempts next to the oracle's
 * from {@value #RECOVERY_GRACE_SECONDS} s after it recovers. These are the figures the targets
 * are stated in ("p99 within 1.05× the oracle's", "no second above 3× after the first second of
 * an event", "a recovered backend's share within 3 points of the oracle's from 2 s after").
 *
 * <p>Events: the start of the run (the pool starts cold), each backend's timeline events and the
 * clients' rate changes ({@link RateProfile#changes()}). A bucket {@code (end - width, end]}
 * counts in the worst-second figures when it starts at or after the warm-up and does not overlap
 * the first second {@code [e, e + 1 s)} of any event {@code e}. Per-bucket ratios are of the
 * percentiles of the requests that ended in the bucket (as {@link BucketPoint} has them); NaN
 * where either side had none.
 *
 * <p>Recoveries: a timeline event that brings a backend back toward its specification (it comes
 * back alive, its slow-down returns to 1 or less, its error rate to its base rate or less, its
 * workers to their number or more). Its shares are compared over the buckets from 2 s after it to
 * the backend's next timeline event (or the end of the run).
 *
 * <p>Immutable; thread-safe.
 */
public final class OracleComparison {
  static final int SETTLE_SECONDS = 1;
  static final int RECOVERY_GRACE_SECONDS = 2;

  private final Scenario scenario;
  private final VariantResult oracle;
  /** Event instants in nanoseconds, ascending, distinct. */
  private final long[] events;
  private final List<Recovery> recoveries;

  private OracleComparison(Scenario scenario, VariantResult oracle) {
    this.scenario = scenario;
    this.oracle = oracle;
    TreeSet<Long> at = new TreeSet<>();
    at.add(0L);
    for (java.time.Duration d : scenario.clients().rate().changes()) {
      if (d.toNanos() < scenario.duration().toNanos()) {
        at.add(d.toNanos());
      }
    }
    List<Recovery> rs = new ArrayList<>();
    for (int b = 0; b < scenario.backends().size(); b++) {
      BackendSpec spec = scenario.backends().get(b);
      List<BackendEvent> timeline = spec.timeline();
      for (int k = 0; k < timeline.size(); k++) {
        BackendEvent e = timeline.get(k);
        long end = scenario.duration().toNanos();
        if (e.at().toNanos() >= end) {
          // A run cut short (--duration) never gets there.
          break;
        }
        at.add(e.at().toNanos());
        if (recovers(spec, e)) {
          long until = k + 1 < timeline.size()
              ? Math.min(end, timeline.get(k + 1).at().toNanos()) : end;
          rs.add(new Recovery(b, spec.name(), seconds(e.at().toNanos()), seconds(until)));
        }
      }
    }
    this.events = at.stream().mapToLong(Long::longValue).toArray();
    this.recoveries = List.copyOf(rs);
  }

  /** The comparison of {@code variants} (a run of {@code scenario}), or empty without an oracle. */
  public static Optional<OracleComparison> of(Scenario scenario, List<VariantResult> variants) {
    return scenario.oracle().flatMap(o -> variants.stream()
        .filter(v -> v.name().equals(o.name())).findFirst())
        .map(o -> new OracleComparison(scenario, o));
  }

  public VariantResult oracle() {
    return oracle;
  }

  /** The recoveries of the scenario's backends, in backend then time order. */
  public List<Recovery> recoveries() {
    return recoveries;
  }

  /** {@code v}'s tail latencies as ratios to the oracle's. */
  public Ratios ratios(VariantResult v) {
    List<BucketPoint> vs = v.series();
    List<BucketPoint> os = oracle.series();
    int n = Math.min(vs.size(), os.size());
    double[] p99 = new double[n];
    double[] p999 = new double[n];
    double worst99 = Double.NaN;
    double worst99At = Double.NaN;
    double worst999 = Double.NaN;
    double worst999At = Double.NaN;
    for (int i = 0; i < n; i++) {
      BucketPoint a = vs.get(i);
      BucketPoint o = os.get(i);
      p99[i] = ratio(a.p99Millis(), o.p99Millis());
      p999[i] = ratio(a.p999Millis(), o.p999Millis());
      if (!settled(a.endSeconds())) {
        continue;
      }
      // NaN never wins: "not <= worst" holds for a NaN worst (none yet) and a larger ratio.
      if (!Double.isNaN(p99[i]) && !(p99[i] <= worst99)) {
        worst99 = p99[i];
        worst99At = a.endSeconds();
      }
      if (!Double.isNaN(p999[i]) && !(p999[i] <= worst999)) {
        worst999 = p999[i];
        worst999At = a.endSeconds();
      }
    }
    return new Ratios(ratio(v.percentileMillis(99), oracle.percentileMillis(99)),
        ratio(v.percentileMillis(99.9), oracle.percentileMillis(99.9)), p99, p999, worst99,
        worst99At, worst999, worst999At);
  }

  /** {@code v}'s share of each recovered backend against the oracle's, per recovery. */
  public List<ShareGap> shareGaps(VariantResult v) {
    List<ShareGap> gaps = new ArrayList<>();
    List<BucketPoint> vs = v.series();
    List<BucketPoint> os = oracle.series();
    double width = seconds(scenario.bucket().toNanos());
    for (Recovery r : recoveries) {
      double from = r.atSeconds() + RECOVERY_GRACE_SECONDS;
      double worst = Double.NaN;
      double worstAt = Double.NaN;
      double share = 0;
      double oracleShare = 0;
      int buckets = 0;
      for (int i = 0; i < Math.min(vs.size(), os.size()); i++) {
        double end = vs.get(i).endSeconds();
        if (end - width < from - 1e-9 || end > r.untilSeconds() + 1e-9) {
          continue;
        }
        double a = vs.get(i).share()[r.backend()];
        double o = os.get(i).share()[r.backend()];
        double gap = Math.abs(a - o);
        if (!(gap <= worst)) {
          worst = gap;
          worstAt = end;
        }
        share += a;
        oracleShare += o;
        buckets++;
      }
      gaps.add(new ShareGap(r, buckets == 0 ? Double.NaN : share / buckets,
          buckets == 0 ? Double.NaN : oracleShare / buckets, worst, worstAt, buckets));
    }
    return gaps;
  }

  /** Whether the bucket ending at {@code endSeconds} counts in the worst-second figures. */
  boolean settled(double endSeconds) {
    long end = Math.round(endSeconds * 1e9);
    long start = end - scenario.bucket().toNanos();
    if (start < scenario.warmup().toNanos()) {
      return false;
    }
    for (long e : events) {
      if (start < e + SETTLE_SECONDS * 1_000_000_000L && end > e) {
        return false;
      }
    }
    return true;
  }

  /** The event instants, seconds, ascending (the run's start included). */
  public List<Double> eventSeconds() {
    List<Double> s = new ArrayList<>();
    for (long e : events) {
      s.add(seconds(e));
    }
    return s;
  }

  private static boolean recovers(BackendSpec spec, BackendEvent e) {
    return Boolean.TRUE.equals(e.alive())
        || (e.slowdown() != null && e.slowdown() <= 1)
        || (e.errorRate() != null && e.errorRate() <= spec.errorRate())
        || (e.slots() != null && e.slots() >= spec.slots());
  }

  /** {@code value / reference}; NaN when either is missing or the reference is not positive. */
  static double ratio(double value, double reference) {
    return Double.isNaN(value) || !(reference > 0) ? Double.NaN : value / reference;
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }

  /**
   * A variant's p99 and p99.9 over the oracle's: over the measured run, per bucket (indexed like
   * the series), and the worst settled bucket with the end of that bucket in seconds (NaN when
   * no bucket counts).
   */
  public record Ratios(double p99, double p999, double[] p99PerBucket, double[] p999PerBucket,
      double worstP99, double worstP99AtSeconds, double worstP999, double worstP999AtSeconds) {}

  /**
   * A backend recovering at {@code atSeconds}, compared until {@code untilSeconds} (its next
   * timeline event, or the end of the run).
   */
  public record Recovery(int backend, String name, double atSeconds, double untilSeconds) {}

  /**
   * A variant's share of a recovered backend's attempts against the oracle's over the compared
   * buckets: the means (percent), the worst bucket's absolute difference (points) and the end of
   * that bucket (seconds); NaN when no bucket was compared.
   */
  public record ShareGap(Recovery recovery, double meanShare, double oracleMeanShare,
      double worstPoints, double worstAtSeconds, int buckets) {}
}
