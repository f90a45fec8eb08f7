package io.ballast.core.affinity;

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
import io.ballast.core.pool.PoolListener;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SessionRebalancerTest {
  private final ManualScheduler scheduler = new ManualScheduler();
  private final Backend a = new Backend("a", "127.0.0.1", 9001, 1);
  private final Backend b = new Backend("b", "127.0.0.1", 9002, 1);
  private final Backend c = new Backend("c", "127.0.0.1", 9003, 1);
  private final DecisionLog log = new DecisionLog();
  private final LoadBalancer lb = new LoadBalancer("api", List.of(a, b, c), Algorithm.ROUND_ROBIN,
      new HealthSettings(1, 1, true, Duration.ofSeconds(1)), scheduler,
      Rng.seeded(3), PoolListener.NONE);

  private static void load(Backend backend, int requests) {
    for (int i = 0; i < requests; i++) {
      backend.load().start();
    }
  }

  private static void finish(Backend backend, int requests) {
    for (int i = 0; i < requests; i++) {
      backend.load().complete(true, 1_000_000);
    }
  }

  private List<String> messages() {
    return log.snapshot().stream().map(Decision::message).toList();
  }

  @Test
  void anOverloadedBackendShedsMoreEachIntervalUpToTheMaximumThenDecays() {
    SessionRebalancer r =
        new SessionRebalancer(lb, AffinitySettings.Rebalance.DEFAULTS, scheduler, log);
    r.start();
    load(a, 8);
    load(b, 2);
    load(c, 2);
    // 8 against an average of 4: 2x, above 1.5x. The first 25 s are not enough (after = 30 s).
    scheduler.advance(Duration.ofSeconds(25));
    assertThat(r.share(a)).isZero();
    assertThat(log.total()).isZero();
    scheduler.advance(Duration.ofSeconds(5));
    assertThat(r.share(a)).isEqualTo(0.05);
    assertThat(r.share(b)).isZero();
    Decision first = log.snapshot().get(0);
    assertThat(first.kind()).isEqualTo(Decision.Kind.AFFINITY);
    assertThat(first.pool()).isEqualTo("api");
    assertThat(first.atNanos()).isEqualTo(Duration.ofSeconds(30).toNanos());
    assertThat(first.message()).isEqualTo("a affinity 0% → 5%: in-flight 8.0 is 2.0x the pool's"
        + " average (4.0) for 30 s: 5% of its sessions move");
    // One step per interval while the overload holds, up to 30%, then no more decisions.
    scheduler.advance(Duration.ofSeconds(5));
    assertThat(r.share(a)).isEqualTo(0.10);
    scheduler.advance(Duration.ofSeconds(20));
    assertThat(r.share(a)).isEqualTo(0.30);
    assertThat(messages()).hasSize(6).last().asString()
        .isEqualTo("a affinity 25% → 30%: in-flight 8.0 is 2.0x the pool's average (4.0) for"
            + " 55 s: 30% of its sessions move (the most allowed)");
    scheduler.advance(Duration.ofSeconds(30));
    assertThat(log.total()).isEqualTo(6);
    assertThat(r.shares()).containsExactly(java.util.Map.entry("a", 0.30),
        java.util.Map.entry("b", 0.0), java.util.Map.entry("c", 0.0));
    // Balanced again: 4, 4, 4. The share falls by a step per interval to zero.
    finish(a, 4);
    load(b, 2);
    load(c, 2);
    scheduler.advance(Duration.ofSeconds(5));
    assertThat(r.share(a)).isEqualTo(0.25);
    assertThat(messages().get(6)).isEqualTo("a affinity 30% → 25%: in-flight 4.0 is 1.0x the"
        + " pool's average (4.0), not above 1.5x: 25% of its sessions move");
    scheduler.advance(Duration.ofSeconds(25));
    assertThat(r.share(a)).isZero();
    assertThat(messages()).hasSize(12).last().asString()
        .isEqualTo("a affinity 5% → 0%: in-flight 4.0 is 1.0x the pool's average (4.0), not above"
            + " 1.5x: no more of its sessions move");
    SplittableRandom random = new SplittableRandom(5);
    for (int i = 0; i < 1000; i++) {
      assertThat(r.shed(a, random.nextLong())).isFalse();
    }
  }

  @Test
  void anOverloadThatBreaksOffStartsItsWaitAgain() {
    SessionRebalancer r = new SessionRebalancer(lb, new AffinitySettings.Rebalance(true, 1.5,
        Duration.ofSeconds(10), 0.1, 0.5, Duration.ofSeconds(5)), scheduler, log);
    r.start();
    load(a, 6);
    load(b, 1);
    load(c, 1);
    scheduler.advance(Duration.ofSeconds(5));
    // The overload ends before it held 10 s ...
    load(b, 5);
    load(c, 5);
    scheduler.advance(Duration.ofSeconds(5));
    finish(b, 5);
    finish(c, 5);
    // ... and comes back: it must hold 10 s from now.
    scheduler.advance(Duration.ofSeconds(5));
    assertThat(r.share(a)).isZero();
    scheduler.advance(Duration.ofSeconds(5));
    assertThat(r.share(a)).isEqualTo(0.1);
  }

  @Test
  void theLoadIsTheAverageOfTheIntervalsSamples() {
    SessionRebalancer r = new SessionRebalancer(lb, new AffinitySettings.Rebalance(true, 1.5,
        Duration.ZERO, 0.05, 0.3, Duration.ofSeconds(5)), scheduler, log);
    r.start();
    load(b, 2);
    load(c, 2);
    // A burst on a for one sample of five: 15 then 0, an average of 3 against 7 / 3 = 2.3 ...
    load(a, 15);
    scheduler.advance(Duration.ofSeconds(1));
    finish(a, 15);
    scheduler.advance(Duration.ofSeconds(4));
    // ... is 1.3x the pool's average, not above 1.5x (a single sample, 15, would be).
    assertThat(r.share(a)).isZero();
    // Held for a whole interval, it is.
    load(a, 8);
    scheduler.advance(Duration.ofSeconds(5));
    assertThat(r.share(a)).isEqualTo(0.05);
  }

  @Test
  void nothingMovesWithLittleLoadANoOtherBackendOrAnUnavailableOne() {
    SessionRebalancer r = new SessionRebalancer(lb, new AffinitySettings.Rebalance(true, 1.5,
        Duration.ZERO, 0.05, 0.3, Duration.ofSeconds(5)), scheduler, log);
    r.start();
    // Less than one request in flight on average: "5x" of nothing.
    scheduler.advance(Duration.ofSeconds(1));
    load(a, 1);
    scheduler.advance(Duration.ofSeconds(4));
    assertThat(r.share(a)).isZero();
    scheduler.advance(Duration.ofSeconds(5));
    assertThat(r.share(a)).isEqualTo(0.05);
    // a is the only backend left: nowhere to send its sessions, its share decays.
    lb.reportConnectFailure(b, "refused");
    lb.reportConnectFailure(c, "refused");
    scheduler.advance(Duration.ofSeconds(5));
    assertThat(r.share(a)).isZero();
    // An unavailable backend sheds nothing by share: failover moves all its sessions anyway.
    load(b, 10);
    scheduler.advance(Duration.ofSeconds(10));
    assertThat(r.share(b)).isZero();
    assertThat(messages()).last().asString()
        .isEqualTo("a affinity 5% → 0%: in-flight 1.0 is 1.0x the pool's average (1.0), not"
            + " above 1.5x: no more of its sessions move");
  }

  @Test
  void weightsSetEachBackendsFairShare() {
    Backend heavy = new Backend("heavy", "127.0.0.1", 9011, 3);
    Backend light = new Backend("light", "127.0.0.1", 9012, 1);
    LoadBalancer weighted = new LoadBalancer("w", List.of(heavy, light), Algorithm.ROUND_ROBIN,
        HealthSettings.PASSIVE_ONLY, scheduler, Rng.seeded(1),
        PoolListener.NONE);
    SessionRebalancer r = new SessionRebalancer(weighted, new AffinitySettings.Rebalance(true, 1.5,
        Duration.ZERO, 0.05, 0.3, Duration.ofSeconds(5)), scheduler, log);
    r.start();
    // 9 on weight 3 and 3 on weight 1: both carry exactly their share.
    load(heavy, 9);
    load(light, 3);
    scheduler.advance(Duration.ofSeconds(20));
    assertThat(r.shares()).containsValues(0.0, 0.0);
    // 9 on weight 3 and 9 on weight 1: light carries 2x the average per unit of weight (4.5).
    load(light, 6);
    scheduler.advance(Duration.ofSeconds(5));
    assertThat(r.share(light)).isEqualTo(0.05);
    assertThat(messages()).containsExactly("light affinity 0% → 5%: in-flight 9.0 is 2.0x the"
        + " pool's average (4.5) for 5 s: 5% of its sessions move");
  }

  @Test
  void bucketsAreUniformAndNested() {
    SplittableRandom random = new SplittableRandom(17);
    int n = 200_000;
    int[] counts = new int[10];
    for (int i = 0; i < n; i++) {
      counts[SessionRebalancer.bucket(random.nextLong()) / 1000]++;
    }
    for (int count : counts) {
      // Binomial(200 000, 0.1): mean 20 000, standard deviation 134; five either side.
      assertThat(count).isBetween(19_330, 20_670);
    }
    // Consecutive keys (client addresses, counters) spread too.
    int low = 0;
    for (long k = 0; k < n; k++) {
      low += SessionRebalancer.bucket(k) < 500 ? 1 : 0;
    }
    // Binomial(200 000, 0.05): mean 10 000, sd 97.5.
    assertThat(low).isBetween(9_500, 10_500);
    assertThat(SessionRebalancer.percent(500)).isEqualTo("5%");
    assertThat(SessionRebalancer.percent(250)).isEqualTo("2.5%");
    assertThat(SessionRebalancer.percent(1)).isEqualTo("0.01%");
  }

  @Test
  void stopClearsEverySharesAndOffNeverStarts() {
    SessionRebalancer r = new SessionRebalancer(lb, new AffinitySettings.Rebalance(true, 1.5,
        Duration.ZERO, 0.5, 1.0, Duration.ofSeconds(5)), scheduler, log);
    r.start();
    load(a, 10);
    scheduler.advance(Duration.ofSeconds(5));
    assertThat(r.share(a)).isEqualTo(0.5);
    r.stop();
    scheduler.advance(Duration.ofSeconds(30));
    assertThat(r.share(a)).isZero();
    assertThat(log.total()).isEqualTo(1);
    SessionRebalancer off =
        new SessionRebalancer(lb, AffinitySettings.Rebalance.OFF, scheduler, log);
    off.start();
    scheduler.advance(Duration.ofMinutes(5));
    assertThat(off.share(a)).isZero();
    assertThat(log.total()).isEqualTo(1);
  }

  @Test
  void settingsAreValidated() {
    assertThatThrownBy(() -> new AffinitySettings(1.0, false, AffinitySettings.Rebalance.DEFAULTS))
        .hasMessage("boundedLoad: 1.0 (expected: > 1, for example 1.25)");
    assertThatThrownBy(
        () -> new AffinitySettings(Double.NaN, false, AffinitySettings.Rebalance.DEFAULTS))
        .hasMessage("boundedLoad: NaN (expected: > 1, for example 1.25)");
    Duration s5 = Duration.ofSeconds(5);
    assertThatThrownBy(() -> new AffinitySettings.Rebalance(true, 0.9, s5, 0.05, 0.3, s5))
        .hasMessage("above: 0.9 (expected: > 1, for example 1.5)");
    assertThatThrownBy(
        () -> new AffinitySettings.Rebalance(true, 1.5, Duration.ofSeconds(-1), 0.05, 0.3, s5))
        .hasMessage("after: PT-1S (expected: >= 0)");
    assertThatThrownBy(() -> new AffinitySettings.Rebalance(true, 1.5, s5, 0, 0.3, s5))
        .hasMessage("step: 0.0 (expected: 0.0001..1)");
    assertThatThrownBy(() -> new AffinitySettings.Rebalance(true, 1.5, s5, 0.1, 0.05, s5))
        .hasMessage("maxShare: 0.05 (expected: >= step 0.1 and <= 1)");
    assertThatThrownBy(() -> new AffinitySettings.Rebalance(true, 1.5, s5, 0.1, 1.5, s5))
        .hasMessage("maxShare: 1.5 (expected: >= step 0.1 and <= 1)");
    assertThatThrownBy(
        () -> new AffinitySettings.Rebalance(true, 1.5, s5, 0.1, 0.3, Duration.ofMillis(1)))
        .hasMessage("interval: PT0.001S (expected: >= 10 ms)");
    assertThat(AffinitySettings.DEFAULTS.boundedLoad()).isEqualTo(1.25);
    assertThat(AffinitySettings.DEFAULTS.strict()).isFalse();
  }
}
