package io.ballast.bench.shed;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The benchmark measures what it says: an admission that is released, a refusal. */
class ConcurrencyLimiterBenchmarkTest {
  @Test
  void admitsAndReleasesOnTheOpenLimiterAndRefusesOnTheFullOne() {
    ConcurrencyLimiterBenchmark b = new ConcurrencyLimiterBenchmark();
    b.setUp();
    for (int i = 0; i < 10; i++) {
      assertThat(b.admitRelease()).isTrue();
    }
    assertThat(b.refuse()).isFalse();
  }
}
