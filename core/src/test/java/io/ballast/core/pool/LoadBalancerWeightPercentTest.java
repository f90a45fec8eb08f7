package io.ballast.core.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.core.Backend;
import io.ballast.core.ManualScheduler;
import io.ballast.core.PickContext;
import io.ballast.core.PickResult;
import io.ballast.core.Rng;
import io.ballast.core.pick.Algorithm;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LoadBalancerWeightPercentTest {
  private final ManualScheduler scheduler = new ManualScheduler();
  private final Backend a = new Backend("a", "127.0.0.1", 9001, 1);
  private final Backend b = new Backend("b", "127.0.0.1", 9002, 1);
  private final List<String> warmups = new ArrayList<>();

  private LoadBalancer pool() {
    return new LoadBalancer("p", List.of(a, b), Algorithm.WEIGHTED_ROUND_ROBIN,
        new HealthSettings(1, 1, true, Duration.ofSeconds(1)), scheduler,
        Rng.seeded(1), new PoolListener() {
          @Override
          public void onWarmupStart(LoadBalancer pool, Backend backend) {
            warmups.add(backend.name());
          }
        });
  }

  private static Map<String, Integer> shares(LoadBalancer lb, int picks) {
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < picks; i++) {
      PickResult r = lb.picker().pick(PickContext.NONE);
      counts.merge(((PickResult.Picked) r).backend().name(), 1, Integer::sum);
    }
    return counts;
  }

  @Test
  void weightPercentagesScaleTheEffectiveWeightsAndTheShares() {
    LoadBalancer lb = pool();
    scheduler.runAll();
    assertThat(lb.effectiveWeight(a)).isEqualTo(1);
    lb.setWeightPercents(Map.of(a, 60, b, 100));
    scheduler.runAll();
    assertThat(lb.weightPercent(a)).isEqualTo(60);
    assertThat(lb.effectiveWeight(a)).isEqualTo(60);
    assertThat(lb.effectiveWeight(b)).isEqualTo(100);
    assertThat(shares(lb, 1600)).containsEntry("a", 600).containsEntry("b", 1000);
    lb.setWeightPercents(Map.of(a, 100));
    scheduler.runAll();
    assertThat(lb.effectiveWeight(a)).isEqualTo(1);
  }

  @Test
  void outOfRangePercentagesAreRefusedWithTheBackendsName() {
    LoadBalancer lb = pool();
    assertThatThrownBy(() -> lb.setWeightPercents(Map.of(a, 0)))
        .hasMessage("weight percent of a: 0 (expected: 1..1000)");
  }

  @Test
  void feedbackWarmupStartsAReturningBackendLowAndTellsTheListener() {
    LoadBalancer lb = pool();
    lb.useFeedbackWarmup(10);
    lb.reportConnectFailure(a, "refused");
    scheduler.runAll();
    assertThat(lb.effectiveWeight(a)).isZero();
    lb.reportCheck(a, true, "status 200");
    scheduler.runAll();
    assertThat(warmups).containsExactly("a");
    assertThat(lb.weightPercent(a)).isEqualTo(10);
    assertThat(lb.effectiveWeight(a)).isEqualTo(10);
    assertThat(lb.effectiveWeight(b)).isEqualTo(100);
  }
}
