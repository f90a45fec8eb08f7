package io.ballast.core.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.core.HealthState;
import java.util.List;
import org.junit.jupiter.api.Test;

class HealthPolicyTest {
  // l4 (1, critical), app (2), deep (1): the worked example of the javadoc.
  private final HealthPolicy policy = new HealthPolicy(List.of(
      new HealthLevel("l4", 1, true, 2, 3),
      new HealthLevel("app", 2, false, 2, 3),
      new HealthLevel("deep", 1, false, 2, 3)), 100, 50);
  private static final boolean[] NONE = {false, false, false};

  private HealthState judge(boolean l4, boolean app, boolean deep) {
    return policy.judge(new boolean[] {l4, app, deep}, NONE, true);
  }

  @Test
  void combinesLevelsByWeight() {
    assertThat(judge(true, true, true)).isEqualTo(HealthState.HEALTHY);
    assertThat(judge(true, true, false)).isEqualTo(HealthState.DEGRADED); // 75 %
    assertThat(judge(true, false, true)).isEqualTo(HealthState.DEGRADED); // 50 %: not below 50
    assertThat(judge(true, false, false)).isEqualTo(HealthState.UNHEALTHY); // 25 %
    assertThat(judge(false, true, true)).isEqualTo(HealthState.UNHEALTHY); // critical
  }

  @Test
  void aShareAtOrAboveDegradedBelowIsHealthy() {
    HealthPolicy lenient = new HealthPolicy(policy.levels(), 75, 50);
    assertThat(lenient.judge(new boolean[] {true, true, false}, NONE, true))
        .isEqualTo(HealthState.HEALTHY);
    assertThat(lenient.judge(new boolean[] {true, false, true}, NONE, true))
        .isEqualTo(HealthState.DEGRADED);
  }

  @Test
  void outOfRotationIsRecoveringOnlyWhileRisingLevelsWouldBringItBack() {
    boolean[] down = {false, false, false};
    // Only deep rising: even once up, 25 % is below 50 % and l4 is down: still unhealthy.
    assertThat(policy.judge(down, new boolean[] {false, false, true}, false))
        .isEqualTo(HealthState.UNHEALTHY);
    // l4 and app rising: 75 % once up, serving: recovering.
    assertThat(policy.judge(down, new boolean[] {true, true, false}, false))
        .isEqualTo(HealthState.RECOVERING);
    // A backend that was serving falls to unhealthy first, whatever is rising.
    assertThat(policy.judge(down, new boolean[] {true, true, true}, true))
        .isEqualTo(HealthState.UNHEALTHY);
  }

  @Test
  void rejectsContradictions() {
    HealthLevel a = new HealthLevel("a", 1, false, 1, 1);
    assertThatThrownBy(() -> new HealthPolicy(List.of(a, a), 100, 50))
        .hasMessage("levels: 'a' listed twice (expected: unique level names)");
    assertThatThrownBy(() -> new HealthPolicy(List.of(a), 40, 50))
        .hasMessage("unhealthyBelowPercent: 50 (expected: 0..degradedBelowPercent 40)");
    assertThatThrownBy(() -> new HealthPolicy(List.of(a), 101, 50))
        .hasMessage("degradedBelowPercent: 101 (expected: 0..100)");
    assertThatThrownBy(() -> new HealthPolicy(List.of(a), 100, 0))
        .hasMessageStartingWith("unhealthyBelowPercent: 0 with no critical level");
    assertThatThrownBy(() -> new HealthLevel("a", 1, false, 0, 1))
        .hasMessage("rise: 0 (expected: >= 1)");
    assertThatThrownBy(() -> new HealthLevel("a", 0, false, 1, 1))
        .hasMessage("weight: 0 (expected: 1..1000)");
    assertThatThrownBy(() -> new HealthPolicy(List.of(), 100, 50))
        .hasMessage("levels: 0 (expected: 1..16)");
  }
}
