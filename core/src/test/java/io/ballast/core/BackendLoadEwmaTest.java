package io.ballast.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BackendLoadEwmaTest {
  private static final double MS = 1e6;
  private final AtomicLong clock = new AtomicLong();
  private final BackendLoad load = new BackendLoad();

  BackendLoadEwmaTest() {
    load.useTicker(clock::get);
    load.useEwmaDecay(Duration.ofSeconds(10));
  }

  private void request(boolean success, double latencyMs) {
    load.start();
    load.complete(success, (long) (latencyMs * MS));
  }

  @Test
  void decaysBlendsAndJumpsToPeaks() {
    assertThat(load.hasLatencySample()).isFalse();
    assertThat(load.latencyEwmaNanos()).isNaN();
    assertThat(load.latencyEstimateNanos(7 * MS)).isEqualTo(7 * MS);

    request(true, 100);
    assertThat(load.latencyEwmaNanos() / MS).isCloseTo(100, within(1e-3));

    // τ = 10 s, Δt = 5 s: w = exp(-0.5) = 0.6065; 100 × 0.6065 + 20 × 0.3935 = 68.52 ms.
    clock.set(Duration.ofSeconds(5).toNanos());
    request(true, 20);
    assertThat(load.latencyEwmaNanos() / MS).isCloseTo(68.52, within(0.01));

    // Peak: a sample above the value replaces it at once.
    request(true, 300);
    assertThat(load.latencyEwmaNanos() / MS).isCloseTo(300, within(1e-3));

    // Idle decay at read time: 10 s later, 300 × exp(-1) = 110.36 ms.
    clock.set(Duration.ofSeconds(15).toNanos());
    assertThat(load.latencyEwmaNanos() / MS).isCloseTo(110.36, within(0.01));
    // Toward a prior of 50 ms instead: 300 × 0.3679 + 50 × 0.6321 = 141.97 ms.
    assertThat(load.latencyEstimateNanos(50 * MS) / MS).isCloseTo(141.97, within(0.01));
  }

  @Test
  void lowSamplesAtTheSameInstantDoNotMoveTheValue() {
    request(true, 100);
    request(true, 1);
    assertThat(load.latencyEwmaNanos() / MS).isCloseTo(100, within(1e-3));
  }

  @Test
  void failuresArePenalisedNotFast() {
    request(false, 1);
    assertThat(load.latencyEwmaNanos() / MS).isCloseTo(100, within(1e-3));
    request(false, 1);
    assertThat(load.latencyEwmaNanos() / MS).isCloseTo(200, within(1e-3));
    request(false, 1);
    assertThat(load.latencyEwmaNanos() / MS).isCloseTo(400, within(1e-3));
    // A failure slower than the penalty counts as measured.
    request(false, 2000);
    assertThat(load.latencyEwmaNanos() / MS).isCloseTo(2000, within(1e-3));
    for (int i = 0; i < 20; i++) {
      request(false, 1);
    }
    assertThat(load.latencyEwmaNanos() / MS).isCloseTo(60_000, within(0.01));
    assertThat(load.failures()).isEqualTo(24);
    assertThat(load.inFlight()).isZero();
  }

  @Test
  void decayIsRightAcrossTheWrapOfTheCompactTimestamp() {
    load.useEwmaDecay(Duration.ofHours(100));
    request(true, 100);
    // 80 hours is past the 78-hour wrap of the 32-bit ticks: 100 × exp(-0.8) = 44.93 ms.
    clock.set(Duration.ofHours(80).toNanos());
    assertThat(load.latencyEwmaNanos() / MS).isCloseTo(44.93, within(0.01));
    // A short gap is measured with the compact ticks: 100 × exp(-1/360000) after 1 s.
    clock.set(Duration.ofHours(80).toNanos());
    request(true, 100);
    clock.addAndGet(Duration.ofHours(1).toNanos());
    assertThat(load.latencyEwmaNanos() / MS).isCloseTo(100 * Math.exp(-0.01), within(0.001));
  }

  @Test
  void aClockReadBeforeAnotherThreadsSampleCountsAsNoTime() {
    clock.set(Duration.ofSeconds(10).toNanos());
    request(true, 100);
    clock.set(Duration.ofSeconds(9).toNanos());
    assertThat(load.latencyEwmaNanos() / MS).isCloseTo(100, within(1e-3));
  }

  @Test
  void theCheapDecayWeightMatchesExpEverywhere() {
    double worst = 0;
    for (double x = 0; x < 20; x = x < 2e-3 ? x + 1e-6 : x * 1.01) {
      worst = Math.max(worst, Math.abs(BackendLoad.decayWeight(x) - Math.exp(-x)));
    }
    assertThat(worst).isLessThan(1e-9);
  }
}
