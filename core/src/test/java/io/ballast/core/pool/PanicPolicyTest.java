package io.ballast.core.pool;

import static io.ballast.core.AdminState.ACTIVE;
import static io.ballast.core.AdminState.DRAINING;
import static io.ballast.core.AdminState.MAINTENANCE;
import static io.ballast.core.HealthState.DEGRADED;
import static io.ballast.core.HealthState.HEALTHY;
import static io.ballast.core.HealthState.RECOVERING;
import static io.ballast.core.HealthState.UNHEALTHY;
import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.core.AdminState;
import io.ballast.core.HealthState;
import java.util.List;
import org.junit.jupiter.api.Test;

class PanicPolicyTest {
  private static final PanicPolicy.Standing UP = standing(HEALTHY, ACTIVE, false, false);
  private static final PanicPolicy.Standing DOWN = standing(UNHEALTHY, ACTIVE, false, false);
  private static final PanicPolicy.Standing EJECTED = standing(HEALTHY, ACTIVE, true, false);
  private static final PanicPolicy.Standing OPEN = standing(HEALTHY, ACTIVE, false, true);

  private static PanicPolicy.Standing standing(HealthState health, AdminState admin,
      boolean ejected, boolean circuitOpen) {
    return new PanicPolicy.Standing(health, admin, ejected, circuitOpen);
  }

  private static PanicPolicy.Verdict at50(PanicPolicy.Standing... members) {
    return PanicPolicy.decide(List.of(members), 50);
  }

  // The rows of the worked example in the class comment.

  @Test
  void halfAvailableIsNotBelowHalf() {
    PanicPolicy.Verdict v = at50(UP, UP, DOWN, EJECTED);
    assertThat(v.available()).containsExactly(true, true, false, false);
    assertThat(v.panic()).isFalse();
    assertThat(v.noneAvailable()).isFalse();
    assertThat(v.reason())
        .isEqualTo("2 of 4 active backends available (back at or above 50%)");
  }

  @Test
  void belowTheThresholdEveryActiveMemberServesButTheEjectedOne() {
    PanicPolicy.Verdict v = at50(UP, DOWN, DOWN, EJECTED);
    assertThat(v.available()).containsExactly(true, true, true, false);
    assertThat(v.panic()).isTrue();
    assertThat(v.noneAvailable()).isFalse();
    assertThat(v.reason())
        .isEqualTo("1 of 4 active backends available (below 50%): balancing over all of them");
  }

  @Test
  void openCircuitsAloneNeverEmptyThePool() {
    PanicPolicy.Verdict v = at50(OPEN, OPEN, OPEN, OPEN);
    assertThat(v.available()).containsExactly(true, true, true, true);
    assertThat(v.panic()).isTrue();
    assertThat(v.availableCount()).isZero();
    assertThat(v.noneAvailable()).isFalse();
  }

  @Test
  void ejectionsAloneNeverEmptyThePool() {
    PanicPolicy.Verdict v = at50(EJECTED, EJECTED, EJECTED, EJECTED);
    assertThat(v.available()).containsExactly(true, true, true, true);
    assertThat(v.panic()).isTrue();
  }

  @Test
  void whenNoMemberPassesItsChecksThePoolIsDownNotInPanic() {
    PanicPolicy.Verdict v = at50(DOWN, DOWN, DOWN, DOWN);
    assertThat(v.available()).containsExactly(false, false, false, false);
    assertThat(v.panic()).isFalse();
    assertThat(v.noneAvailable()).isTrue();
    assertThat(v.reason()).isEqualTo(
        "0 of 4 active backends available, none passes its health checks: answering 503 at once");
  }

  @Test
  void anEjectedMemberThatPassesItsChecksIsEnoughForPanic() {
    // In service though ejected: the pool is not down, so it panics over the others.
    PanicPolicy.Verdict v = at50(DOWN, DOWN, EJECTED);
    assertThat(v.panic()).isTrue();
    assertThat(v.available()).containsExactly(true, true, false);
  }

  @Test
  void degradedServesAndRecoveringDoesNot() {
    PanicPolicy.Verdict v = at50(standing(DEGRADED, ACTIVE, false, false),
        standing(RECOVERING, ACTIVE, false, false));
    assertThat(v.available()).containsExactly(true, false);
    assertThat(v.panic()).isFalse();
  }

  @Test
  void membersTheOperatorTookOutNeitherCountNorServeInPanic() {
    PanicPolicy.Standing drained = standing(HEALTHY, DRAINING, false, false);
    PanicPolicy.Standing maintenance = standing(UNHEALTHY, MAINTENANCE, false, false);
    // 1 of 2 active: not below 50%, whatever the two the operator holds.
    PanicPolicy.Verdict calm = at50(UP, DOWN, drained, maintenance);
    assertThat(calm.panic()).isFalse();
    assertThat(calm.active()).isEqualTo(2);
    assertThat(calm.available()).containsExactly(true, false, false, false);
    // 1 of 3 active: panic, over the active ones only.
    PanicPolicy.Verdict panic = at50(UP, DOWN, DOWN, drained, maintenance);
    assertThat(panic.panic()).isTrue();
    assertThat(panic.available()).containsExactly(true, true, true, false, false);
  }

  @Test
  void thresholdZeroNeverPanics() {
    PanicPolicy.Verdict v = PanicPolicy.decide(List.of(OPEN, OPEN, DOWN), 0);
    assertThat(v.panic()).isFalse();
    assertThat(v.available()).containsExactly(false, false, false);
    assertThat(v.noneAvailable()).isTrue();
  }

  @Test
  void thresholdHundredPanicsWithAnyMemberOut() {
    PanicPolicy.Verdict v = PanicPolicy.decide(List.of(UP, UP, UP, DOWN), 100);
    assertThat(v.panic()).isTrue();
    assertThat(v.available()).containsExactly(true, true, true, true);
    assertThat(PanicPolicy.decide(List.of(UP, UP), 100).panic()).isFalse();
  }

  @Test
  void anEmptyPoolIsNeitherInPanicNorAvailable() {
    PanicPolicy.Verdict v = at50();
    assertThat(v.available()).isEmpty();
    assertThat(v.panic()).isFalse();
    assertThat(v.reason()).isEqualTo("the pool has no backends");
  }

  @Test
  void inServiceAndAvailableAreTheRulesBuildingBlocks() {
    assertThat(PanicPolicy.inService(DEGRADED, ACTIVE)).isTrue();
    assertThat(PanicPolicy.inService(HEALTHY, DRAINING)).isFalse();
    assertThat(PanicPolicy.available(HEALTHY, ACTIVE, false, false)).isTrue();
    assertThat(PanicPolicy.available(HEALTHY, ACTIVE, true, false)).isFalse();
    assertThat(PanicPolicy.available(HEALTHY, ACTIVE, false, true)).isFalse();
    assertThat(PanicPolicy.available(UNHEALTHY, ACTIVE, false, false)).isFalse();
  }
}
