package io.ballast.core.outlier;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * When the rules of outlier detection find a backend an outlier, and the reason each gives, after
 * Envoy's:
 * <ul>
 *   <li>consecutive runs (5xx, gateway failures, local-origin failures): the tracker counts the
 *       run on the data plane; this only says what reaching the threshold means
 *       ({@link #consecutive});
 *   <li>success rate: among the backends not ejected that had at least {@code requestVolume}
 *       outcomes in the interval, provided at least {@code minimumHosts} did, one whose success
 *       rate is below the pool's mean minus {@code stdevFactor} standard deviations
 *       ({@link SuccessRateStats}, with its worked example);
 *   <li>failure percentage: among the backends not ejected with at least {@code requestVolume}
 *       outcomes, provided at least {@code minimumHosts} had, one whose failures reach
 *       {@code threshold} percent of its outcomes (compared in integers: 85 failures of 100 meet
 *       an 85% threshold exactly). A backend the success-rate rule names is not named twice.
 * </ul>
 * In split mode the interval rules run once on the backends' answers and once on their
 * local-origin outcomes, each with its own kind.
 *
 * <p>Pure: whether to eject (the cap, the last backend in service) is the detector's call.
 */
final class OutlierRules {
  private OutlierRules() {}

  /**
   * One backend's interval.
   *
   * @param order the order it came in, for stable ties
   * @param ejected ejected now: left out of the statistics and never a candidate
   */
  record Member(int order, boolean ejected, IntervalCounts counts) {}

  /**
   * A backend a rule found an outlier.
   *
   * @param position its place in the list given
   * @param rate its success rate in percent, worst (lowest) first
   */
  record Candidate(int position, EjectionKind kind, double rate, String reason) {}

  /** What a consecutive run of {@code kind} that reached its threshold says. */
  static String consecutive(OutlierSettings settings, EjectionKind kind) {
    int n = switch (kind) {
      case CONSECUTIVE_5XX -> settings.consecutive5xx().threshold();
      case CONSECUTIVE_GATEWAY_FAILURE -> settings.consecutiveGatewayFailure().threshold();
      default -> settings.consecutiveLocalOriginFailure().threshold();
    };
    String what = switch (kind) {
      case CONSECUTIVE_5XX -> settings.splitLocalOrigin() ? " consecutive 5xx"
          : " consecutive 5xx or local-origin failures";
      case CONSECUTIVE_GATEWAY_FAILURE -> settings.splitLocalOrigin()
          ? " consecutive gateway failures (502/503/504)"
          : " consecutive gateway failures (502/503/504, refused, reset, timeout)";
      default -> " consecutive local-origin failures (refused, reset, timeout)";
    };
    return n + what;
  }

  /**
   * The outliers the interval rules find, worst first (the lowest success rate; ties in the
   * order the backends came), so that a cap keeps the least bad backends in.
   */
  static List<Candidate> interval(OutlierSettings settings, List<Member> members) {
    List<Candidate> candidates = new ArrayList<>();
    collect(settings, members, false, EjectionKind.SUCCESS_RATE,
        EjectionKind.FAILURE_PERCENTAGE, candidates);
    if (settings.splitLocalOrigin()) {
      collect(settings, members, true, EjectionKind.LOCAL_ORIGIN_SUCCESS_RATE,
          EjectionKind.LOCAL_ORIGIN_FAILURE_PERCENTAGE, candidates);
    }
    candidates.sort(Comparator.comparingDouble(Candidate::rate)
        .thenComparingInt(c -> members.get(c.position()).order()));
    return candidates;
  }

  private static void collect(OutlierSettings settings, List<Member> members, boolean local,
      EjectionKind rateKind, EjectionKind percentKind, List<Candidate> candidates) {
    OutlierSettings.SuccessRate sr = settings.successRate();
    OutlierSettings.FailurePercentage fp = settings.failurePercentage();
    SuccessRateStats stats = null;
    if (sr.enabled()) {
      double[] rates = new double[members.size()];
      int count = 0;
      for (Member m : members) {
        if (!m.ejected() && m.counts().total(local) >= sr.requestVolume()) {
          rates[count++] = m.counts().rate(local);
        }
      }
      if (count >= sr.minimumHosts()) {
        stats = SuccessRateStats.of(rates, count, sr.stdevFactor());
      }
    }
    boolean percentApplies = false;
    if (fp.enabled()) {
      int count = 0;
      for (Member m : members) {
        if (!m.ejected() && m.counts().total(local) >= fp.requestVolume()) {
          count++;
        }
      }
      percentApplies = count >= fp.minimumHosts();
    }
    String origin = local ? "local-origin " : "";
    for (int i = 0; i < members.size(); i++) {
      Member m = members.get(i);
      if (m.ejected()) {
        continue;
      }
      long total = m.counts().total(local);
      long failures = m.counts().failures(local);
      double rate = m.counts().rate(local);
      if (stats != null && total >= sr.requestVolume() && stats.isOutlier(rate)) {
        candidates.add(new Candidate(i, rateKind, rate, String.format(Locale.ROOT,
            "%ssuccess rate %.1f%% < %s, %d requests", origin, rate, stats, total)));
      } else if (percentApplies && total >= fp.requestVolume()
          && failures * 100 >= (long) fp.threshold() * total) {
        // Integer comparison: 85 failures of 100 meet an 85 % threshold exactly.
        candidates.add(new Candidate(i, percentKind, rate, String.format(Locale.ROOT,
            "%sfailure percentage %.1f%% >= threshold %d%% (%d of %d requests failed)",
            origin, 100.0 * failures / total, fp.threshold(), failures, total)));
      }
    }
  }
}
