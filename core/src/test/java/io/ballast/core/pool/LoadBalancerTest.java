package io.ballast.core.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.core.AdminState;
import io.ballast.core.Backend;
import io.ballast.core.HealthState;
import io.ballast.core.ManualScheduler;
import io.ballast.core.PickContext;
import io.ballast.core.PickResult;
import io.ballast.core.Picker;
import io.ballast.core.Rng;
import io.ballast.core.pick.Algorithm;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LoadBalancerTest {
  private final ManualScheduler scheduler = new ManualScheduler();
  private final List<String> events = new ArrayList<>();
  private final Backend a = new Backend("a", "127.0.0.1", 9001, 1);
  private final Backend b = new Backend("b", "127.0.0.1", 9002, 1);

  private final PoolListener listener = new PoolListener() {
    @Override
    public void onHealthChange(LoadBalancer pool, Backend backend, HealthState from, HealthState to,
        String reason) {
      events.add(backend.name() + " " + from + "->" + to);
    }

    @Override
    public void onAdminChange(LoadBalancer pool, Backend backend, AdminState from, AdminState to,
        String reason) {
      events.add(backend.name() + " " + from + "->" + to);
    }
  };

  private LoadBalancer pool(HealthSettings health) {
    return new LoadBalancer("p", List.of(a, b), Algorithm.ROUND_ROBIN, health, scheduler,
        Rng.seeded(1), listener);
  }

  private static String pickName(LoadBalancer lb) {
    PickResult r = lb.picker().pick(PickContext.NONE);
    return r instanceof PickResult.Picked p ? p.backend().name() : r.toString();
  }

  @Test
  void connectFailureTakesTheBackendOutAndPassiveModeBringsItBack() {
    LoadBalancer lb = pool(HealthSettings.PASSIVE_ONLY);
    lb.reportConnectFailure(a, "refused");
    scheduler.runAll();
    assertThat(lb.available(a)).isFalse();
    assertThat(events).containsExactly("a HEALTHY->UNHEALTHY");
    for (int i = 0; i < 10; i++) {
      assertThat(pickName(lb)).isEqualTo("b");
    }
    scheduler.advance(Duration.ofSeconds(9));
    assertThat(lb.available(a)).isFalse();
    scheduler.advance(Duration.ofSeconds(1));
    assertThat(lb.available(a)).isTrue();
    assertThat(events).containsExactly("a HEALTHY->UNHEALTHY", "a UNHEALTHY->HEALTHY");
  }

  @Test
  void withActiveChecksABackendNeedsRiseSuccessesToReturn() {
    LoadBalancer lb = pool(new HealthSettings(2, 2, true, Duration.ofSeconds(1)));
    lb.reportConnectFailure(a, "refused");
    scheduler.advance(Duration.ofMinutes(1));
    assertThat(lb.available(a)).isFalse();
    lb.reportCheck(a, true, "status 200");
    scheduler.runAll();
    assertThat(lb.health(a)).isEqualTo(HealthState.RECOVERING);
    lb.reportCheck(a, true, "status 200");
    scheduler.runAll();
    assertThat(lb.health(a)).isEqualTo(HealthState.HEALTHY);
    assertThat(lb.available(a)).isTrue();
  }

  @Test
  void allDownGivesNoneAvailableAndDrainTakesABackendOut() {
    LoadBalancer lb = pool(new HealthSettings(1, 1, true, Duration.ofSeconds(1)));
    lb.setAdminState(b, AdminState.DRAINING, "operator");
    scheduler.runAll();
    assertThat(pickName(lb)).isEqualTo("a");
    assertThat(pickName(lb)).isEqualTo("a");
    lb.reportCheck(a, false, "status 500");
    scheduler.runAll();
    assertThat(lb.picker().pick(PickContext.NONE)).isSameAs(PickResult.NoBackend.NONE_AVAILABLE);
    lb.setAdminState(b, AdminState.ACTIVE, "operator");
    scheduler.runAll();
    assertThat(pickName(lb)).isEqualTo("b");
  }

  @Test
  void anUnchangedPoolKeepsItsPicker() {
    LoadBalancer lb = pool(new HealthSettings(1, 3, true, Duration.ofSeconds(1)));
    Picker before = lb.picker();
    lb.reportCheck(a, false, "status 500"); // 1 of 3: still healthy
    lb.reportCheck(a, true, "status 200");
    scheduler.runAll();
    assertThat(lb.picker()).isSameAs(before);
  }

  @Test
  void emptyPoolSaysSo() {
    LoadBalancer lb = new LoadBalancer("p", List.of(), Algorithm.ROUND_ROBIN,
        HealthSettings.PASSIVE_ONLY, scheduler, Rng.seeded(1), listener);
    assertThat(lb.picker().pick(PickContext.NONE)).isSameAs(PickResult.NoBackend.EMPTY_POOL);
  }

  @Test
  void roundRobinStaysFairWhileBackendsComeAndGo() {
    List<Backend> four = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      four.add(new Backend("r" + i, "127.0.0.1", 9100 + i, 1));
    }
    // Panic mode off: this test is about rotation over exactly the healthy backends.
    LoadBalancer lb = new LoadBalancer("rr", four, Algorithm.ROUND_ROBIN,
        new HealthSettings(1, 1, true, Duration.ofSeconds(1), 0, Duration.ZERO),
        scheduler,
        Rng.seeded(7), PoolListener.NONE);
    Rng rng = Rng.seeded(11);
    int changes = 0;
    for (int step = 0; step < 200; step++) {
      // Flip one backend in or out (never the last one in).
      Backend flip = four.get(rng.nextInt(4));
      boolean up = lb.available(flip);
      long upCount = four.stream().filter(lb::available).count();
      if (!up || upCount > 1) {
        lb.reportCheck(flip, !up, up ? "down" : "up");
        scheduler.runAll();
        changes++;
      }
      List<String> available = four.stream().filter(lb::available).map(Backend::name).toList();
      // Any run of n consecutive picks over n available backends visits each exactly once.
      List<String> round = new ArrayList<>();
      for (int i = 0; i < available.size(); i++) {
        round.add(pickName(lb));
      }
      assertThat(round).containsExactlyInAnyOrderElementsOf(available);
    }
    assertThat(changes).isGreaterThan(50);
  }

  private static java.util.Map<String, Integer> share(LoadBalancer lb, int picks) {
    java.util.Map<String, Integer> seen = new java.util.TreeMap<>();
    for (int i = 0; i < picks; i++) {
      seen.merge(pickName(lb), 1, Integer::sum);
    }
    return seen;
  }

  @Test
  void panicFromOpenCircuitsDoesNotBringBackAnEjectedBackend() {
    Backend c = new Backend("c", "127.0.0.1", 9003, 1);
    LoadBalancer lb = new LoadBalancer("p", List.of(a, b, c), Algorithm.ROUND_ROBIN,
        HealthSettings.PASSIVE_ONLY, scheduler, Rng.seeded(1), listener);
    lb.setEjected(c, true, "test");
    scheduler.runAll();
    assertThat(lb.panic()).isFalse();
    lb.setCircuitOpen(a, true);
    lb.setCircuitOpen(b, true);
    scheduler.runAll();
    assertThat(lb.panic()).isTrue();
    assertThat(share(lb, 100)).containsOnlyKeys("a", "b");
    // With nothing but ejected backends left, the pool still serves.
    lb.setAdminState(a, AdminState.MAINTENANCE, "test");
    lb.setAdminState(b, AdminState.MAINTENANCE, "test");
    scheduler.runAll();
    assertThat(share(lb, 10)).containsOnlyKeys("c");
  }

  @Test
  void panicModeBalancesOverTheWholePoolWhenTooFewAreHealthy() {
    List<Backend> four = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      four.add(new Backend("p" + i, "127.0.0.1", 9200 + i, 1));
    }
    List<String> panics = new ArrayList<>();
    LoadBalancer lb = new LoadBalancer("p", four, Algorithm.ROUND_ROBIN,
        new HealthSettings(1, 1, true, Duration.ofSeconds(1)), scheduler,
        Rng.seeded(3), new PoolListener() {
          @Override
          public void onPanic(LoadBalancer pool, boolean panic, String reason) {
            panics.add(panic + ": " + reason);
          }
        });
    lb.reportCheck(four.get(0), false, "down");
    lb.reportCheck(four.get(1), false, "down");
    scheduler.runAll();
    // 2 of 4 healthy is not below 50 %: only the healthy two take traffic.
    assertThat(share(lb, 40)).containsOnlyKeys("p2", "p3");
    assertThat(lb.panic()).isFalse();

    lb.reportCheck(four.get(2), false, "down");
    scheduler.runAll();
    assertThat(lb.panic()).isTrue();
    assertThat(share(lb, 40)).containsOnly(
        Map.entry("p0", 10), Map.entry("p1", 10), Map.entry("p2", 10), Map.entry("p3", 10));
    assertThat(panics).containsExactly(
        "true: 1 of 4 active backends available (below 50%): balancing over all of them");

    // None healthy: no panic, the pool answers at once.
    lb.reportCheck(four.get(3), false, "down");
    scheduler.runAll();
    assertThat(lb.picker().pick(PickContext.NONE)).isSameAs(PickResult.NoBackend.NONE_AVAILABLE);

    lb.reportCheck(four.get(0), true, "up");
    lb.reportCheck(four.get(1), true, "up");
    scheduler.runAll();
    assertThat(lb.panic()).isFalse();
    assertThat(share(lb, 40)).containsOnlyKeys("p0", "p1");
    assertThat(panics).last().asString().startsWith("false: 2 of 4 active backends available");
  }

  @Test
  void slowStartRampsAReturningBackendsWeight() {
    LoadBalancer lb = new LoadBalancer("s", List.of(a, b), Algorithm.WEIGHTED_ROUND_ROBIN,
        new HealthSettings(1, 1, true, Duration.ofSeconds(1), 50,
            Duration.ofSeconds(10)), scheduler, Rng.seeded(3), PoolListener.NONE);
    assertThat(share(lb, 20)).containsOnly(Map.entry("a", 10), Map.entry("b", 10));
    lb.reportCheck(b, false, "down");
    scheduler.runAll();
    lb.reportCheck(b, true, "up");
    scheduler.runAll();
    // Just back: 1/10 of its weight, scaled: a 10, b 1.
    assertThat(share(lb, 110)).containsOnly(Map.entry("a", 100), Map.entry("b", 10));
    scheduler.advance(Duration.ofSeconds(5));
    // Half way: a 10, b 5.
    assertThat(share(lb, 150)).containsOnly(Map.entry("a", 100), Map.entry("b", 50));
    scheduler.advance(Duration.ofSeconds(5));
    // Done: back to the configured weights.
    assertThat(share(lb, 20)).containsOnly(Map.entry("a", 10), Map.entry("b", 10));
  }

  @Test
  void keepsTheLastTenCheckResultsOldestFirst() {
    LoadBalancer lb = pool(new HealthSettings(1, 1, true, Duration.ofSeconds(1)));
    for (int i = 0; i < 13; i++) {
      lb.reportCheck(a, i % 2 == 0, "probe " + i);
      scheduler.advance(Duration.ofMillis(100));
    }
    var history = lb.checkHistory(a);
    assertThat(history).hasSize(LoadBalancer.CHECK_HISTORY);
    assertThat(history).extracting(io.ballast.core.health.CheckRecord::detail)
        .containsExactly("probe 3", "probe 4", "probe 5", "probe 6", "probe 7", "probe 8",
            "probe 9", "probe 10", "probe 11", "probe 12");
    assertThat(history.get(9).passed()).isTrue();
    assertThat(lb.nowNanos() - history.get(9).atNanos()).isEqualTo(Duration.ofMillis(100).toNanos());
    assertThat(lb.checkHistory(b)).isEmpty();
  }
}
