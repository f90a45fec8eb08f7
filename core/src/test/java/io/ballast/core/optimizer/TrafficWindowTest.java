package io.ballast.core.optimizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.ballast.core.Backend;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class TrafficWindowTest {
  @Test
  void aTrafficWindowSubtractsThePreviousReadingSoNothingIsResetOrLost() {
    Backend b = new Backend("b1", "127.0.0.1", 9001, 1);
    for (int i = 0; i < 50; i++) {
      b.load().start();
      b.load().complete(true, 1_000_000);
    }
    TrafficWindow window = new TrafficWindow(b, 0);
    for (int i = 0; i < 98; i++) {
      b.load().start();
      b.load().complete(true, 5_000_000);
    }
    b.load().start();
    b.load().complete(false, 200_000_000);
    b.load().start();
    b.load().complete(false, 200_000_000);
    b.load().start();
    BackendStats s = window.harvest(2_000_000_000L, OptionalDouble.of(0.4), -1);
    assertThat(s.requests()).isEqualTo(100);
    assertThat(s.failures()).isEqualTo(2);
    assertThat(s.errorRate()).isEqualTo(0.02);
    assertThat(s.throughputPerSecond()).isEqualTo(50.0);
    assertThat((double) s.p50Nanos()).isCloseTo(5e6, within(0.3e6));
    assertThat((double) s.p99Nanos()).isCloseTo(200e6, within(12e6));
    assertThat(s.meanNanos()).isEqualTo((98 * 5e6 + 2 * 200e6) / 100);
    assertThat(s.inFlight()).isEqualTo(1);
    assertThat(s.utilization()).hasValue(0.4);
    BackendStats next = window.harvest(3_000_000_000L, OptionalDouble.empty(), -1);
    assertThat(next.requests()).isZero();
    assertThat(next.p99Nanos()).isZero();
    assertThat(next.windowNanos()).isEqualTo(1_000_000_000L);
  }
}
