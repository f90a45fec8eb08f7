package io.ballast.core.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.core.AdminState;
import io.ballast.core.Backend;
import io.ballast.core.HealthState;
import io.ballast.core.ManualScheduler;
import io.ballast.core.Rng;
import io.ballast.core.pick.Algorithm;
import io.ballast.core.pool.HealthSettings;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.pool.PoolListener;
import io.ballast.core.signal.AgentReplyFormat;
import io.ballast.core.signal.SignalSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AgentApplierTest {
  private final ManualScheduler scheduler = new ManualScheduler();
  private final Backend a = new Backend("a", "127.0.0.1", 9001, 2);
  private final Backend b = new Backend("b", "127.0.0.1", 9002, 2);
  private final List<String> changes = new ArrayList<>();
  private final LoadBalancer pool = new LoadBalancer("p", List.of(a, b),
      Algorithm.WEIGHTED_ROUND_ROBIN,
      new HealthSettings(1, 1, true, Duration.ofSeconds(1)), scheduler,
      Rng.seeded(1), new PoolListener() {
        @Override
        public void onAdminChange(LoadBalancer p, Backend x, AdminState from, AdminState to,
            String reason) {
          changes.add(x.name() + " " + from + "->" + to + ": " + reason);
        }

        @Override
        public void onHealthChange(LoadBalancer p, Backend x, HealthState from, HealthState to,
            String reason) {
          changes.add(x.name() + " " + from + "->" + to + ": " + reason);
        }
      });

  private void reply(AgentApplier applier, Backend backend, String line) {
    applier.accept(backend, AgentReplyFormat.parse(line), scheduler.ticker().nanos());
    scheduler.runAll();
  }

  @Test
  void drainAndReadyMoveTheAdminStateAndWeightsApply() {
    AgentApplier applier = new AgentApplier(pool, true);
    reply(applier, a, "50% drain cpu=0.8");
    assertThat(pool.adminState(a)).isEqualTo(AdminState.DRAINING);
    assertThat(pool.weightPercent(a)).isEqualTo(50);
    assertThat(a.signals().latest(SignalSource.AGENT).figures()).containsEntry("cpu", 0.8);
    reply(applier, a, "50% drain");
    reply(applier, a, "ready");
    assertThat(pool.adminState(a)).isEqualTo(AdminState.ACTIVE);
    assertThat(changes).containsExactly("a ACTIVE->DRAINING: agent: drain",
        "a DRAINING->ACTIVE: agent: ready");
    reply(applier, a, "maint");
    assertThat(pool.adminState(a)).isEqualTo(AdminState.MAINTENANCE);
  }

  @Test
  void theOperatorsStateIsNeverUndoneByTheAgent() {
    AgentApplier applier = new AgentApplier(pool, true);
    pool.setAdminState(a, AdminState.MAINTENANCE, "operator");
    scheduler.runAll();
    reply(applier, a, "drain");
    reply(applier, a, "ready");
    assertThat(pool.adminState(a)).isEqualTo(AdminState.MAINTENANCE);
    // The agent drains, then the operator takes over: the agent's ready leaves it alone.
    reply(applier, b, "drain");
    pool.setAdminState(b, AdminState.MAINTENANCE, "operator");
    scheduler.runAll();
    reply(applier, b, "ready");
    assertThat(pool.adminState(b)).isEqualTo(AdminState.MAINTENANCE);
  }

  @Test
  void zeroPercentDrainsUntilAWeightComesBack() {
    AgentApplier applier = new AgentApplier(pool, false);
    reply(applier, a, "0%");
    assertThat(pool.adminState(a)).isEqualTo(AdminState.DRAINING);
    reply(applier, a, "80%");
    assertThat(pool.adminState(a)).isEqualTo(AdminState.ACTIVE);
    // Not applied: a weight controller owns the weights of this pool.
    assertThat(pool.weightPercent(a)).isEqualTo(100);
    assertThat(a.signals().weightPercent(scheduler.ticker().nanos(), Long.MAX_VALUE)).isEqualTo(80);
    // An explicit drain is not lifted by a weight, only by ready.
    reply(applier, a, "drain");
    reply(applier, a, "60%");
    assertThat(pool.adminState(a)).isEqualTo(AdminState.DRAINING);
  }

  @Test
  void downHoldsTheBackendOutWhateverItsChecksSay() {
    AgentApplier applier = new AgentApplier(pool, true);
    reply(applier, a, "down#disk full");
    assertThat(pool.health(a)).isEqualTo(HealthState.UNHEALTHY);
    assertThat(pool.available(a)).isFalse();
    pool.reportCheck(a, true, "status 200");
    scheduler.runAll();
    assertThat(pool.health(a)).isEqualTo(HealthState.UNHEALTHY);
    reply(applier, a, "75%");
    assertThat(pool.available(a)).isFalse();
    reply(applier, a, "up");
    assertThat(pool.health(a)).isEqualTo(HealthState.HEALTHY);
    assertThat(pool.available(a)).isTrue();
    assertThat(changes).containsExactly("a HEALTHY->UNHEALTHY: agent: down",
        "a UNHEALTHY->HEALTHY: agent: up");
  }

  @Test
  void staleAgentPutsItsWeightBackAndReportsEachChangeOnce() {
    AgentApplier applier = new AgentApplier(pool, true);
    reply(applier, a, "40%");
    assertThat(pool.weightPercent(a)).isEqualTo(40);
    assertThat(applier.stale(a, "connect refused")).isTrue();
    assertThat(applier.stale(a, "connect refused")).isFalse();
    scheduler.runAll();
    assertThat(pool.weightPercent(a)).isEqualTo(100);
    assertThat(a.signals().staleReason(SignalSource.AGENT)).isEqualTo("connect refused");
    assertThat(applier.accept(a, AgentReplyFormat.parse("40%"), 0)).isTrue();
    scheduler.runAll();
    assertThat(pool.weightPercent(a)).isEqualTo(40);
    assertThat(a.signals().staleReason(SignalSource.AGENT)).isNull();
  }
}
