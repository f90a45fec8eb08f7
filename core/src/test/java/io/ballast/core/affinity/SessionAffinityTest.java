package io.ballast.core.affinity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.core.AdminState;
import io.ballast.core.Backend;
import io.ballast.core.ManualScheduler;
import io.ballast.core.PickContext;
import io.ballast.core.PickResult;
import io.ballast.core.Rng;
import io.ballast.core.decision.DecisionLog;
import io.ballast.core.pick.Algorithm;
import io.ballast.core.pool.HealthSettings;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.pool.PoolListener;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SessionAffinityTest {
  private final ManualScheduler scheduler = new ManualScheduler();
  private final Backend a = new Backend("a", "127.0.0.1", 9001, 1);
  private final Backend b = new Backend("b", "127.0.0.1", 9002, 1);
  private final Backend c = new Backend("c", "127.0.0.1", 9003, 1);
  private final DecisionLog log = new DecisionLog();

  private LoadBalancer pool(Algorithm algorithm, Backend... backends) {
    LoadBalancer lb = new LoadBalancer("api", List.of(backends), algorithm,
        new HealthSettings(1, 1, true, Duration.ofSeconds(1)), scheduler,
        Rng.seeded(3), PoolListener.NONE);
    scheduler.runAll();
    return lb;
  }

  private static Backend picked(PickResult r) {
    assertThat(r).isInstanceOf(PickResult.Picked.class);
    return ((PickResult.Picked) r).backend();
  }

  private static PickContext excluding(Backend... tried) {
    Set<Backend> set = Set.of(tried);
    return new PickContext() {
      @Override
      public boolean isExcluded(Backend backend) {
        return set.contains(backend);
      }
    };
  }

  /** Pins {@code sessions} new sessions, session i with hash i. */
  private static Backend[] pinAll(SessionAffinity affinity, int sessions) {
    Backend[] pins = new Backend[sessions];
    for (int i = 0; i < sessions; i++) {
      pins[i] = picked(affinity.pick(PickContext.NONE, null, i, false));
    }
    return pins;
  }

  @Test
  void pinsHoldOverAThousandPicksAndNewSessionsSpread() {
    LoadBalancer lb = pool(Algorithm.ROUND_ROBIN, a, b, c);
    SessionAffinity affinity = new SessionAffinity(lb, AffinitySettings.DEFAULTS, null);
    Backend[] pins = pinAll(affinity, 30);
    Map<Backend, Integer> spread = new HashMap<>();
    for (Backend p : pins) {
      spread.merge(p, 1, Integer::sum);
    }
    assertThat(spread).containsOnlyKeys(a, b, c).containsValues(10, 10, 10);
    for (int round = 0; round < 1000; round++) {
      for (int i = 0; i < pins.length; i++) {
        assertThat(picked(affinity.pick(lb, PickContext.NONE, pins[i], i, false)))
            .isSameAs(pins[i]);
      }
    }
    assertThat(affinity.counters().kept()).isEqualTo(30_000);
    assertThat(affinity.counters().pinned()).isEqualTo(30);
    assertThat(affinity.backend("b")).isSameAs(b);
    assertThat(affinity.backend("zz")).isNull();
  }

  @Test
  void whenThePinnedBackendGoesDownSoftMovesExactlyItsSessionsAndStrictRefuses() {
    LoadBalancer lb = pool(Algorithm.ROUND_ROBIN, a, b, c);
    SessionAffinity affinity = new SessionAffinity(lb, AffinitySettings.DEFAULTS, null);
    Backend[] pins = pinAll(affinity, 30);
    lb.reportConnectFailure(b, "refused");
    scheduler.runAll();
    assertThat(lb.available(b)).isFalse();
    int moved = 0;
    for (int i = 0; i < pins.length; i++) {
      Backend now = picked(affinity.pick(lb, PickContext.NONE, pins[i], i, false));
      if (pins[i] == b) {
        assertThat(now).isIn(a, c);
        moved++;
        // The proxy records the new pin; from then on it holds.
        assertThat(picked(affinity.pick(PickContext.NONE, now, i, false))).isSameAs(now);
      } else {
        assertThat(now).isSameAs(pins[i]);
      }
      PickResult strict = affinity.pick(lb, PickContext.NONE, pins[i], i, true);
      if (pins[i] == b) {
        assertThat(strict).isSameAs(PickResult.NoBackend.PINNED_UNAVAILABLE);
        assertThat(((PickResult.NoBackend) strict).reason().text())
            .isEqualTo("the session's backend is unavailable (strict affinity)");
      } else {
        assertThat(picked(strict)).isSameAs(pins[i]);
      }
    }
    assertThat(moved).isEqualTo(10);
    assertThat(affinity.counters().moved()).isEqualTo(10);
    assertThat(affinity.counters().refused()).isEqualTo(10);
  }

  @Test
  void drainingMovesSoftSessionsAndARetryNeverReturnsToTheTriedBackend() {
    LoadBalancer lb = pool(Algorithm.LEAST_CONNECTIONS, a, b, c);
    SessionAffinity affinity = new SessionAffinity(lb, AffinitySettings.DEFAULTS, null);
    // A retry of a request whose pinned backend already failed: soft picks another, strict
    // cannot move and has nothing left to try.
    for (int i = 0; i < 50; i++) {
      assertThat(picked(affinity.pick(excluding(a), a, i, false))).isIn(b, c);
      assertThat(affinity.pick(excluding(a), a, i, true))
          .isSameAs(PickResult.NoBackend.ALL_EXCLUDED);
    }
    lb.setAdminState(a, AdminState.DRAINING, "operator");
    scheduler.runAll();
    assertThat(picked(affinity.pick(PickContext.NONE, a, 1, false))).isIn(b, c);
    assertThat(affinity.pick(PickContext.NONE, a, 1, true))
        .isSameAs(PickResult.NoBackend.PINNED_UNAVAILABLE);
  }

  @Test
  void aHashPickerMovesTheSessionToTheNextBackendOfItsOwnRule() {
    LoadBalancer lb = pool(Algorithm.RING_HASH, a, b, c);
    SessionAffinity affinity = new SessionAffinity(lb, AffinitySettings.DEFAULTS, null);
    PickContext key = new PickContext() {
      @Override
      public long hashKey() {
        return 0x1234_5678_9abcL;
      }
    };
    Backend first = picked(affinity.pick(key, null, 1, false));
    assertThat(picked(lb.picker().pick(key))).isSameAs(first);
    lb.reportConnectFailure(first, "refused");
    scheduler.runAll();
    Backend next = picked(affinity.pick(key, first, 1, false));
    // The ring without the lost backend gives the same answer as the picker rebuilt without it.
    assertThat(next).isNotSameAs(first).isSameAs(picked(lb.picker().pick(key)));
  }

  @Test
  void newSessionsDoNotPinToABackendAboveItsBound() {
    LoadBalancer lb = pool(Algorithm.ROUND_ROBIN, a, b, c);
    SessionAffinity affinity = new SessionAffinity(lb, AffinitySettings.DEFAULTS, null);
    for (int i = 0; i < 30; i++) {
      a.load().start();
    }
    int toA = 0;
    // 40 sessions: with more, the pool's total grows until a's 30 fit under 1.25 × the average.
    for (int i = 0; i < 40; i++) {
      long p = (long) a.load().inFlight() + b.load().inFlight() + c.load().inFlight();
      // The paper's bound for this request: ceil(1.25 × (P + 1) / 3).
      long bound = (long) Math.ceil(1.25 * (p + 1) / 3 - 1e-9);
      Backend pin = picked(affinity.pick(PickContext.NONE, null, i, false));
      assertThat(pin.load().inFlight() + 1L).as("session %d on %s", i, pin.name())
          .isLessThanOrEqualTo(bound);
      toA += pin == a ? 1 : 0;
      pin.load().start();
    }
    // Round robin alone would have given a 13 or 14 of them (one in three).
    assertThat(toA).isZero();
    assertThat(affinity.counters().overflowed()).isBetween(13L, 14L);
    // Worked example of the class doc: 6, 1 and 1 in flight, bound 4: the first backend is over.
    LoadBalancer small = pool(Algorithm.ROUND_ROBIN, new Backend("x", "127.0.0.1", 9101, 1),
        new Backend("y", "127.0.0.1", 9102, 1), new Backend("z", "127.0.0.1", 9103, 1));
    SessionAffinity bounded = new SessionAffinity(small, AffinitySettings.DEFAULTS, null);
    Backend x = bounded.backend("x");
    Backend y = bounded.backend("y");
    Backend z = bounded.backend("z");
    for (int i = 0; i < 6; i++) {
      x.load().start();
    }
    y.load().start();
    z.load().start();
    for (int i = 0; i < 9; i++) {
      assertThat(picked(bounded.pick(PickContext.NONE, null, i, false))).isIn(y, z);
    }
  }

  @Test
  void aPinOfAnEarlierGenerationOfThePoolIsMatchedByName() {
    LoadBalancer lb = pool(Algorithm.ROUND_ROBIN, a, b, c);
    SessionAffinity affinity = new SessionAffinity(lb, AffinitySettings.DEFAULTS, null);
    Backend oldB = new Backend("b", "127.0.0.1", 9002, 1);
    assertThat(picked(affinity.pick(PickContext.NONE, oldB, 1, false))).isSameAs(b);
    Backend gone = new Backend("gone", "127.0.0.1", 9009, 1);
    assertThat(picked(affinity.pick(PickContext.NONE, gone, 1, false))).isIn(a, b, c);
    assertThat(affinity.pick(PickContext.NONE, gone, 1, true))
        .isSameAs(PickResult.NoBackend.PINNED_UNAVAILABLE);
    LoadBalancer other = new LoadBalancer("web", List.of(new Backend("q", "127.0.0.1", 9010, 1)),
        Algorithm.ROUND_ROBIN, HealthSettings.PASSIVE_ONLY, scheduler, Rng.seeded(1),
        PoolListener.NONE);
    assertThatThrownBy(() -> affinity.pick(other, PickContext.NONE, null, 1, false))
        .hasMessage("pool: web (expected: api)");
  }

  @Test
  void theRebalancerMovesAboutItsShareOfTheOverloadedBackendsSessions() {
    LoadBalancer lb = pool(Algorithm.ROUND_ROBIN, a, b, c);
    AffinitySettings settings = new AffinitySettings(1.25, false, new AffinitySettings.Rebalance(
        true, 1.5, Duration.ofSeconds(10), 0.05, 0.30, Duration.ofSeconds(5)));
    SessionAffinity affinity = SessionAffinity.start(lb, settings, scheduler, log);
    for (int i = 0; i < 8; i++) {
      a.load().start();
    }
    b.load().start();
    c.load().start();
    scheduler.advance(Duration.ofSeconds(10));
    assertThat(affinity.rebalancer().share(a)).isEqualTo(0.05);
    int sessions = 10_000;
    SplittableRandom random = new SplittableRandom(11);
    long[] hashes = new long[sessions];
    int moved = 0;
    for (int i = 0; i < sessions; i++) {
      hashes[i] = random.nextLong();
      Backend now = picked(affinity.pick(PickContext.NONE, a, hashes[i], false));
      if (now != a) {
        assertThat(now).isIn(b, c);
        moved++;
        // Its new pin holds: b and c shed nothing.
        assertThat(picked(affinity.pick(PickContext.NONE, now, hashes[i], false))).isSameAs(now);
      }
      // Strict sessions are never moved by the rebalancer.
      assertThat(picked(affinity.pick(PickContext.NONE, a, hashes[i], true))).isSameAs(a);
    }
    // Binomial(10 000, 0.05): mean 500, standard deviation 21.8; five of them either side.
    assertThat(moved).isBetween(391, 609);
    assertThat(affinity.counters().shed()).isEqualTo(moved);
    // A larger share moves more sessions, and every session moved before moves again: the share
    // grows by whole buckets.
    scheduler.advance(Duration.ofSeconds(5));
    assertThat(affinity.rebalancer().share(a)).isEqualTo(0.10);
    int movedNow = 0;
    for (long h : hashes) {
      boolean before = SessionRebalancer.bucket(h) < 500;
      boolean shed = picked(affinity.pick(PickContext.NONE, a, h, false)) != a;
      movedNow += shed ? 1 : 0;
      if (before) {
        assertThat(shed).isTrue();
      }
    }
    assertThat(movedNow).isBetween(850, 1150);
    // New sessions do not pin to a while it sheds their bucket.
    for (long h : hashes) {
      if (affinity.rebalancer().shed(a, h)) {
        assertThat(picked(affinity.pick(PickContext.NONE, null, h, false))).isNotSameAs(a);
      }
    }
    affinity.close();
    scheduler.runAll();
    assertThat(affinity.rebalancer().share(a)).isZero();
    assertThat(picked(affinity.pick(PickContext.NONE, a, hashes[0], false))).isSameAs(a);
  }

  @Test
  void keepingAPinAndMovingASessionAllocateNothing() {
    java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
    if (!(bean instanceof com.sun.management.ThreadMXBean threads)
        || !threads.isThreadAllocatedMemorySupported()) {
      return;
    }
    LoadBalancer lb = pool(Algorithm.ROUND_ROBIN, a, b, c);
    SessionAffinity affinity = new SessionAffinity(lb, AffinitySettings.DEFAULTS,
        new SessionRebalancer(lb, AffinitySettings.Rebalance.DEFAULTS, scheduler, log));
    lb.setAdminState(c, AdminState.DRAINING, "operator");
    scheduler.runAll();
    PickContext none = PickContext.NONE;
    for (int i = 0; i < 20_000; i++) {
      affinity.pick(lb, none, a, i, false);
      affinity.pick(lb, none, c, i, false);
      affinity.pick(lb, none, null, i, false);
    }
    long thread = Thread.currentThread().getId();
    long before = threads.getThreadAllocatedBytes(thread);
    for (int i = 0; i < 10_000; i++) {
      affinity.pick(lb, none, a, i, false);
      affinity.pick(lb, none, c, i, false);
      affinity.pick(lb, none, null, i, false);
    }
    long allocated = threads.getThreadAllocatedBytes(thread) - before;
    // 30 000 picks; a single object per pick would be 480 KB.
    assertThat(allocated).isLessThan(16_384);
  }
}
