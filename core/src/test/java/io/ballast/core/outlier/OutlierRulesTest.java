package io.ballast.core.outlier;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutlierRulesTest {
  private static final OutlierSettings SUCCESS_RATE_ONLY = OutlierSettings.DEFAULTS
      .withFailurePercentage(OutlierSettings.FailurePercentage.OFF);
  private static final OutlierSettings FAILURE_PERCENTAGE_ONLY = OutlierSettings.DEFAULTS
      .withSuccessRate(OutlierSettings.SuccessRate.OFF);

  /** Members in order, each with {@code successes[i]} of 100 answers succeeding. */
  private static List<OutlierRules.Member> answers(int... successes) {
    List<OutlierRules.Member> out = new ArrayList<>();
    for (int i = 0; i < successes.length; i++) {
      out.add(new OutlierRules.Member(i, false,
          new IntervalCounts(successes[i], 100 - successes[i], 0, 0)));
    }
    return out;
  }

  private static OutlierRules.Member ejected(int order) {
    return new OutlierRules.Member(order, true, new IntervalCounts(0, 100, 0, 0));
  }

  @Test
  void successRateWorkedExample() {
    // 100, 100, 100, 90, 60: mean 90, stdev 15.49, threshold 60.57: only the 60 is an outlier.
    assertThat(OutlierRules.interval(SUCCESS_RATE_ONLY, answers(100, 100, 100, 90, 60)))
        .containsExactly(new OutlierRules.Candidate(4, EjectionKind.SUCCESS_RATE, 60.0,
            "success rate 60.0% < threshold 60.6% (pool mean 90.0%, stdev 15.5%), 100 requests"));
  }

  @Test
  void successRateNeedsMinimumHostsWithVolumeAndLeavesEjectedBackendsOut() {
    List<OutlierRules.Member> four = answers(100, 100, 100, 60);
    assertThat(OutlierRules.interval(SUCCESS_RATE_ONLY, four)).isEmpty();
    List<OutlierRules.Member> withEjected = new ArrayList<>(four);
    withEjected.add(ejected(4));
    assertThat(OutlierRules.interval(SUCCESS_RATE_ONLY, withEjected)).isEmpty();
    List<OutlierRules.Member> thin = new ArrayList<>(four);
    thin.add(new OutlierRules.Member(4, false, new IntervalCounts(99, 0, 0, 0)));
    assertThat(OutlierRules.interval(SUCCESS_RATE_ONLY, thin)).isEmpty();
  }

  @Test
  void failurePercentageMeetsItsThresholdExactly() {
    // 85 failures of 100 meet 85%; 84 do not.
    List<OutlierRules.Candidate> found =
        OutlierRules.interval(FAILURE_PERCENTAGE_ONLY, answers(100, 100, 100, 16, 15));
    assertThat(found).containsExactly(new OutlierRules.Candidate(4,
        EjectionKind.FAILURE_PERCENTAGE, 15.0,
        "failure percentage 85.0% >= threshold 85% (85 of 100 requests failed)"));
  }

  @Test
  void aBackendTheSuccessRateRuleNamesIsNotNamedTwice() {
    List<OutlierRules.Candidate> found =
        OutlierRules.interval(OutlierSettings.DEFAULTS, answers(100, 100, 100, 100, 10));
    assertThat(found).singleElement().extracting(OutlierRules.Candidate::kind)
        .isEqualTo(EjectionKind.SUCCESS_RATE);
  }

  @Test
  void worstFirstAndTiesInTheOrderTheyCame() {
    List<OutlierRules.Member> members = new ArrayList<>();
    int[] successes = {100, 10, 100, 5, 100, 10};
    int[] order = {0, 7, 1, 2, 3, 4};
    for (int i = 0; i < successes.length; i++) {
      members.add(new OutlierRules.Member(order[i], false,
          new IntervalCounts(successes[i], 100 - successes[i], 0, 0)));
    }
    // Positions 3 (5%), then 5 (10%, came 4th) before 1 (10%, came 7th).
    assertThat(OutlierRules.interval(FAILURE_PERCENTAGE_ONLY, members))
        .extracting(OutlierRules.Candidate::position).containsExactly(3, 5, 1);
  }

  @Test
  void splitModeJudgesLocalOriginOutcomesApartWithTheirOwnKinds() {
    OutlierSettings split = FAILURE_PERCENTAGE_ONLY
        .withLocalOrigin(true, new OutlierSettings.Consecutive(true, 5));
    List<OutlierRules.Member> members = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      long localFailures = i == 2 ? 90 : 0;
      members.add(new OutlierRules.Member(i, false,
          new IntervalCounts(100, 0, 100 - localFailures, localFailures)));
    }
    assertThat(OutlierRules.interval(split, members)).containsExactly(
        new OutlierRules.Candidate(2, EjectionKind.LOCAL_ORIGIN_FAILURE_PERCENTAGE, 10.0,
            "local-origin failure percentage 90.0% >= threshold 85% (90 of 100 requests"
                + " failed)"));
    // Not split: local-origin outcomes are not judged on their own.
    assertThat(OutlierRules.interval(FAILURE_PERCENTAGE_ONLY, members)).isEmpty();
  }

  @Test
  void whatAConsecutiveRunSays() {
    OutlierSettings s = OutlierSettings.DEFAULTS;
    assertThat(OutlierRules.consecutive(s, EjectionKind.CONSECUTIVE_5XX))
        .isEqualTo("5 consecutive 5xx or local-origin failures");
    assertThat(OutlierRules.consecutive(s, EjectionKind.CONSECUTIVE_GATEWAY_FAILURE))
        .isEqualTo("5 consecutive gateway failures (502/503/504, refused, reset, timeout)");
    OutlierSettings split = s.withLocalOrigin(true, new OutlierSettings.Consecutive(true, 3));
    assertThat(OutlierRules.consecutive(split, EjectionKind.CONSECUTIVE_5XX))
        .isEqualTo("5 consecutive 5xx");
    assertThat(OutlierRules.consecutive(split, EjectionKind.CONSECUTIVE_GATEWAY_FAILURE))
        .isEqualTo("5 consecutive gateway failures (502/503/504)");
    assertThat(OutlierRules.consecutive(split, EjectionKind.CONSECUTIVE_LOCAL_ORIGIN_FAILURE))
        .isEqualTo("3 consecutive local-origin failures (refused, reset, timeout)");
  }

  @Test
  void countsWithoutOutcomesReadAsAFullSuccessRate() {
    assertThat(IntervalCounts.ZERO.rate(false)).isEqualTo(100.0);
    IntervalCounts c = new IntervalCounts(3, 1, 5, 5);
    assertThat(c.total(false)).isEqualTo(4);
    assertThat(c.failures(true)).isEqualTo(5);
    assertThat(c.rate(false)).isEqualTo(75.0);
    assertThat(c.rate(true)).isEqualTo(50.0);
  }
}
