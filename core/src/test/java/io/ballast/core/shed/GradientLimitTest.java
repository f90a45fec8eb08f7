package io.ballast.core.shed;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Exact steps of the gradient controller on hand-made windows. */
class GradientLimitTest {
  private static final long MS = 1_000_000L;
  private static final long WINDOW = 500 * MS;
  private static final SheddingSettings SETTINGS =
      new SheddingSettings(10, 1000, 1.5, Duration.ofMillis(500), 20);

  private static LimitWindow healthy(long p50Ms, int peak) {
    return new LimitWindow(WINDOW, 500, p50Ms * MS, peak, 0, 0, 0);
  }

  private static LimitWindow refused(long p50Nanos, int peak, long refused) {
    return new LimitWindow(WINDOW, 500, p50Nanos, peak, refused, refused, 0);
  }

  @Test
  void theWorkedExampleOfTheClassComment() {
    GradientLimit g = new GradientLimit("api", SETTINGS, 60, 10 * MS);
    GradientLimit.Step s1 = g.step(refused(25 * MS, 45, 200));
    assertThat(s1.to()).isEqualTo(36);
    assertThat(s1.reason()).isEqualTo("p50 25 ms above baseline 10 ms × 1.5 at the limit "
        + "(200 refused, 200 of them sheddable, peak 45 in flight): gradient 0.6");
    assertThat(g.step(refused(12_500_000, 36, 40)).to()).isEqualTo(44);
    assertThat(g.step(refused(16 * MS, 44, 10)).to()).isEqualTo(41);
    GradientLimit.Step s4 = g.step(healthy(9, 10));
    assertThat(s4.changed()).isFalse();
    assertThat(s4.reason()).isNull();
    assertThat(g.limit()).isEqualTo(41);
    // Three refusing windows drifted it by 0.04 ms; the healthy 9 ms one pulled it down with τ 3 s.
    assertThat(g.baselineNanos()).isBetween(9.85 * MS, 9.9 * MS);
  }

  @Test
  void startsAtTheMaximumAndComesDownAQuarterAWindowToItsHeadroom() {
    GradientLimit g = new GradientLimit("api", SETTINGS);
    assertThat(g.limit()).isEqualTo(1000);
    // Peak 15 in flight: the headroom needs ceil(2 × 15 / 0.5) = 60; the limit falls by a
    // quarter per window while above twice that: 1000, 750, 562, 421, 315, 236, 177, 132, 99.
    int[] expected = {750, 562, 421, 315, 236, 177, 132, 99};
    for (int want : expected) {
      assertThat(g.step(healthy(10, 15)).to()).isEqualTo(want);
    }
    assertThat(g.step(healthy(10, 15)).changed()).as("99 is within twice 60").isFalse();
  }

  @Test
  void highLatencyWithNothingRefusedHoldsTheLimit() {
    // Envoy's weakness avoided: nothing is refused, so nothing is lowered, however slow it gets.
    GradientLimit g = new GradientLimit("api", SETTINGS, 100, 10 * MS);
    for (int i = 0; i < 50; i++) {
      assertThat(g.step(healthy(80, 60)).changed()).isFalse();
    }
    assertThat(g.limit()).isEqualTo(100);
  }

  @Test
  void aLimitThatRefusesWhileLatencyIsFineGrows() {
    GradientLimit g = new GradientLimit("api", SETTINGS, 40, 10 * MS);
    // p50 10 ms, tolerance 15 ms: gradient 1.5, 40 → 60.
    GradientLimit.Step s = g.step(refused(10 * MS, 40, 5));
    assertThat(s.to()).isEqualTo(60);
    assertThat(s.reason()).contains("the limit refused, not the backends; gradient 1.5");
    // At the tolerance exactly: one more.
    assertThat(g.step(refused(15 * MS, 60, 5)).to()).isEqualTo(61);
    // Never more than doubled at once.
    assertThat(g.step(refused(1 * MS, 61, 5)).to()).isEqualTo(122);
  }

  @Test
  void demandThatGrowsRaisesTheLimitBeforeAnythingIsRefused() {
    GradientLimit g = new GradientLimit("api", SETTINGS, 40, 10 * MS);
    // Peak 30: sheddable must be admitted up to 60, so the limit becomes ceil(60 / 0.5) = 120.
    GradientLimit.Step s = g.step(healthy(10, 30));
    assertThat(s.to()).isEqualTo(120);
    assertThat(s.reason()).isEqualTo(
        "peak 30 in flight: headroom 2.0 × peak for sheddable requests (share 0.5)");
  }

  @Test
  void overloadDoesNotMoveTheBaselineButAPermanentSlowdownDoes() {
    GradientLimit g = new GradientLimit("api", SETTINGS, 100, 10 * MS);
    // Ten seconds of overload at 3 × the baseline: it moves by 20 ms × (1 - e^(-10/300)) = 0.66 ms.
    for (int i = 0; i < 20; i++) {
      g.step(refused(30 * MS, 100, 10));
    }
    assertThat(g.baselineNanos()).isBetween(10.5 * MS, 10.8 * MS);
    // Five more minutes of it: most of the way (1 - e^-1 ≈ 63%) to the new latency.
    for (int i = 0; i < 600; i++) {
      g.step(refused(30 * MS, 100, 10));
    }
    assertThat(g.baselineNanos()).isBetween(22.0 * MS, 24.0 * MS);
  }

  @Test
  void aSlowColdStartIsForgottenInSeconds() {
    GradientLimit g = new GradientLimit("api", SETTINGS);
    g.step(healthy(100, 5));
    assertThat(g.baselineNanos()).isEqualTo(100.0 * MS);
    // Six seconds at 10 ms: 90 × e^(-6/3) + 10 = 22.2 ms.
    for (int i = 0; i < 12; i++) {
      g.step(healthy(10, 5));
    }
    assertThat(g.baselineNanos()).isBetween(22.0 * MS, 22.4 * MS);
  }

  @Test
  void latencyThatDoesNotFollowACutIsTheBackendsOwnAndBecomesTheBaseline() {
    GradientLimit g = new GradientLimit("api", SETTINGS, 132, 8 * MS);
    // The backends got 6 × slower at the same rate: 75 in flight at 44 ms. The peak pressed on a
    // limit of ceil(75 / 0.75) = 100; gradient max(0.25, 12 / 44) = 0.27: 100 → 27.
    assertThat(g.step(new LimitWindow(WINDOW, 500, 44 * MS, 75, 80, 80, 60)).to()).isEqualTo(27);
    // 40 in flight now (the cut took), and still 44 ms: not a queue. Back to 132, baseline 44 ms
    // (from 8.1: the cut's window drifted it by 36 ms × (1 - e^(-0.5/300))).
    GradientLimit.Step s = g.step(new LimitWindow(WINDOW, 500, 44 * MS, 40, 250, 240, 38));
    assertThat(s.to()).isEqualTo(132);
    assertThat(s.reason()).isEqualTo("p50 44 ms did not fall when the limit fell 132 → 27 (peak 75"
        + " → 40 in flight): the latency is the backends' own, not a queue; baseline 8.1 ms"
        + " → 44 ms");
    assertThat(g.baselineNanos()).isEqualTo(44.0 * MS);
  }

  @Test
  void aQueueThatShrinksWithTheCutIsOverloadAndTheCutsGoOn() {
    GradientLimit g = new GradientLimit("api", SETTINGS, 100, 10 * MS);
    // Gradient 15 / 40 = 0.375 of the limit 100 (the peak, 95, pressed on ceil(95 / 0.75) = 127).
    assertThat(g.step(new LimitWindow(WINDOW, 500, 40 * MS, 95, 80, 80, 40)).to()).isEqualTo(37);
    // The cut took 95 → 50 in flight and the median fell 40 → 24 ms: a queue. Cut again:
    // 37 × 15 / 24 = 23.
    assertThat(g.step(new LimitWindow(WINDOW, 500, 24 * MS, 50, 80, 80, 40)).to()).isEqualTo(23);
    // Cut to 23% of where the cuts began, and the median still well below the 40 ms that began
    // them: a queue that shrinks, cut again.
    assertThat(g.step(new LimitWindow(WINDOW, 500, 24 * MS, 41, 80, 80, 30)).to()).isLessThan(23);
  }

  @Test
  void aCutFromAHighLimitStartsFromThePeakItReached() {
    // The onset of an overload through the real proxy: a limit of 236 kept as headroom, 127 in
    // flight at the peak, the median 176 ms against a 19 ms baseline. The peak pressed on
    // ceil(127 / 0.75) = 170; the deepest cut, a quarter: 42, in one window where halving the
    // limit took four.
    GradientLimit g = new GradientLimit("api", SETTINGS, 236, 19 * MS);
    GradientLimit.Step s = g.step(new LimitWindow(WINDOW, 300, 176 * MS, 127, 150, 150, 118));
    assertThat(s.to()).isEqualTo(42);
    assertThat(s.reason()).endsWith("gradient 0.25 of the peak 170");
  }

  @Test
  void aCutUnderTheRequestsInFlightKeepsTheCriticalClassItsPlace() {
    GradientLimit g = new GradientLimit("api", SETTINGS, 100, 10 * MS);
    // Gradient 0.5: 50, with 91 in flight. Critical requests keep their place below 92 until the
    // next window; the lower classes' thresholds (37 and 25) do the cutting.
    GradientLimit.Step s = g.step(new LimitWindow(WINDOW, 500, 30 * MS, 95, 400, 380, 91));
    assertThat(s.to()).isEqualTo(50);
    assertThat(s.criticalFloor()).isEqualTo(92);
    // The next window's step clears the floor.
    assertThat(g.step(healthy(10, 30)).criticalFloor()).isZero();
  }

  @Test
  void aWindowWhoseRequestsWaitedIsAtTheLimit() {
    GradientLimit g = new GradientLimit("api", SETTINGS, 100, 10 * MS);
    // Nothing refused, 200 waited for a place with a median of 30 ms: the limit bound the window.
    GradientLimit.Step s = g.step(new LimitWindow(WINDOW, 500, 30 * MS, 75, 0, 0, 70, 200));
    assertThat(s.to()).isEqualTo(50);
    assertThat(s.reason()).contains("(200 waited, 0 refused, 0 of them sheddable, peak 75 in"
        + " flight)");
  }

  @Test
  void theLimitStaysWithinItsBounds() {
    GradientLimit g = new GradientLimit("api", SETTINGS, 12, 10 * MS);
    assertThat(g.step(refused(100 * MS, 12, 50)).to()).isEqualTo(10);
    assertThat(g.step(refused(100 * MS, 10, 50)).changed()).isFalse();
    GradientLimit top = new GradientLimit("api", SETTINGS, 900, 10 * MS);
    assertThat(top.step(refused(5 * MS, 900, 1)).to()).isEqualTo(1000);
  }

  @Test
  void aSteadyPoolIsNeverRefusedWhileItsBaselineIsMeasured() {
    // A pool at a constant 20 to 30 in flight with a steady 10 ms: over ten minutes of windows the
    // sheddable threshold stays at least twice the peak, and the limit settles without churning.
    GradientLimit g = new GradientLimit("api", SETTINGS);
    int changes = 0;
    for (int i = 0; i < 1200; i++) {
      int peak = 20 + (i * 7) % 11;
      GradientLimit.Step s = g.step(healthy(10, peak));
      changes += s.changed() ? 1 : 0;
      assertThat(Priority.SHEDDABLE.threshold(g.limit())).isGreaterThanOrEqualTo(2 * peak - 1);
    }
    assertThat(changes).isLessThan(15);
  }
}
