package io.ballast.core.shed;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Admission by class, release, and the counters the control loop reads. */
class ConcurrencyLimiterTest {

  @Test
  void eachClassStopsAtItsShareOfTheLimit() {
    // Limit 40: sheddable below 20, default below 30, critical below 40 (Priority's example).
    ConcurrencyLimiter l = new ConcurrencyLimiter("api", 40);
    assertThat(l.threshold(Priority.SHEDDABLE)).isEqualTo(20);
    assertThat(l.threshold(Priority.DEFAULT)).isEqualTo(30);
    assertThat(l.threshold(Priority.CRITICAL)).isEqualTo(40);
    for (int i = 0; i < 20; i++) {
      assertThat(l.tryAcquire(Priority.SHEDDABLE)).isTrue();
    }
    assertThat(l.tryAcquire(Priority.SHEDDABLE)).isFalse();
    for (int i = 0; i < 10; i++) {
      assertThat(l.tryAcquire(Priority.DEFAULT)).isTrue();
    }
    assertThat(l.tryAcquire(Priority.DEFAULT)).isFalse();
    assertThat(l.tryAcquire(null)).as("no class is default").isFalse();
    for (int i = 0; i < 10; i++) {
      assertThat(l.tryAcquire(Priority.CRITICAL)).isTrue();
    }
    assertThat(l.tryAcquire(Priority.CRITICAL)).isFalse();
    assertThat(l.inFlight()).isEqualTo(40);
    assertThat(l.refused(Priority.SHEDDABLE)).isEqualTo(1);
    assertThat(l.refused(Priority.DEFAULT)).isEqualTo(2);
    assertThat(l.refused(Priority.CRITICAL)).isEqualTo(1);
    assertThat(l.refused()).isEqualTo(4);
    assertThat(l.admitted()).isEqualTo(40);

    l.release(5_000_000);
    assertThat(l.tryAcquire(Priority.CRITICAL)).isTrue();
    assertThat(l.completed()).isEqualTo(1);
  }

  @Test
  void aReleaseTooManyCreatesNoCapacity() {
    ConcurrencyLimiter l = new ConcurrencyLimiter("api", 2);
    assertThat(l.tryAcquire(Priority.CRITICAL)).isTrue();
    l.release(1);
    l.release(1);
    assertThat(l.inFlight()).isZero();
    assertThat(l.completed()).isEqualTo(1);
    assertThat(l.tryAcquire(Priority.CRITICAL)).isTrue();
    assertThat(l.tryAcquire(Priority.CRITICAL)).isTrue();
    assertThat(l.tryAcquire(Priority.CRITICAL)).isFalse();
  }

  @Test
  void everyClassKeepsAtLeastOnePlace() {
    ConcurrencyLimiter l = new ConcurrencyLimiter("api", 1);
    assertThat(l.threshold(Priority.SHEDDABLE)).isEqualTo(1);
    assertThat(l.tryAcquire(Priority.SHEDDABLE)).isTrue();
    assertThat(l.tryAcquire(Priority.CRITICAL)).isFalse();
  }

  @Test
  void thePeakIsTheHighestCountSinceTheLastLook() {
    ConcurrencyLimiter l = new ConcurrencyLimiter("api", 100);
    for (int i = 0; i < 7; i++) {
      l.tryAcquire(Priority.DEFAULT);
    }
    for (int i = 0; i < 5; i++) {
      l.release(1);
    }
    assertThat(l.takePeak()).isEqualTo(7);
    assertThat(l.takePeak()).as("starts again from the count of now").isEqualTo(2);
  }

  @Test
  void aLimitChangeMovesEveryThreshold() {
    ConcurrencyLimiter l = new ConcurrencyLimiter("api", 1000);
    l.setLimit(84);
    assertThat(l.limit()).isEqualTo(84);
    assertThat(l.threshold(Priority.SHEDDABLE)).isEqualTo(42);
    assertThat(l.threshold(Priority.DEFAULT)).isEqualTo(63);
    assertThat(l.threshold(Priority.CRITICAL)).isEqualTo(84);
    l.setLimit(SheddingSettings.MAX_LIMIT + 5);
    assertThat(l.threshold(Priority.CRITICAL)).isEqualTo(SheddingSettings.MAX_LIMIT);
  }

  @Test
  void labelsNameTheClasses() {
    assertThat(Priority.byLabel("Sheddable")).isEqualTo(Priority.SHEDDABLE);
    assertThat(Priority.byLabel(" critical ")).isEqualTo(Priority.CRITICAL);
    assertThat(Priority.byLabel("urgent")).isNull();
    assertThat(Priority.DEFAULT.label()).isEqualTo("default");
  }
}
