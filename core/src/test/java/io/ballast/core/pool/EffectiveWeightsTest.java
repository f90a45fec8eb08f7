package io.ballast.core.pool;

import static io.ballast.core.pool.EffectiveWeights.NOT_RAMPING;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class EffectiveWeightsTest {
  private static final long SECOND = Duration.ofSeconds(1).toNanos();
  private static final long WINDOW = 30 * SECOND;
  private static final long NOW = 1_000 * SECOND;

  /** Available, at 100%, healthy, not ramping. */
  private static EffectiveWeights.Input plain(int weight) {
    return new EffectiveWeights.Input(weight, 100, true, false, 100, NOT_RAMPING);
  }

  private static EffectiveWeights.Input percent(int weight, int percent) {
    return new EffectiveWeights.Input(weight, percent, true, false, 100, NOT_RAMPING);
  }

  /** Back for {@code seconds}. */
  private static EffectiveWeights.Input back(int weight, double seconds) {
    return new EffectiveWeights.Input(weight, 100, true, false, 100,
        NOW - (long) (seconds * SECOND));
  }

  private static EffectiveWeights.Input degraded(int weight, int passingPercent) {
    return new EffectiveWeights.Input(weight, 100, true, true, passingPercent, NOT_RAMPING);
  }

  private static EffectiveWeights.Result of(EffectiveWeights.Input... inputs) {
    return EffectiveWeights.of(List.of(inputs), WINDOW, NOW);
  }

  @Test
  void withNothingToAdjustTheConfiguredWeightsStandUnscaled() {
    EffectiveWeights.Result r = of(plain(3), plain(1));
    assertThat(r.weights()).containsExactly(3, 1);
    assertThat(r.ramping()).isFalse();
    assertThat(r.rampOver()).containsExactly(false, false);
  }

  @Test
  void workedExampleSlowStart() {
    // Slow start 30 s, weights 2 and 2, b back for 9 s: 3/10, everything scaled by 10.
    EffectiveWeights.Result r = of(plain(2), back(2, 9));
    assertThat(r.weights()).containsExactly(20, 6);
    assertThat(r.ramping()).isTrue();
    assertThat(r.rampOver()).containsExactly(false, false);
  }

  @Test
  void workedExampleDegraded() {
    // 2 of 3 check weight up: 67%, round(2 x 10 x 0.67) = 13.
    assertThat(of(plain(2), degraded(2, 67)).weights()).containsExactly(20, 13);
  }

  @Test
  void aRampAdvancesInTenthsFromTheFirstOne() {
    assertThat(of(plain(2), back(2, 0)).weights()).containsExactly(20, 2);
    assertThat(of(plain(2), back(2, 2.9)).weights()).containsExactly(20, 2);
    assertThat(of(plain(2), back(2, 3)).weights()).containsExactly(20, 2);
    assertThat(of(plain(2), back(2, 6)).weights()).containsExactly(20, 4);
    assertThat(of(plain(2), back(2, 29.9)).weights()).containsExactly(20, 18);
  }

  @Test
  void aRampWhoseWindowHasPassedIsOverAndNothingIsScaled() {
    EffectiveWeights.Result r = of(plain(2), back(2, 30));
    assertThat(r.weights()).containsExactly(2, 2);
    assertThat(r.ramping()).isFalse();
    assertThat(r.rampOver()).containsExactly(false, true);
  }

  @Test
  void weightPercentagesScaleByAHundred() {
    assertThat(of(percent(1, 62), percent(1, 100)).weights()).containsExactly(62, 100);
    assertThat(of(percent(3, 1000), plain(1)).weights()).containsExactly(3000, 100);
  }

  @Test
  void aPercentageAndARampMultiplyAndThePercentScaleWins() {
    EffectiveWeights.Result r = of(percent(2, 50), back(2, 9));
    // Scale 100, not 10: a = 2 x 100 x 0.5, b = 2 x 100 x 3/10.
    assertThat(r.weights()).containsExactly(100, 60);
    assertThat(r.ramping()).isTrue();
  }

  @Test
  void aDegradedShareAndARampMultiply() {
    EffectiveWeights.Input degradedAndBack =
        new EffectiveWeights.Input(2, 100, true, true, 50, NOW - 9 * SECOND);
    assertThat(of(plain(2), degradedAndBack).weights()).containsExactly(20, 3);
  }

  @Test
  void aDegradedShareStandsInPlaceOfTheWeightPercentage() {
    // The rule as it is: a DEGRADED backend weighs its passing share, whatever its percentage.
    EffectiveWeights.Input lowered = new EffectiveWeights.Input(1, 40, true, true, 50, NOT_RAMPING);
    assertThat(of(lowered, plain(1)).weights()).containsExactly(50, 100);
  }

  @Test
  void neverBelowOne() {
    assertThat(of(percent(1, 1), plain(1)).weights()).containsExactly(1, 100);
    assertThat(of(degraded(1, 0), plain(1)).weights()).containsExactly(1, 10);
    assertThat(of(percent(1, 1), back(1, 0)).weights()).containsExactly(1, 10);
  }

  @Test
  void aBackendOutOfThePickerNeitherRampsNorWeighsAsDegradedNorEndsItsRamp() {
    EffectiveWeights.Input outRamping =
        new EffectiveWeights.Input(2, 100, false, true, 50, NOW - 9 * SECOND);
    EffectiveWeights.Input outRampDone =
        new EffectiveWeights.Input(2, 100, false, false, 100, NOW - 60 * SECOND);
    EffectiveWeights.Result r = of(plain(2), outRamping, outRampDone);
    assertThat(r.weights()).containsExactly(2, 2, 2);
    assertThat(r.ramping()).isFalse();
    assertThat(r.rampOver()).containsExactly(false, false, false);
  }

  @Test
  void withoutSlowStartARampStartIsIgnoredAndKept() {
    EffectiveWeights.Result r = EffectiveWeights.of(List.of(plain(2), back(2, 9)), 0, NOW);
    assertThat(r.weights()).containsExactly(2, 2);
    assertThat(r.ramping()).isFalse();
    assertThat(r.rampOver()).containsExactly(false, false);
  }

  @Test
  void noMembersNoWeights() {
    EffectiveWeights.Result r = of();
    assertThat(r.weights()).isEmpty();
    assertThat(r.ramping()).isFalse();
  }
}
