package io.ballast.core.circuit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.core.AttemptGate;
import io.ballast.core.Backend;
import io.ballast.core.ManualScheduler;
import io.ballast.core.PickContext;
import io.ballast.core.PickResult;
import io.ballast.core.Rng;
import io.ballast.core.pick.Algorithm;
import io.ballast.core.pool.HealthSettings;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.pool.Member;
import io.ballast.core.pool.PoolListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A pool's breakers drive its picker, on a fake clock. */
class PoolCircuitBreakersTest {
  private final ManualScheduler scheduler = new ManualScheduler();
  private final Backend a = new Backend("a", "127.0.0.1", 1, 1);
  private final Backend b = new Backend("b", "127.0.0.1", 2, 1);
  private final LoadBalancer pool = new LoadBalancer("p", List.of(a, b), Algorithm.ROUND_ROBIN,
      HealthSettings.PASSIVE_ONLY, scheduler, Rng.seeded(1),
      PoolListener.NONE);
  private final List<String> transitions = new ArrayList<>();
  private final CircuitBreakerSettings settings = new CircuitBreakerSettings(WindowType.COUNT, 4,
      4, 50, Duration.ofSeconds(1), 100, Duration.ofSeconds(10), 2, 0);
  private final PoolCircuitBreakers circuits = new PoolCircuitBreakers(pool, settings, scheduler,
      (backend, t) -> transitions.add(backend.name() + " " + t.from() + "->" + t.to()));

  private List<String> picks(int n) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      PickResult r = pool.picker().pick(PickContext.NONE);
      names.add(r instanceof PickResult.Picked p ? p.backend().name() : "none");
    }
    return names;
  }

  @Test
  void anOpenCircuitLeavesThePickerUntilItsOpenTimeIsOver() {
    scheduler.runAll();
    assertThat(a.gate()).isSameAs(circuits.breaker(a));
    CircuitBreaker breaker = circuits.breaker(a);
    for (int i = 0; i < 4; i++) {
      assertThat(breaker.tryAcquire()).isTrue();
      breaker.onResult(1_000_000, true);
    }
    assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
    scheduler.runAll();
    assertThat(pool.circuitOpen(a)).isTrue();
    assertThat(pool.available(a)).isFalse();
    assertThat(picks(4)).containsOnly("b");

    // No call reaches a while it is out; the control loop's timer moves it to half-open.
    scheduler.advance(Duration.ofSeconds(9));
    assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
    scheduler.advance(Duration.ofMillis(1001));
    assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
    assertThat(pool.circuitOpen(a)).isFalse();
    assertThat(picks(4)).containsExactlyInAnyOrder("a", "a", "b", "b");

    // Two good trial calls close it.
    for (int i = 0; i < 2; i++) {
      assertThat(breaker.tryAcquire()).isTrue();
      breaker.onResult(1_000_000, false);
    }
    scheduler.runAll();
    assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
    assertThat(pool.available(a)).isTrue();
    assertThat(transitions).containsExactly("a CLOSED->OPEN", "a OPEN->HALF_OPEN",
        "a HALF_OPEN->CLOSED");
    assertThat(circuits.breaker(b).state()).isEqualTo(CircuitState.CLOSED);
  }

  @Test
  void openCircuitsNeverEmptyThePoolPanicModeBalancesOverThemInstead() {
    for (Backend backend : List.of(a, b)) {
      CircuitBreaker breaker = circuits.breaker(backend);
      for (int i = 0; i < 4; i++) {
        breaker.tryAcquire();
        breaker.onResult(1_000_000, true);
      }
    }
    scheduler.runAll();
    assertThat(pool.circuitOpen(a)).isTrue();
    assertThat(pool.circuitOpen(b)).isTrue();
    assertThat(pool.panic()).isTrue();
    assertThat(picks(4)).containsExactlyInAnyOrder("a", "a", "b", "b");
    // The proxy then asks for a concurrency permit only.
    assertThat(circuits.breaker(a).tryAcquire()).isFalse();
    assertThat(circuits.breaker(a).tryAcquireIgnoringState()).isTrue();
  }

  @Test
  void withPanicOffEveryCircuitOpenMeansNoBackend() {
    LoadBalancer strict = new LoadBalancer("s", List.of(a, b), Algorithm.ROUND_ROBIN,
        new HealthSettings(1, 1, false, Duration.ofSeconds(10), 0, Duration.ZERO),
        scheduler, Rng.seeded(1), PoolListener.NONE);
    PoolCircuitBreakers strictCircuits = new PoolCircuitBreakers(strict, settings, scheduler,
        PoolCircuitBreakers.Listener.NONE);
    for (Backend backend : List.of(a, b)) {
      for (int i = 0; i < 4; i++) {
        strictCircuits.breaker(backend).tryAcquire();
        strictCircuits.breaker(backend).onResult(1_000_000, true);
      }
    }
    scheduler.runAll();
    assertThat(strict.panic()).isFalse();
    assertThat(strict.picker().pick(PickContext.NONE)).isInstanceOf(PickResult.NoBackend.class);
  }

  @Test
  void aFailedTrialOpensItAgainAndTheTimerStartsOver() {
    CircuitBreaker breaker = circuits.breaker(b);
    for (int i = 0; i < 4; i++) {
      breaker.tryAcquire();
      breaker.onResult(1_000_000, true);
    }
    scheduler.advance(Duration.ofMillis(10_001));
    assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
    for (int i = 0; i < 2; i++) {
      assertThat(breaker.tryAcquire()).isTrue();
      breaker.onResult(1_000_000, true);
    }
    assertThat(breaker.tryAcquire()).isFalse();
    scheduler.runAll();
    assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
    assertThat(pool.circuitOpen(b)).isTrue();
    scheduler.advance(Duration.ofSeconds(5));
    assertThat(pool.circuitOpen(b)).isTrue();
    scheduler.advance(Duration.ofMillis(5_001));
    assertThat(pool.circuitOpen(b)).isFalse();
    assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
  }

  private static void open(CircuitBreaker breaker) {
    for (int i = 0; i < 4; i++) {
      assertThat(breaker.tryAcquire()).isTrue();
      breaker.onResult(1_000_000, true);
    }
  }

  @Test
  void aJoiningBackendGetsItsBreakerAsItsGateBeforeItCanBePicked() {
    List<String> seen = new ArrayList<>();
    pool.addListener(new PoolListener() {
      @Override
      public void onMembersChanged(LoadBalancer p, List<Backend> added, List<Backend> removed,
          List<Backend> updated, String reason) {
        seen.add(added.get(0).name() + " gated: "
            + (added.get(0).gate() == circuits.breaker(added.get(0))));
      }
    });
    pool.roster().add(new Member("c", "127.0.0.1", 3, 1), "scale out");
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
    pool.roster().remove("a", "scale in");
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
    pool.roster().add(new Member("d", "127.0.0.1", 4, 1), "scale out");
    scheduler.runAll();
    assertThat(pool.backend("d").gate()).isSameAs(AttemptGate.OPEN);
  }
}
