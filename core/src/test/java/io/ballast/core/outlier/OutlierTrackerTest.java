package io.ballast.core.outlier;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.core.Backend;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class OutlierTrackerTest {
  private final Backend backend = new Backend("a", "127.0.0.1", 8080, 1);
  private final List<EjectionKind> signals = new ArrayList<>();

  private OutlierTracker tracker(OutlierSettings settings) {
    return new OutlierTracker(backend, settings, (t, kind) -> signals.add(kind));
  }

  @Test
  void classifiesOutcomesAsEnvoyDoes() {
    OutlierTracker t = tracker(OutlierSettings.DEFAULTS);
    t.response(500);
    t.response(503);
    assertThat(t.consecutive5xx()).isEqualTo(2);
    assertThat(t.consecutiveGatewayFailures()).isEqualTo(1);
    t.response(500); // a 5xx that is not a gateway failure breaks the gateway run only
    assertThat(t.consecutive5xx()).isEqualTo(3);
    assertThat(t.consecutiveGatewayFailures()).isZero();
    t.localOriginFailure(); // not split: a gateway failure and a 5xx
    assertThat(t.consecutive5xx()).isEqualTo(4);
    assertThat(t.consecutiveGatewayFailures()).isEqualTo(1);
    t.localOriginSuccess(); // not split: ignored, the answer decides
    assertThat(t.consecutive5xx()).isEqualTo(4);
    t.response(404);
    assertThat(t.consecutive5xx()).isZero();
    assertThat(t.consecutiveGatewayFailures()).isZero();
    long ext = t.harvestExternal();
    assertThat(OutlierTracker.successes(ext)).isEqualTo(1);
    assertThat(OutlierTracker.failures(ext)).isEqualTo(4);
    assertThat(t.harvestExternal()).isZero();
    assertThat(t.harvestLocalOrigin()).isZero();
  }

  @Test
  void splitModeCountsLocalOriginApart() {
    OutlierTracker t = tracker(OutlierSettings.DEFAULTS.withLocalOrigin(
        true, new OutlierSettings.Consecutive(true, 3)));
    t.response(502);
    t.localOriginFailure();
    t.localOriginFailure();
    assertThat(t.consecutive5xx()).isEqualTo(1);
    assertThat(t.consecutiveGatewayFailures()).isEqualTo(1);
    assertThat(t.consecutiveLocalOriginFailures()).isEqualTo(2);
    t.localOriginSuccess();
    assertThat(t.consecutiveLocalOriginFailures()).isZero();
    t.localOriginFailure();
    t.localOriginFailure();
    assertThat(signals).isEmpty();
    t.localOriginFailure();
    assertThat(signals).containsExactly(EjectionKind.CONSECUTIVE_LOCAL_ORIGIN_FAILURE);
    long loc = t.harvestLocalOrigin();
    assertThat(OutlierTracker.successes(loc)).isEqualTo(1);
    assertThat(OutlierTracker.failures(loc)).isEqualTo(5);
    assertThat(OutlierTracker.failures(t.harvestExternal())).isEqualTo(1);
  }

  @Test
  void signalsOncePerRunExactlyAtTheThreshold() {
    OutlierTracker t = tracker(OutlierSettings.DEFAULTS.withConsecutiveGatewayFailure(
        OutlierSettings.Consecutive.OFF));
    for (int i = 0; i < 4; i++) {
      t.response(500);
    }
    assertThat(signals).isEmpty();
    t.response(500);
    assertThat(signals).containsExactly(EjectionKind.CONSECUTIVE_5XX);
    t.response(500);
    t.response(500);
    assertThat(signals).hasSize(1); // same run, no second signal
  }

  @Test
  void countsAddUpUnderConcurrentReportsAndHarvests() throws Exception {
    AtomicInteger crossings = new AtomicInteger();
    OutlierTracker t = new OutlierTracker(backend, OutlierSettings.DEFAULTS.withConsecutive5xx(
        new OutlierSettings.Consecutive(true, 1_000_000_000)), (tr, k) -> crossings.incrementAndGet());
    int threads = 4;
    int perThread = 200_000;
    CountDownLatch start = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(threads);
    for (int n = 0; n < threads; n++) {
      Thread th = new Thread(() -> {
        try {
          start.await();
          for (int i = 0; i < perThread; i++) {
            // Three successes for each failure.
            if ((i & 3) == 0) {
              t.response(500);
            } else {
              t.response(200);
            }
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } finally {
          done.countDown();
        }
      });
      th.start();
    }
    long successes = 0;
    long failures = 0;
    start.countDown();
    // Harvest while the reporters run, as the control loop does; nothing may be lost or doubled.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (done.getCount() > 0 && System.nanoTime() < deadline) {
      long packed = t.harvestExternal();
      successes += OutlierTracker.successes(packed);
      failures += OutlierTracker.failures(packed);
      Thread.onSpinWait();
    }
    assertThat(done.await(20, TimeUnit.SECONDS)).isTrue();
    long packed = t.harvestExternal();
    successes += OutlierTracker.successes(packed);
    failures += OutlierTracker.failures(packed);
    assertThat(failures).isEqualTo((long) threads * perThread / 4);
    assertThat(successes).isEqualTo((long) threads * perThread * 3 / 4);
    assertThat(crossings).hasValue(0);
  }

  @Test
  void concurrentRunsSignalExactlyOnce() throws Exception {
    AtomicInteger crossings = new AtomicInteger();
    OutlierTracker t = new OutlierTracker(backend, OutlierSettings.DEFAULTS.withConsecutive5xx(
        new OutlierSettings.Consecutive(true, 1000)), (tr, k) -> {
          if (k == EjectionKind.CONSECUTIVE_5XX) {
            crossings.incrementAndGet();
          }
        });
    int threads = 4;
    CountDownLatch done = new CountDownLatch(threads);
    for (int n = 0; n < threads; n++) {
      new Thread(() -> {
        for (int i = 0; i < 5_000; i++) {
          t.response(500);
        }
        done.countDown();
      }).start();
    }
    assertThat(done.await(20, TimeUnit.SECONDS)).isTrue();
    assertThat(t.consecutive5xx()).isEqualTo(20_000);
    assertThat(crossings).hasValue(1);
  }
}
