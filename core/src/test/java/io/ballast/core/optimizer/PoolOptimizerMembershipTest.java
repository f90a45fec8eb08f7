package io.ballast.core.optimizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.core.Backend;
import io.ballast.core.ManualScheduler;
import io.ballast.core.Rng;
import io.ballast.core.decision.Decision;
import io.ballast.core.decision.DecisionLog;
import io.ballast.core.pick.Algorithm;
import io.ballast.core.pool.HealthSettings;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.pool.Member;
import io.ballast.core.pool.PoolListener;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The weight controller over a pool whose members change. */
class PoolOptimizerMembershipTest {
  private final ManualScheduler scheduler = new ManualScheduler();
  private final Backend a = new Backend("a", "127.0.0.1", 9001, 1);
  private final Backend b = new Backend("b", "127.0.0.1", 9002, 1);
  private final DecisionLog log = new DecisionLog();

  private LoadBalancer pool(PoolOptimizer[] optimizer) {
    return new LoadBalancer("p", List.of(a, b), Algorithm.WEIGHTED_ROUND_ROBIN,
        HealthSettings.PASSIVE_ONLY, scheduler, Rng.seeded(1),
        new PoolListener() {
          @Override
          public void onWarmupStart(LoadBalancer pool, Backend backend) {
            optimizer[0].onWarmupStart(pool, backend);
          }
        });
  }

  @Test
  void aJoiningBackendIsControlledFromOneHundredPercentAndALeavingOneForgotten() {
    PoolOptimizer[] holder = new PoolOptimizer[1];
    LoadBalancer lb = pool(holder);
    PoolOptimizer optimizer = new PoolOptimizer(lb, WeightControlSettings.DEFAULTS, log);
    holder[0] = optimizer;
    optimizer.start(scheduler);
    scheduler.runAll();
    lb.roster().add(new Member("c", "127.0.0.1", 9003, 1), "scale out");
    lb.roster().remove("b", "scale in");
    scheduler.advance(WeightControlSettings.DEFAULTS.interval());
    Backend c = lb.backend("c");
    assertThat(optimizer.lastStats()).containsOnlyKeys(a, c);
    assertThat(optimizer.controller().holds(c)).isTrue();
    assertThat(optimizer.controller().percent(c)).isEqualTo(100);
    assertThat(optimizer.controller().holds(b)).isFalse();
  }

  @Test
  void aJoiningBackendWarmsUpByFeedbackLikeAReturningOne() {
    PoolOptimizer[] holder = new PoolOptimizer[1];
    LoadBalancer lb = pool(holder);
    WeightControlSettings settings = WeightControlSettings.builder()
        .warmup(WeightControlSettings.Warmup.DEFAULT).build();
    PoolOptimizer optimizer = new PoolOptimizer(lb, settings, log);
    holder[0] = optimizer;
    optimizer.start(scheduler);
    scheduler.runAll();
    lb.roster().add(new Member("c", "127.0.0.1", 9003, 1), "scale out");
    scheduler.runAll();
    Backend c = lb.backend("c");
    assertThat(lb.weightPercent(c)).isEqualTo(10);
    assertThat(optimizer.controller().warming(c)).isTrue();
    assertThat(log.snapshot()).extracting(Decision::kind).containsExactly(Decision.Kind.WARMUP);
    // Nothing fails while it warms up with too few requests to judge: it grows a step.
    scheduler.advance(settings.interval());
    assertThat(lb.weightPercent(c)).isEqualTo(20);
  }

  @Test
  void costsAreKeptByNameForBackendsThatJoinLater() {
    WeightController controller = new WeightController("p", List.of(a),
        WeightControlSettings.DEFAULTS, Map.of(a, 2.0));
    assertThat(controller.cost(a)).isEqualTo(2.0);
    controller.setCosts(Map.of("a", 3.0, "c", 0.5));
    Backend c = new Backend("c", "127.0.0.1", 9003, 1);
    Backend c2 = new Backend("c", "127.0.0.2", 9003, 1);
    controller.add(c);
    assertThat(controller.cost(a)).isEqualTo(3.0);
    assertThat(controller.cost(c)).isEqualTo(0.5);
    controller.remove(c);
    controller.add(c2); // the same name at another address keeps the cost
    assertThat(controller.cost(c2)).isEqualTo(0.5);
    controller.add(b);
    assertThat(controller.cost(b)).isEqualTo(1.0);
    assertThatThrownBy(() -> controller.setCosts(Map.of("a", -1.0)))
        .hasMessage("cost of a: -1.0 (expected: a finite number > 0)");
  }
}
