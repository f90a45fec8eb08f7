package io.ballast.core.circuit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.core.AttemptGate;
import io.ballast.core.Backend;
import io.ballast.core.ManualScheduler;
import io.ballast.core.Rng;
import io.ballast.core.pick.Algorithm;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.pool.Member;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A pool's breakers follow its members. */
class PoolCircuitBreakersMembershipTest {
  private final ManualScheduler scheduler = new ManualScheduler();
  private final Backend a = new Backend("a", "127.0.0.1", 1, 1);
  private final Backend b = new Backend("b", "127.0.0.1", 2, 1);
  private final LoadBalancer pool = new LoadBalancer("p", List.of(a, b), Algorithm.ROUND_ROBIN,
      LoadBalancer.HealthSettings.PASSIVE_ONLY, scheduler, Rng.seeded(1),
      LoadBalancer.Listener.NONE);
  private final List<String> transitions = new ArrayList<>();
  private final CircuitBreakerSettings settings = new CircuitBreakerSettings(WindowType.COUNT, 4,
      4, 50, Duration.ofSeconds(1), 100, Duration.ofSeconds(10), 2, 0);
  private final PoolCircuitBreakers circuits = new PoolCircuitBreakers(pool, settings, scheduler,
      (backend, t) -> transitions.add(backend.name() + " " + t.from() + "->" + t.to()));

  private static void open(CircuitBreaker breaker) {
    for (int i = 0; i < 4; i++) {
      assertThat(breaker.tryAcquire()).isTrue();
      breaker.onResult(1_000_000, true);
    }
  }

  @Test
  void aJoiningBackendGetsItsBreakerAsItsGateBeforeItCanBePicked() {
    List<String> seen = new ArrayList<>();
    pool.addListener(new LoadBalancer.Listener() {
      @Override
      public void onMembersChanged(LoadBalancer p, List<Backend> added, List<Backend> removed,
          List<Backend> updated, String reason) {
        seen.add(added.get(0).name() + " gated: "
            + (added.get(0).gate() == circuits.breaker(added.get(0))));
      }
    });
    pool.addMember(new Member("c", "127.0.0.1", 3, 1), "scale out");
    scheduler.runAll();
    assertThat(seen).containsExactly("c gated: true");
    Backend c = pool.backend("c");
    open(circuits.breaker(c));
    scheduler.runAll();
    assertThat(pool.circuitOpen(c)).isTrue();
    assertThat(transitions).containsExactly("c CLOSED->OPEN");
  }

  @Test
  void aLeavingBackendsBreakerNoLongerMovesThePicker() {
    CircuitBreaker breaker = circuits.breaker(a);
    a.load().start();
    pool.removeMember("a", "scale in");
    scheduler.runAll();
    assertThatThrownBy(() -> circuits.breaker(a)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("backend a is not in pool p");
    // Requests still in flight report to the breaker they started with.
    assertThat(a.gate()).isSameAs(breaker);
    assertThat(a.gate()).isNotSameAs(AttemptGate.OPEN);
    open(breaker);
    scheduler.advance(Duration.ofSeconds(20));
    assertThat(pool.removing(a)).isTrue();
    assertThat(pool.circuitOpen(a)).isFalse();
    assertThat(breaker.state()).isEqualTo(CircuitState.OPEN); // no timer ticks it any more
    circuits.close();
    pool.addMember(new Member("d", "127.0.0.1", 4, 1), "scale out");
    scheduler.runAll();
    assertThat(pool.backend("d").gate()).isSameAs(AttemptGate.OPEN);
  }
}
