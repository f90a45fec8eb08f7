package io.ballast.core.outlier;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.core.Backend;
import io.ballast.core.ManualScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class OutlierDetectorTest {
  private static final Duration INTERVAL = Duration.ofSeconds(10);
  private final ManualScheduler scheduler = new ManualScheduler();
  private final List<String> events = new ArrayList<>();
  private final OutlierDetector.Listener recorder = new OutlierDetector.Listener() {
    @Override
    public void onEject(Backend backend, EjectionKind kind, String reason, Duration duration) {
      events.add("eject " + backend.name() + " " + kind.label() + " for " + duration.toSeconds()
          + "s: " + reason);
    }

    @Override
    public void onReturn(Backend backend) {
      events.add("return " + backend.name());
    }

    @Override
    public void onEjectionSkipped(Backend backend, EjectionKind kind, String reason) {
      events.add("skip " + backend.name() + " " + kind.label() + ": " + reason);
    }
  };

  private static List<Backend> pool(int n) {
    return IntStream.range(0, n)
        .mapToObj(i -> new Backend("b" + i, "127.0.0.1", 9000 + i, 1))
        .toList();
  }

  private OutlierDetector start(List<Backend> pool, OutlierSettings settings) {
    return start(pool, settings, b -> true);
  }

  private OutlierDetector start(
      List<Backend> pool, OutlierSettings settings, Predicate<Backend> inService) {
    OutlierDetector d = new OutlierDetector(pool, settings, scheduler, inService, recorder);
    d.start();
    scheduler.runAll();
    return d;
  }

  private static void answer(OutlierDetector d, Backend b, int status, int times) {
    for (int i = 0; i < times; i++) {
      d.tracker(b).response(status);
    }
  }

  /** Only the interval rules, so consecutive runs cannot interfere. */
  private static OutlierSettings intervalRulesOnly() {
    return OutlierSettings.DEFAULTS
        .withConsecutive5xx(OutlierSettings.Consecutive.OFF)
        .withConsecutiveGatewayFailure(OutlierSettings.Consecutive.OFF);
  }

  @Test
  void consecutive5xxEjectsAtTheThresholdAndNotBefore() {
    List<Backend> pool = pool(3);
    OutlierDetector d = start(pool, OutlierSettings.DEFAULTS);
    Backend b = pool.get(1);
    answer(d, b, 500, 4);
    answer(d, b, 200, 1); // the run is broken
    answer(d, b, 500, 4);
    scheduler.runAll();
    assertThat(d.isEjected(b)).isFalse();
    assertThat(events).isEmpty();
    answer(d, b, 500, 1);
    assertThat(d.isEjected(b)).isFalse(); // decided on the control loop, not the event loop
    scheduler.runAll();
    assertThat(d.isEjected(b)).isTrue();
    assertThat(d.ejectedCount()).isEqualTo(1);
    assertThat(events).containsExactly(
        "eject b1 consecutive_5xx for 30s: 5 consecutive 5xx or local-origin failures");
    assertThat(d.status(b).toString()).startsWith("ejected (ejections 1, multiplier 1");
  }

  @Test
  void consecutiveGatewayFailuresAreBrokenByOther5xx() {
    List<Backend> pool = pool(3);
    OutlierDetector d = start(pool,
        OutlierSettings.DEFAULTS.withConsecutive5xx(OutlierSettings.Consecutive.OFF));
    Backend b = pool.get(0);
    answer(d, b, 502, 4);
    answer(d, b, 500, 1);
    answer(d, b, 504, 4);
    scheduler.runAll();
    assertThat(d.isEjected(b)).isFalse();
    d.tracker(b).localOriginFailure(); // refused: a gateway failure unless split
    scheduler.runAll();
    assertThat(events).containsExactly("eject b0 consecutive_gateway_failure for 30s: "
        + "5 consecutive gateway failures (502/503/504, refused, reset, timeout)");
  }

  @Test
  void splitLocalOriginFailuresHaveTheirOwnRun() {
    List<Backend> pool = pool(3);
    OutlierDetector d = start(pool, OutlierSettings.DEFAULTS.withLocalOrigin(
        true, new OutlierSettings.Consecutive(true, 3)));
    Backend b = pool.get(2);
    OutlierTracker t = d.tracker(b);
    t.localOriginFailure();
    t.localOriginFailure();
    t.localOriginSuccess();
    t.localOriginFailure();
    t.localOriginFailure();
    answer(d, b, 503, 4); // answers do not add to the local-origin run
    scheduler.runAll();
    assertThat(d.isEjected(b)).isFalse();
    t.localOriginFailure();
    scheduler.runAll();
    assertThat(events).containsExactly("eject b2 consecutive_local_origin_failure for 30s: "
        + "3 consecutive local-origin failures (refused, reset, timeout)");
  }

  @Test
  void successRateWorkedExampleEjectsOnlyTheOutlier() {
    List<Backend> pool = pool(5);
    OutlierDetector d = start(pool, intervalRulesOnly()
        .withFailurePercentage(OutlierSettings.FailurePercentage.OFF));
    int[] successes = {100, 100, 100, 90, 60};
    for (int i = 0; i < 5; i++) {
      answer(d, pool.get(i), 200, successes[i]);
      answer(d, pool.get(i), 500, 100 - successes[i]);
    }
    scheduler.advance(INTERVAL.minusNanos(1));
    assertThat(events).isEmpty(); // nothing is decided before the interval ends
    scheduler.advance(Duration.ofNanos(1));
    // mean 90, stdev sqrt(240) = 15.49, threshold 90 - 1.9 * 15.49 = 60.57
    assertThat(events).containsExactly("eject b4 success_rate for 30s: success rate 60.0% < "
        + "threshold 60.6% (pool mean 90.0%, stdev 15.5%), 100 requests");
    assertThat(d.status(pool.get(3))).isEqualTo(new OutlierStatus(false, 0, 0, "", 100, 10));
  }

  @Test
  void successRateFiresJustBelowTheThresholdAndNotAbove() {
    List<Backend> pool = pool(5);
    OutlierDetector d = start(pool, intervalRulesOnly()
        .withFailurePercentage(OutlierSettings.FailurePercentage.OFF));
    // 100, 100, 100, 90, 69: threshold 68.92, so 69 % stays in.
    int[] successes = {100, 100, 100, 90, 69};
    for (int i = 0; i < 5; i++) {
      answer(d, pool.get(i), 200, successes[i]);
      answer(d, pool.get(i), 500, 100 - successes[i]);
    }
    scheduler.advance(INTERVAL);
    assertThat(events).isEmpty();
    // 100, 100, 100, 90, 67: threshold 67.08, so 67 % is ejected.
    successes[4] = 67;
    for (int i = 0; i < 5; i++) {
      answer(d, pool.get(i), 200, successes[i]);
      answer(d, pool.get(i), 500, 100 - successes[i]);
    }
    scheduler.advance(INTERVAL);
    assertThat(events).singleElement().asString()
        .startsWith("eject b4 success_rate for 30s: success rate 67.0% < threshold 67.1%");
  }

  @Test
  void successRateNeedsMinimumHostsWithRequestVolume() {
    List<Backend> pool = pool(5);
    OutlierDetector d = start(pool, intervalRulesOnly()
        .withFailurePercentage(OutlierSettings.FailurePercentage.OFF));
    // b0 has 99 outcomes, one short of the volume: only 4 backends qualify, fewer than 5.
    answer(d, pool.get(0), 200, 99);
    for (int i = 1; i < 4; i++) {
      answer(d, pool.get(i), 200, 100);
    }
    answer(d, pool.get(4), 200, 10);
    answer(d, pool.get(4), 500, 90);
    scheduler.advance(INTERVAL);
    assertThat(events).isEmpty();
    answer(d, pool.get(0), 200, 100); // exactly the volume
    for (int i = 1; i < 4; i++) {
      answer(d, pool.get(i), 200, 100);
    }
    answer(d, pool.get(4), 200, 10);
    answer(d, pool.get(4), 500, 90);
    scheduler.advance(INTERVAL);
    assertThat(events).singleElement().asString().startsWith("eject b4 success_rate");
  }

  @Test
  void failurePercentageEjectsAtItsThresholdAndNotBefore() {
    List<Backend> pool = pool(5);
    OutlierDetector d = start(pool, intervalRulesOnly()
        .withSuccessRate(OutlierSettings.SuccessRate.OFF));
    for (int i = 0; i < 4; i++) {
      answer(d, pool.get(i), 200, 100);
    }
    answer(d, pool.get(4), 500, 84);
    answer(d, pool.get(4), 200, 16);
    scheduler.advance(INTERVAL);
    assertThat(events).isEmpty(); // 84 % < 85 %
    for (int i = 0; i < 4; i++) {
      answer(d, pool.get(i), 200, 100);
    }
    answer(d, pool.get(4), 500, 85);
    answer(d, pool.get(4), 200, 15);
    scheduler.advance(INTERVAL);
    assertThat(events).containsExactly("eject b4 failure_percentage for 30s: failure percentage "
        + "85.0% >= threshold 85% (85 of 100 requests failed)");
  }

  @Test
  void failurePercentageIgnoresBackendsBelowTheRequestVolume() {
    List<Backend> pool = pool(3);
    OutlierDetector d = start(pool, intervalRulesOnly()
        .withSuccessRate(OutlierSettings.SuccessRate.OFF)
        .withFailurePercentage(new OutlierSettings.FailurePercentage(true, 85, 1, 50)));
    answer(d, pool.get(0), 500, 49);
    scheduler.advance(INTERVAL);
    assertThat(events).isEmpty();
    answer(d, pool.get(0), 500, 50);
    scheduler.advance(INTERVAL);
    assertThat(events).singleElement().asString().startsWith("eject b0 failure_percentage");
  }

  @Test
  void returnsAutomaticallyAfterTheEjectionTime() {
    List<Backend> pool = pool(3);
    OutlierDetector d = start(pool, OutlierSettings.DEFAULTS);
    Backend b = pool.get(0);
    answer(d, b, 500, 5);
    scheduler.runAll();
    assertThat(d.isEjected(b)).isTrue();
    scheduler.advance(Duration.ofSeconds(30).minusNanos(1));
    assertThat(d.isEjected(b)).isTrue();
    scheduler.advance(Duration.ofNanos(1));
    assertThat(d.isEjected(b)).isFalse();
    assertThat(d.ejectedCount()).isZero();
    assertThat(events).last().isEqualTo("return b0");
  }

  @Test
  void ejectionTimeGrowsWithRepeatsUpToTheMaximum() {
    List<Backend> pool = pool(3);
    OutlierDetector d = start(pool, OutlierSettings.DEFAULTS
        .withEjectionTimes(Duration.ofSeconds(30), Duration.ofSeconds(70)));
    Backend b = pool.get(0);
    List<Long> durations = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      answer(d, b, 500, 5);
      scheduler.runAll();
      assertThat(d.isEjected(b)).isTrue();
      String last = events.get(events.size() - 1);
      durations.add(Long.parseLong(last.replaceAll(".* for (\\d+)s:.*", "$1")));
      scheduler.advance(Duration.ofSeconds(durations.get(i)));
      assertThat(d.isEjected(b)).isFalse();
    }
    assertThat(durations).containsExactly(30L, 60L, 70L, 70L);
    assertThat(d.status(b).ejections()).isEqualTo(4);
    assertThat(d.status(b).multiplier()).isEqualTo(3); // stops rising once the cap is reached
  }

  @Test
  void multiplierDecaysWhileTheBackendStaysIn() {
    List<Backend> pool = pool(3);
    OutlierDetector d = start(pool, OutlierSettings.DEFAULTS);
    Backend b = pool.get(0);
    // Two ejections in a row: 30 s then 60 s, multiplier 2. The interval ticks at 10 s, 20 s, ...
    answer(d, b, 500, 5);
    scheduler.runAll();
    scheduler.advance(Duration.ofSeconds(30));
    answer(d, b, 500, 5);
    scheduler.runAll();
    scheduler.advance(Duration.ofSeconds(60));
    assertThat(d.isEjected(b)).isFalse(); // back at t = 90 s
    assertThat(d.status(b).multiplier()).isEqualTo(2);
    // It must stay in 60 s (as long as the last ejection) before the first step down, at the
    // first interval tick at or after t = 150 s; then one step per interval.
    scheduler.advance(Duration.ofSeconds(59));
    assertThat(d.status(b).multiplier()).isEqualTo(2);
    scheduler.advance(Duration.ofSeconds(1)); // t = 150 s, a tick
    assertThat(d.status(b).multiplier()).isEqualTo(1);
    scheduler.advance(INTERVAL); // 160 s: 70 s in >= 30 s
    assertThat(d.status(b).multiplier()).isZero();
    // Decayed fully: the next ejection is a first one again.
    answer(d, b, 500, 5);
    scheduler.runAll();
    assertThat(events).last().asString().contains("for 30s");
  }

  @Test
  void smallPoolsEjectTheirSingleBadBackend() {
    for (int size : new int[] {2, 3, 5, 9}) {
      events.clear();
      List<Backend> pool = pool(size);
      OutlierDetector d = start(pool, OutlierSettings.DEFAULTS); // 10 % cap
      answer(d, pool.get(size - 1), 500, 5);
      scheduler.runAll();
      assertThat(d.isEjected(pool.get(size - 1))).as("pool of %d", size).isTrue();
      assertThat(events).as("pool of %d", size).singleElement().asString().startsWith("eject");
      d.close();
      scheduler.runAll();
    }
  }

  @Test
  void neverEjectsTheLastBackendOfAPool() {
    List<Backend> pool = pool(2);
    OutlierDetector d = start(pool, OutlierSettings.DEFAULTS.withMaxEjectionPercent(100));
    answer(d, pool.get(0), 500, 5);
    answer(d, pool.get(1), 500, 5);
    scheduler.runAll();
    assertThat(d.isEjected(pool.get(0))).isTrue();
    assertThat(d.isEjected(pool.get(1))).isFalse();
    assertThat(events).containsExactly(
        "eject b0 consecutive_5xx for 30s: 5 consecutive 5xx or local-origin failures",
        "skip b1 consecutive_5xx: 5 consecutive 5xx or local-origin failures; kept in: "
            + "1 of 2 backends already ejected (max 1)");
  }

  @Test
  void neverEjectsTheLastBackendStillInService() {
    List<Backend> pool = pool(3);
    Set<Backend> down = new HashSet<>(List.of(pool.get(0), pool.get(1)));
    OutlierDetector d = start(pool, OutlierSettings.DEFAULTS.withMaxEjectionPercent(100),
        b -> !down.contains(b));
    answer(d, pool.get(2), 500, 5);
    scheduler.runAll();
    assertThat(d.isEjected(pool.get(2))).isFalse();
    assertThat(events).containsExactly("skip b2 consecutive_5xx: 5 consecutive 5xx or "
        + "local-origin failures; kept in: no other backend of the pool is in service");
    down.remove(pool.get(0)); // b0 is back: b2 may go once its next run is complete
    answer(d, pool.get(2), 500, 5);
    scheduler.runAll();
    assertThat(d.isEjected(pool.get(2))).isTrue();
  }

  @Test
  void largePoolCapsEjectionsAtItsShareAndEjectsTheWorstFirst() {
    List<Backend> pool = pool(20);
    OutlierDetector d = start(pool, intervalRulesOnly()
        .withSuccessRate(OutlierSettings.SuccessRate.OFF));
    assertThat(d.maxEjected()).isEqualTo(2);
    for (int i = 0; i < 20; i++) {
      // b0..b4 fail 86, 87, 88, 89 and 90 %; the rest never fail.
      int failed = i < 5 ? 86 + i : 0;
      answer(d, pool.get(i), 500, failed);
      answer(d, pool.get(i), 200, 100 - failed);
    }
    scheduler.advance(INTERVAL);
    assertThat(d.ejectedCount()).isEqualTo(2);
    assertThat(d.isEjected(pool.get(4))).isTrue();
    assertThat(d.isEjected(pool.get(3))).isTrue();
    assertThat(events.stream().filter(e -> e.startsWith("skip"))).hasSize(3);
    // More consecutive failures elsewhere cannot pass the cap either.
    answer(d, pool.get(10), 500, 5);
    scheduler.runAll();
    assertThat(d.isEjected(pool.get(10))).isFalse();
    assertThat(d.ejectedCount()).isEqualTo(2);
  }

  @Test
  void ejectedBackendsAreLeftOutOfThePoolStatistics() {
    List<Backend> pool = pool(6);
    OutlierDetector d = start(pool, OutlierSettings.DEFAULTS.withMaxEjectionPercent(50)
        .withFailurePercentage(OutlierSettings.FailurePercentage.OFF));
    answer(d, pool.get(5), 500, 5); // b5 ejected by consecutive 5xx
    scheduler.runAll();
    // Its late answers (requests already in flight) arrive while it is out.
    answer(d, pool.get(5), 500, 200);
    for (int i = 0; i < 5; i++) {
      answer(d, pool.get(i), 200, 100);
    }
    scheduler.advance(INTERVAL);
    // Five equal backends in the statistics: no spread, no further ejection.
    assertThat(d.ejectedCount()).isEqualTo(1);
    assertThat(events).hasSize(1);
  }

  @Test
  void splitModeJudgesLocalOriginCountsOnTheirOwn() {
    List<Backend> pool = pool(5);
    OutlierDetector d = start(pool, intervalRulesOnly()
        .withSuccessRate(OutlierSettings.SuccessRate.OFF)
        .withLocalOrigin(true, OutlierSettings.Consecutive.OFF));
    for (int i = 0; i < 5; i++) {
      OutlierTracker t = d.tracker(pool.get(i));
      for (int n = 0; n < 100; n++) {
        // b0 cannot be reached 90 times in 100; its few answers are all fine.
        if (i == 0 && n < 90) {
          t.localOriginFailure();
        } else {
          t.localOriginSuccess();
          t.response(200);
        }
      }
    }
    scheduler.advance(INTERVAL);
    // b0 answered only 10 requests, below the volume of 50: judged on its connections alone.
    assertThat(events).containsExactly("eject b0 local_origin_failure_percentage for 30s: "
        + "local-origin failure percentage 90.0% >= threshold 85% (90 of 100 requests failed)");
  }

  @Test
  void closeStopsDecisions() {
    List<Backend> pool = pool(3);
    OutlierDetector d = start(pool, OutlierSettings.DEFAULTS);
    d.close();
    scheduler.runAll();
    answer(d, pool.get(0), 500, 5);
    scheduler.advance(INTERVAL.multipliedBy(3));
    assertThat(d.isEjected(pool.get(0))).isFalse();
    assertThat(events).isEmpty();
  }
}
