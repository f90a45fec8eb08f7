package io.ballast.core.affinity;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.core.Backend;
import io.ballast.core.ManualScheduler;
import io.ballast.core.PickContext;
import io.ballast.core.PickResult;
import io.ballast.core.Rng;
import io.ballast.core.decision.DecisionLog;
import io.ballast.core.pick.Algorithm;
import io.ballast.core.pool.HealthSettings;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.pool.Member;
import io.ballast.core.pool.PoolListener;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Session affinity and its rebalancer over a pool whose members change. */
class AffinityMembershipTest {
  private final ManualScheduler scheduler = new ManualScheduler();
  private final Backend a = new Backend("a", "127.0.0.1", 9001, 1);
  private final Backend b = new Backend("b", "127.0.0.1", 9002, 1);
  private final LoadBalancer lb = new LoadBalancer("api", List.of(a, b), Algorithm.ROUND_ROBIN,
      HealthSettings.PASSIVE_ONLY, scheduler, Rng.seeded(3),
      PoolListener.NONE);

  private static Backend picked(PickResult r) {
    assertThat(r).isInstanceOf(PickResult.Picked.class);
    return ((PickResult.Picked) r).backend();
  }

  @Test
  void aSessionPinnedToARemovedBackendMovesWhenSoftAndIsRefusedWhenStrict() {
    SessionAffinity affinity = new SessionAffinity(lb, AffinitySettings.DEFAULTS, null);
    lb.roster().remove("b", "scale in");
    scheduler.runAll();
    // Draining: not a member any more, so the pin is lost.
    assertThat(lb.removing(b)).isTrue();
    assertThat(affinity.backend("b")).isNull();
    assertThat(picked(affinity.pick(PickContext.NONE, b, 7, false))).isSameAs(a);
    assertThat(affinity.pick(PickContext.NONE, b, 7, true))
        .isSameAs(PickResult.NoBackend.PINNED_UNAVAILABLE);
    assertThat(affinity.counters().moved()).isEqualTo(1);
    assertThat(affinity.counters().refused()).isEqualTo(1);
  }

  @Test
  void aJoiningBackendIsFoundByNameAndTakesNewSessions() {
    SessionAffinity affinity = new SessionAffinity(lb, AffinitySettings.DEFAULTS, null);
    lb.roster().add(new Member("c", "127.0.0.1", 9003, 1), "scale out");
    scheduler.runAll();
    Backend c = affinity.backend("c");
    assertThat(c).isSameAs(lb.backend("c"));
    assertThat(picked(affinity.pick(PickContext.NONE, c, 1, true))).isSameAs(c);
    // New sessions: a and b carry 3 requests each, c none. The bound is
    // ceil(1.25 x 7 / 3) = 3, which a and b would exceed: the new session goes to c.
    for (Backend x : List.of(a, a, a, b, b, b)) {
      x.load().start();
    }
    assertThat(picked(affinity.pick(PickContext.NONE, null, 2, false))).isSameAs(c);
  }

  @Test
  void theRebalancerSamplesJoiningBackendsAndForgetsLeavingOnes() {
    SessionRebalancer r =
        new SessionRebalancer(lb, AffinitySettings.Rebalance.DEFAULTS, scheduler,
            new DecisionLog());
    r.start();
    scheduler.runAll();
    lb.roster().add(new Member("c", "127.0.0.1", 9003, 1), "scale out");
    scheduler.runAll();
    Backend c = lb.backend("c");
    for (int i = 0; i < 8; i++) {
      c.load().start();
    }
    a.load().start();
    a.load().start();
    b.load().start();
    b.load().start();
    // c runs at 2x the average from its first sample: after 30 s it sheds 5%.
    scheduler.advance(Duration.ofSeconds(30));
    assertThat(r.share(c)).isEqualTo(0.05);
    assertThat(r.shares()).containsExactly(Map.entry("a", 0.0), Map.entry("b", 0.0),
        Map.entry("c", 0.05));
    lb.roster().remove("c", "scale in");
    scheduler.advance(Duration.ofSeconds(1));
    assertThat(r.share(c)).isZero();
    assertThat(r.shed(c, 1)).isFalse();
    assertThat(r.shares()).containsOnlyKeys("a", "b");
  }
}
