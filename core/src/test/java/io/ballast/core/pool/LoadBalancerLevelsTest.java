package io.ballast.core.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.core.Backend;
import io.ballast.core.HealthState;
import io.ballast.core.ManualScheduler;
import io.ballast.core.PickContext;
import io.ballast.core.PickResult;
import io.ballast.core.Rng;
import io.ballast.core.health.HealthLevel;
import io.ballast.core.health.HealthPolicy;
import io.ballast.core.health.LevelStatus;
import io.ballast.core.pick.Algorithm;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The multi-level verdict inside a pool, on a manual clock. */
class LoadBalancerLevelsTest {
  private static final int L4 = 0;
  private static final int APP = 1;
  private static final int DEEP = 2;

  private final ManualScheduler scheduler = new ManualScheduler();
  private final List<String> events = new ArrayList<>();
  private final Backend a = new Backend("a", "127.0.0.1", 9001, 1);
  private final Backend b = new Backend("b", "127.0.0.1", 9002, 1);
  private final HealthPolicy policy = new HealthPolicy(List.of(
      new HealthLevel("l4", 1, true, 2, 2),
      new HealthLevel("app", 2, false, 2, 2),
      new HealthLevel("deep", 1, false, 2, 2)), 100, 50);

  private LoadBalancer pool(Duration slowStart) {
    return new LoadBalancer("p", List.of(a, b), Algorithm.WEIGHTED_ROUND_ROBIN,
        HealthSettings.levels(policy, Duration.ofSeconds(10), 0, slowStart),
        scheduler, Rng.seeded(5), new PoolListener() {
          @Override
          public void onHealthChange(LoadBalancer pool, Backend backend, HealthState from,
              HealthState to, String reason) {
            events.add(backend.name() + " " + from + " -> " + to + ": " + reason);
          }
        });
  }

  /** One probe round of {@code level} every second. */
  private void check(LoadBalancer lb, Backend backend, int level, boolean passed, String detail) {
    lb.reportCheck(backend, level, passed, detail);
    scheduler.advance(Duration.ofSeconds(1));
  }

  private static Map<String, Integer> share(LoadBalancer lb, int picks) {
    Map<String, Integer> seen = new TreeMap<>();
    for (int i = 0; i < picks; i++) {
      PickResult r = lb.picker().pick(PickContext.NONE);
      seen.merge(r instanceof PickResult.Picked p ? p.backend().name() : r.toString(), 1,
          Integer::sum);
    }
    return seen;
  }

  @Test
  void aFailingDeepLevelDegradesTheBackendAndScalesItsWeightByThePassingShare() {
    LoadBalancer lb = pool(Duration.ZERO);
    check(lb, b, DEEP, false, "body did not contain 'ok'");
    assertThat(lb.health(b)).isEqualTo(HealthState.HEALTHY); // fall 2: one failure is not enough
    check(lb, b, DEEP, false, "body did not contain 'ok'");
    assertThat(lb.health(b)).isEqualTo(HealthState.DEGRADED);
    assertThat(lb.available(b)).isTrue();
    assertThat(lb.passingPercent(b)).isEqualTo(75);
    assertThat(events).containsExactly("b HEALTHY -> DEGRADED: level deep failing (body did not"
        + " contain 'ok'), down; 3 of 4 check weight up (75%)");
    // a weighs 10, b 10 * 3/4 rounded: 8.
    assertThat(share(lb, 180)).containsOnly(Map.entry("a", 100), Map.entry("b", 80));

    // app down as well: 1 of 4, below 50 %: out.
    check(lb, b, APP, false, "status 500");
    check(lb, b, APP, false, "status 500");
    assertThat(lb.health(b)).isEqualTo(HealthState.UNHEALTHY);
    assertThat(share(lb, 10)).containsOnly(Map.entry("a", 10));

    // app back: degraded again at 3/4.
    check(lb, b, APP, true, "status 200");
    assertThat(lb.health(b)).isEqualTo(HealthState.RECOVERING);
    assertThat(lb.available(b)).isFalse();
    check(lb, b, APP, true, "status 200");
    assertThat(lb.health(b)).isEqualTo(HealthState.DEGRADED);
    assertThat(share(lb, 180)).containsOnly(Map.entry("a", 100), Map.entry("b", 80));

    // deep back: healthy at full weight, and the picker no longer scales.
    check(lb, b, DEEP, true, "status 200");
    check(lb, b, DEEP, true, "status 200");
    assertThat(lb.health(b)).isEqualTo(HealthState.HEALTHY);
    assertThat(lb.passingPercent(b)).isEqualTo(100);
    assertThat(share(lb, 20)).containsOnly(Map.entry("a", 10), Map.entry("b", 10));
    assertThat(events).extracting(e -> e.substring(0, e.indexOf(':'))).containsExactly(
        "b HEALTHY -> DEGRADED", "b DEGRADED -> UNHEALTHY", "b UNHEALTHY -> RECOVERING",
        "b RECOVERING -> DEGRADED", "b DEGRADED -> HEALTHY");
  }

  @Test
  void aCriticalLevelDownTakesTheBackendOutWhateverTheOthersSay() {
    LoadBalancer lb = pool(Duration.ZERO);
    check(lb, a, L4, false, "connect refused");
    check(lb, a, L4, false, "connect refused");
    assertThat(lb.health(a)).isEqualTo(HealthState.UNHEALTHY);
    assertThat(lb.passingPercent(a)).isEqualTo(75);
    assertThat(share(lb, 10)).containsOnly(Map.entry("b", 10));
    // The other levels keep passing: no change until l4 rises.
    check(lb, a, APP, true, "status 200");
    check(lb, a, DEEP, true, "status 200");
    assertThat(lb.health(a)).isEqualTo(HealthState.UNHEALTHY);
    check(lb, a, L4, true, "connected");
    assertThat(lb.health(a)).isEqualTo(HealthState.RECOVERING);
    // A failure while rising starts the climb again.
    check(lb, a, L4, false, "connect refused");
    assertThat(lb.health(a)).isEqualTo(HealthState.UNHEALTHY);
    check(lb, a, L4, true, "connected");
    check(lb, a, L4, true, "connected");
    assertThat(lb.health(a)).isEqualTo(HealthState.HEALTHY);
    assertThat(events).last().asString().isEqualTo("a RECOVERING -> HEALTHY: level l4 passing"
        + " (connected), up; 4 of 4 check weight up (100%)");
  }

  @Test
  void eachLevelKeepsItsOwnStateAndHistory() {
    LoadBalancer lb = pool(Duration.ZERO);
    check(lb, a, APP, true, "status 200");
    check(lb, a, DEEP, false, "status 503");
    List<LevelStatus> levels = lb.levels(a);
    assertThat(levels).extracting(LevelStatus::name).containsExactly("l4", "app", "deep");
    assertThat(levels.get(L4).last()).isNull();
    assertThat(levels.get(APP).up()).isTrue();
    assertThat(levels.get(APP).last().detail()).isEqualTo("status 200");
    assertThat(levels.get(DEEP).up()).isTrue();
    assertThat(levels.get(DEEP).state()).isEqualTo("up, failing 1/2");
    assertThat(levels.get(DEEP).critical()).isFalse();
    assertThat(lb.checkHistory(a)).extracting(c -> c.detail())
        .containsExactly("app: status 200", "deep: status 503");
  }

  @Test
  void aRefusedConnectionTakesEveryLevelDownAndEachMustRise() {
    LoadBalancer lb = pool(Duration.ZERO);
    lb.reportConnectFailure(a, "refused");
    scheduler.runAll();
    assertThat(lb.health(a)).isEqualTo(HealthState.UNHEALTHY);
    assertThat(lb.levels(a)).allMatch(l -> !l.up());
    for (int level : new int[] {L4, APP}) {
      check(lb, a, level, true, "ok");
      check(lb, a, level, true, "ok");
    }
    // l4 and app up, deep still down: 3 of 4, degraded and serving.
    assertThat(lb.health(a)).isEqualTo(HealthState.DEGRADED);
    assertThat(lb.available(a)).isTrue();
  }

  @Test
  void slowStartAndDegradedWeightMultiply() {
    LoadBalancer lb = pool(Duration.ofSeconds(20));
    check(lb, b, L4, false, "connect refused");
    check(lb, b, L4, false, "connect refused");
    check(lb, b, DEEP, false, "status 500");
    check(lb, b, DEEP, false, "status 500");
    check(lb, b, L4, true, "connected");
    check(lb, b, L4, true, "connected"); // back at t=6 s, degraded at 3/4, ramp 1/10
    assertThat(lb.health(b)).isEqualTo(HealthState.DEGRADED);
    // 1/10 * 3/4 of 10 rounds to 1 (never below 1).
    assertThat(share(lb, 110)).containsOnly(Map.entry("a", 100), Map.entry("b", 10));
    scheduler.advance(Duration.ofSeconds(10)); // half way: 5/10 * 3/4 * 10 = 3.75, so 4
    assertThat(share(lb, 140)).containsOnly(Map.entry("a", 100), Map.entry("b", 40));
    scheduler.advance(Duration.ofSeconds(10)); // ramp over: 3/4
    assertThat(share(lb, 180)).containsOnly(Map.entry("a", 100), Map.entry("b", 80));
  }
}
