package io.ballast.core.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.core.AdminState;
import io.ballast.core.Backend;
import io.ballast.core.ManualScheduler;
import io.ballast.core.Rng;
import io.ballast.core.pick.Algorithm;
import io.ballast.core.pool.HealthSettings;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.pool.Member;
import io.ballast.core.pool.PoolListener;
import io.ballast.core.signal.AgentReplyFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The agent applier over a pool whose members change. */
class AgentApplierMembershipTest {
  private final ManualScheduler scheduler = new ManualScheduler();
  private final Backend a = new Backend("a", "127.0.0.1", 9001, 2);
  private final LoadBalancer pool = new LoadBalancer("p", List.of(a),
      Algorithm.WEIGHTED_ROUND_ROBIN, HealthSettings.PASSIVE_ONLY, scheduler,
      Rng.seeded(1), PoolListener.NONE);
  private final AgentApplier applier = new AgentApplier(pool, true);

  private void reply(Backend backend, String line) {
    applier.accept(backend, AgentReplyFormat.parse(line), scheduler.ticker().nanos());
    scheduler.runAll();
  }

  @Test
  void aJoiningBackendsAgentIsHeardAndAStrangersRefused() {
    pool.roster().add(new Member("c", "127.0.0.1", 9003, 2), "scale out");
    scheduler.runAll();
    Backend c = pool.backend("c");
    reply(c, "50% drain");
    assertThat(pool.adminState(c)).isEqualTo(AdminState.DRAINING);
    assertThat(pool.weightPercent(c)).isEqualTo(50);
    reply(c, "ready");
    assertThat(pool.adminState(c)).isEqualTo(AdminState.ACTIVE);
    Backend stranger = new Backend("x", "127.0.0.1", 9009, 1);
    assertThatThrownBy(() -> reply(stranger, "up"))
        .hasMessage("backend x is not in pool p");
  }

  @Test
  void aBackendDrainingOutIsStillHeardUntilItIsForgotten() {
    reply(a, "drain");
    pool.roster().remove("a", "scale in");
    scheduler.runAll();
    reply(a, "ready");
    assertThat(pool.adminState(a)).isEqualTo(AdminState.ACTIVE);
    applier.forget(a);
  }
}
