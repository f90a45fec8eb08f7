package io.ballast.core.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.core.AdminState;
import io.ballast.core.Backend;
import io.ballast.core.HealthState;
import io.ballast.core.ManualScheduler;
import io.ballast.core.PickContext;
import io.ballast.core.PickResult;
import io.ballast.core.Picker;
import io.ballast.core.Rng;
import io.ballast.core.pick.Algorithm;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Members that change while the pool serves, on a manual clock. */
class LoadBalancerMembershipTest {
  private static final HealthSettings ACTIVE =
      new HealthSettings(3, 2, true, Duration.ofSeconds(10));

  private final ManualScheduler scheduler = new ManualScheduler();
  private final List<String> events = new ArrayList<>();
  private final Backend a = new Backend("a", "10.0.0.1", 80, 1);
  private final Backend b = new Backend("b", "10.0.0.2", 80, 1);
  private final Backend c = new Backend("c", "10.0.0.3", 80, 1);

  private final PoolListener recorder = new PoolListener() {
    @Override
    public void onHealthChange(LoadBalancer pool, Backend backend, HealthState from,
        HealthState to, String reason) {
      events.add(backend.name() + " " + from + "->" + to + ": " + reason);
    }

    @Override
    public void onMembersChanged(LoadBalancer pool, List<Backend> added, List<Backend> removed,
        List<Backend> updated, String reason) {
      events.add("members +" + names(added) + " -" + names(removed) + " ~" + names(updated)
          + ": " + reason);
    }

    @Override
    public void onMemberGone(LoadBalancer pool, Backend backend) {
      events.add("gone " + backend.name() + " (" + backend.load().inFlight() + " in flight)");
    }

    @Override
    public void onWarmupStart(LoadBalancer pool, Backend backend) {
      events.add("warmup " + backend.name() + " at " + pool.weightPercent(backend) + "%");
    }
  };

  private static String names(List<Backend> backends) {
    return backends.stream().map(Backend::name).collect(Collectors.joining(",", "[", "]"));
  }

  private LoadBalancer pool(Algorithm algorithm, HealthSettings health,
      Backend... backends) {
    return new LoadBalancer("p", List.of(backends), algorithm, health, scheduler, Rng.seeded(1),
        recorder);
  }

  /** Adds the member, runs the control loop and returns its backend. */
  private Backend join(LoadBalancer lb, Member member, String reason) {
    lb.roster().add(member, reason);
    scheduler.runAll();
    return lb.backend(member.name());
  }

  private static Member member(String name, int port) {
    return new Member(name, "10.0.0.9", port, 1);
  }

  /** Picks counted by backend name, over {@code n} picks with hash keys 0, 1, ... */
  private static Map<String, Integer> picks(LoadBalancer lb, int n) {
    Map<String, Integer> seen = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      long key = i;
      PickResult r = lb.picker().pick(new PickContext() {
        @Override
        public long hashKey() {
          return key;
        }
      });
      seen.merge(r instanceof PickResult.Picked p ? p.backend().name() : r.toString(), 1,
          Integer::sum);
    }
    return seen;
  }

  @Test
  void aMemberKeepsItsBackendAndEverythingItLearntByName() {
    LoadBalancer lb = pool(Algorithm.ROUND_ROBIN, HealthSettings.PASSIVE_ONLY,
        a, b, c);
    a.load().start();
    lb.setWeightPercents(Map.of(a, 62));
    lb.setEjected(b, true, "5 consecutive 5xx");
    lb.reportConnectFailure(c, "refused");
    scheduler.runAll();
    events.clear();

    // Described afresh (another order, new objects of the same names and addresses), plus d.
    lb.roster().set(List.of(Member.of(c), new Member("d", "10.0.0.4", 80, 1), Member.of(a),
        Member.of(b)), "config reload");
    scheduler.runAll();

    assertThat(lb.backends()).hasSize(4);
    assertThat(lb.backends().subList(0, 3)).containsExactly(a, b, c);
    assertThat(lb.backend("a")).isSameAs(a);
    assertThat(a.load().inFlight()).isEqualTo(1);
    assertThat(lb.weightPercent(a)).isEqualTo(62);
    assertThat(lb.ejected(b)).isTrue();
    assertThat(lb.health(c)).isEqualTo(HealthState.UNHEALTHY);
    assertThat(events).containsExactly("members +[d] -[] ~[]: config reload");
    assertThat(picks(lb, 4)).containsOnlyKeys("a", "d");
  }

  @Test
  void theSameMembersInAnotherOrderChangeNothing() {
    LoadBalancer lb = pool(Algorithm.ROUND_ROBIN, HealthSettings.PASSIVE_ONLY,
        a, b, c);
    Picker before = lb.picker();
    lb.roster().set(List.of(Member.of(c), Member.of(a), Member.of(b)), "dns: answers rotated");
    scheduler.runAll();
    assertThat(lb.picker()).isSameAs(before);
    assertThat(lb.backends()).containsExactly(a, b, c);
    assertThat(events).isEmpty();
  }

  @Test
  void withActiveChecksANewBackendWaitsForItsFirstCheckAndAPassBringsItUpAtOnce() {
    LoadBalancer lb = pool(Algorithm.ROUND_ROBIN, ACTIVE, a);
    Backend d = join(lb, member("d", 81), "admin API");
    assertThat(lb.awaitingFirstCheck(d)).isTrue();
    assertThat(lb.health(d)).isEqualTo(HealthState.UNHEALTHY);
    assertThat(lb.available(d)).isFalse();
    assertThat(lb.levels(d).get(0).state()).isEqualTo("down, awaiting its first check");
    assertThat(picks(lb, 4)).containsOnlyKeys("a");

    // One pass is enough, although rise is 3.
    lb.reportCheck(d, true, "status 200");
    scheduler.runAll();
    assertThat(lb.health(d)).isEqualTo(HealthState.HEALTHY);
    assertThat(lb.awaitingFirstCheck(d)).isFalse();
    assertThat(picks(lb, 4)).containsOnlyKeys("a", "d");
    assertThat(events).containsExactly("members +[d] -[] ~[]: admin API",
        "d UNHEALTHY->HEALTHY: first check of a new backend: check passed: status 200"
            + " (HEALTHY (rise 3/3, fall 0/2))");
  }

  @Test
  void aNewBackendWhoseFirstCheckFailsRisesAsUsual() {
    LoadBalancer lb = pool(Algorithm.ROUND_ROBIN, ACTIVE, a);
    Backend e = join(lb, member("e", 82), "admin API");
    lb.reportCheck(e, false, "connection refused");
    lb.reportCheck(e, true, "status 200");
    lb.reportCheck(e, true, "status 200");
    scheduler.runAll();
    assertThat(lb.health(e)).isEqualTo(HealthState.RECOVERING);
    assertThat(lb.awaitingFirstCheck(e)).isFalse();
    lb.reportCheck(e, true, "status 200");
    scheduler.runAll();
    assertThat(lb.health(e)).isEqualTo(HealthState.HEALTHY);
  }

  @Test
  void withoutActiveChecksANewBackendServesAtOnce() {
    LoadBalancer lb = pool(Algorithm.ROUND_ROBIN, HealthSettings.PASSIVE_ONLY, a);
    Backend d = join(lb, member("d", 81), "admin API");
    assertThat(lb.awaitingFirstCheck(d)).isFalse();
    assertThat(lb.available(d)).isTrue();
    assertThat(picks(lb, 4)).containsEntry("a", 2).containsEntry("d", 2);
  }

  @Test
  void aNewMemberMayJoinDrainingOrInMaintenance() {
    LoadBalancer lb = pool(Algorithm.ROUND_ROBIN, HealthSettings.PASSIVE_ONLY, a);
    Backend d = join(lb, new Member("d", "10.0.0.4", 80, 1, null, AdminState.MAINTENANCE),
        "config");
    assertThat(lb.adminState(d)).isEqualTo(AdminState.MAINTENANCE);
    assertThat(picks(lb, 4)).containsOnlyKeys("a");
    // The state applies only to a new member: the operator's change stays through an update.
    lb.setAdminState(d, AdminState.ACTIVE, "operator");
    lb.roster().add(new Member("d", "10.0.0.4", 80, 1, null, AdminState.MAINTENANCE), "config");
    scheduler.runAll();
    assertThat(lb.adminState(d)).isEqualTo(AdminState.ACTIVE);
  }

  @Test
  void aNewMemberRampsUpUnderSlowStart() {
    LoadBalancer lb = pool(Algorithm.WEIGHTED_ROUND_ROBIN,
        new HealthSettings(1, 1, false, Duration.ofSeconds(10), 50,
            Duration.ofSeconds(10)), a);
    Backend nb = join(lb, member("b", 81), "scale out");
    // Weights scaled by 10 while b ramps: b starts at a tenth of its weight.
    assertThat(lb.effectiveWeight(a)).isEqualTo(10);
    assertThat(lb.effectiveWeight(nb)).isEqualTo(1);
    scheduler.advance(Duration.ofSeconds(5));
    assertThat(lb.effectiveWeight(nb)).isEqualTo(5);
    scheduler.advance(Duration.ofSeconds(5));
    assertThat(lb.effectiveWeight(a)).isEqualTo(1);
    assertThat(lb.effectiveWeight(nb)).isEqualTo(1);
  }

  @Test
  void aNewMemberWarmsUpByFeedbackWhenThePoolDoes() {
    LoadBalancer lb = pool(Algorithm.WEIGHTED_ROUND_ROBIN, HealthSettings.PASSIVE_ONLY,
        a);
    scheduler.execute(() -> lb.useFeedbackWarmup(25));
    Backend nb = join(lb, member("b", 81), "scale out");
    assertThat(lb.weightPercent(nb)).isEqualTo(25);
    assertThat(lb.effectiveWeight(a)).isEqualTo(100);
    assertThat(lb.effectiveWeight(nb)).isEqualTo(25);
    // Told after the members changed, so that the controller knows the backend by then.
    assertThat(events).containsExactly("members +[b] -[] ~[]: scale out", "warmup b at 25%");
  }

  @Test
  void aRemovedBackendLeavesThePickerAtOnceAndIsGoneOnceItsRequestsFinish() {
    LoadBalancer lb = pool(Algorithm.ROUND_ROBIN, HealthSettings.PASSIVE_ONLY,
        a, b);
    b.load().start();
    b.load().start();
    lb.roster().remove("b", "scale in");
    scheduler.runAll();
    assertThat(lb.backends()).containsExactly(a);
    assertThat(lb.backend("b")).isNull();
    assertThat(lb.removing(b)).isTrue();
    assertThat(lb.available(b)).isFalse();
    assertThat(lb.effectiveWeight(b)).isZero();
    assertThat(lb.health(b)).isEqualTo(HealthState.HEALTHY);
    assertThat(picks(lb, 4)).containsOnlyKeys("a");

    scheduler.advance(Duration.ofMillis(100));
    b.load().complete(true, 1_000_000);
    scheduler.advance(Duration.ofMillis(100));
    assertThat(lb.knows(b)).isTrue();
    b.load().complete(true, 1_000_000);
    scheduler.advance(Duration.ofMillis(99));
    assertThat(lb.knows(b)).isTrue();
    scheduler.advance(Duration.ofMillis(1));
    assertThat(lb.knows(b)).isFalse();
    assertThat(events).containsExactly("members +[] -[b] ~[]: scale in",
        "gone b (0 in flight)");
    assertThatThrownBy(() -> lb.health(b)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("backend b is not in pool p");
    assertThatThrownBy(() -> lb.removing(b)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void anIdleRemovedBackendIsGoneAtTheFirstLookOnePeriodLater() {
    LoadBalancer lb = pool(Algorithm.ROUND_ROBIN, HealthSettings.PASSIVE_ONLY,
        a, b);
    lb.roster().remove("b", "scale in");
    scheduler.advance(Duration.ofMillis(99));
    assertThat(lb.removing(b)).isTrue();
    scheduler.advance(Duration.ofMillis(1));
    assertThat(lb.knows(b)).isFalse();
  }

  @Test
  void theDrainTimeoutCutsARemovedBackendThatDoesNotDrain() {
    LoadBalancer lb = pool(Algorithm.ROUND_ROBIN, HealthSettings.PASSIVE_ONLY,
        a, b);
    assertThat(lb.roster().drainTimeout()).isEqualTo(Duration.ofSeconds(30));
    lb.roster().setDrainTimeout(Duration.ofSeconds(1));
    b.load().start();
    lb.roster().remove("b", "scale in");
    scheduler.advance(Duration.ofMillis(900));
    assertThat(lb.removing(b)).isTrue();
    scheduler.advance(Duration.ofMillis(100));
    assertThat(lb.knows(b)).isFalse();
    assertThat(events).containsExactly("members +[] -[b] ~[]: scale in",
        "gone b (1 in flight)");
    assertThatThrownBy(() -> lb.roster().setDrainTimeout(Duration.ofSeconds(-1)))
        .hasMessage("drainTimeout: PT-1S (expected: >= 0)");
  }

  @Test
  void aRemovedMemberThatComesBackWhileDrainingIsTheSameBackend() {
    LoadBalancer lb = pool(Algorithm.ROUND_ROBIN, HealthSettings.PASSIVE_ONLY,
        a, b);
    b.load().start();
    lb.setWeightPercents(Map.of(b, 50));
    lb.roster().remove("b", "discovery");
    scheduler.advance(Duration.ofMillis(200));
    lb.roster().add(Member.of(b), "discovery");
    scheduler.advance(Duration.ofSeconds(60));
    assertThat(lb.backend("b")).isSameAs(b);
    assertThat(lb.removing(b)).isFalse();
    assertThat(lb.weightPercent(b)).isEqualTo(50);
    assertThat(events).containsExactly("members +[] -[b] ~[]: discovery",
        "members +[b] -[] ~[]: discovery");
  }

  @Test
  void anotherAddressUnderTheSameNameIsALeaveAndAJoin() {
    LoadBalancer lb = pool(Algorithm.ROUND_ROBIN, HealthSettings.PASSIVE_ONLY,
        a, b);
    b.load().start();
    lb.roster().set(List.of(Member.of(a), new Member("b", "10.0.0.2", 8080, 1)), "moved");
    scheduler.runAll();
    Backend moved = lb.backend("b");
    assertThat(moved).isNotSameAs(b);
    assertThat(moved.address()).isEqualTo("10.0.0.2:8080");
    assertThat(lb.backends()).containsExactly(a, moved);
    assertThat(lb.removing(b)).isTrue();
    assertThat(lb.removing(moved)).isFalse();
    assertThat(moved.load().inFlight()).isZero();
    assertThat(events).containsExactly("members +[b] -[b] ~[]: moved");
    b.load().complete(true, 1);
    scheduler.advance(Duration.ofMillis(100));
    assertThat(lb.knows(b)).isFalse();
    assertThat(lb.knows(moved)).isTrue();
  }

  @Test
  void aWeightOrZoneChangeUpdatesTheBackendInPlaceAndRebuilds() {
    LoadBalancer lb = pool(Algorithm.WEIGHTED_ROUND_ROBIN,
        HealthSettings.PASSIVE_ONLY, a, b);
    Picker before = lb.picker();
    lb.roster().set(List.of(Member.of(a), new Member("b", "10.0.0.2", 80, 3)), "reload");
    scheduler.runAll();
    assertThat(lb.backend("b")).isSameAs(b);
    assertThat(b.weight()).isEqualTo(3);
    assertThat(lb.effectiveWeight(b)).isEqualTo(3);
    assertThat(lb.picker()).isNotSameAs(before);
    assertThat(picks(lb, 4)).containsEntry("a", 1).containsEntry("b", 3);

    Picker weighted = lb.picker();
    lb.roster().set(List.of(Member.of(a),
        new Member("b", "10.0.0.2", 80, 3, "eu/eu-1b", AdminState.ACTIVE)), "reload");
    scheduler.runAll();
    assertThat(b.zone()).isEqualTo("eu/eu-1b");
    assertThat(lb.picker()).isNotSameAs(weighted);
    assertThat(events).containsExactly("members +[] -[] ~[b]: reload",
        "members +[] -[] ~[b]: reload");
  }

  @Test
  void duplicateNamesAreRefusedAndNothingChanges() {
    LoadBalancer lb = pool(Algorithm.ROUND_ROBIN, HealthSettings.PASSIVE_ONLY, a);
    assertThatThrownBy(() -> lb.roster().set(
        List.of(member("d", 81), Member.of(a), member("d", 82)), "reload"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("members: d listed twice (expected: unique names)");
    scheduler.runAll();
    assertThat(lb.backends()).containsExactly(a);
    assertThat(events).isEmpty();
    assertThatThrownBy(() -> new Member("d", "h", 0, 1))
        .hasMessage("port: 0 (expected: 1..65535)");
    assertThatThrownBy(() -> new Member("d", "h", 1, 1, "eu", AdminState.ACTIVE))
        .hasMessage("zone: \"eu\" (expected: region/zone, e.g. eu-west/eu-west-1a)");
    assertThatThrownBy(() -> lb.roster().remove("zz", "admin API"))
        .hasMessage("backend zz is not in pool p");
  }

  @Test
  void removingTheLastMemberEmptiesThePoolUntilOneIsAdded() {
    LoadBalancer lb = pool(Algorithm.ROUND_ROBIN, HealthSettings.PASSIVE_ONLY, a);
    lb.roster().remove("a", "admin API");
    scheduler.runAll();
    assertThat(lb.backends()).isEmpty();
    assertThat(lb.picker().pick(PickContext.NONE)).isSameAs(PickResult.NoBackend.EMPTY_POOL);
    lb.roster().add(member("d", 81), "admin API");
    scheduler.runAll();
    assertThat(picks(lb, 2)).containsOnlyKeys("d");
  }

  @Test
  void aPoolThatStartsEmptyServesOnceAMemberJoins() {
    LoadBalancer lb = pool(Algorithm.MAGLEV, ACTIVE);
    assertThat(lb.picker().pick(PickContext.NONE)).isSameAs(PickResult.NoBackend.EMPTY_POOL);
    lb.roster().set(List.of(member("d", 81)), "discovery");
    scheduler.runAll();
    assertThat(lb.picker().pick(PickContext.NONE))
        .isSameAs(PickResult.NoBackend.NONE_AVAILABLE);
    lb.reportCheck(lb.backend("d"), true, "status 200");
    scheduler.runAll();
    assertThat(picks(lb, 2)).containsOnlyKeys("d");
  }

  @Test
  void reconfigureKeepsHealthLoadAndWeightsFromRoundRobinToMaglevToAuto() {
    LoadBalancer lb = pool(Algorithm.ROUND_ROBIN, ACTIVE, a, b, c);
    a.load().start();
    a.load().start();
    lb.setWeightPercents(Map.of(b, 50));
    lb.reportCheck(c, false, "status 500");
    lb.reportCheck(c, false, "status 500");
    scheduler.runAll();
    assertThat(lb.health(c)).isEqualTo(HealthState.UNHEALTHY);

    lb.reconfigure(Algorithm.MAGLEV, io.ballast.core.pick.AlgorithmOptions.DEFAULTS,
        java.util.function.UnaryOperator.identity(), ACTIVE, "reload");
    scheduler.runAll();
    assertThat(lb.algorithm()).isEqualTo(Algorithm.MAGLEV);
    assertThat(lb.picker()).isInstanceOf(io.ballast.core.pick.MaglevPicker.class);
    assertThat(lb.health(c)).isEqualTo(HealthState.UNHEALTHY);
    assertThat(a.load().inFlight()).isEqualTo(2);
    assertThat(lb.weightPercent(b)).isEqualTo(50);
    assertThat(picks(lb, 200)).containsOnlyKeys("a", "b");

    lb.reconfigure(Algorithm.AUTO, io.ballast.core.pick.AlgorithmOptions.DEFAULTS,
        java.util.function.UnaryOperator.identity(), ACTIVE, "reload");
    scheduler.runAll();
    assertThat(lb.picker()).isInstanceOf(io.ballast.core.pick.AutoPicker.class);
    assertThat(lb.health(c)).isEqualTo(HealthState.UNHEALTHY);
    assertThat(a.load().inFlight()).isEqualTo(2);
    assertThat(lb.weightPercent(b)).isEqualTo(50);
    // Auto sends everything to b, the one with nothing in flight; never to c.
    assertThat(picks(lb, 200)).containsOnlyKeys("b");

    // The health settings did not change: the trackers did not either (c needs rise = 3).
    lb.reportCheck(c, true, "status 200");
    scheduler.runAll();
    assertThat(lb.health(c)).isEqualTo(HealthState.RECOVERING);
  }

  @Test
  void reconfigureToBoundedLoadHashingJoinsThePoolLoad() {
    LoadBalancer lb = pool(Algorithm.ROUND_ROBIN, HealthSettings.PASSIVE_ONLY,
        a, b);
    assertThat(a.load().attached()).isFalse();
    lb.reconfigure(Algorithm.BOUNDED_LOAD_HASH, io.ballast.core.pick.AlgorithmOptions.DEFAULTS,
        java.util.function.UnaryOperator.identity(), HealthSettings.PASSIVE_ONLY,
        "reload");
    scheduler.runAll();
    assertThat(a.load().pool()).isSameAs(lb.load());
    assertThat(b.load().pool()).isSameAs(lb.load());
    lb.roster().add(member("d", 81), "scale out");
    scheduler.runAll();
    assertThat(lb.backend("d").load().pool()).isSameAs(lb.load());
  }

  @Test
  void aNewHealthPolicyStartsFreshTrackersFromEachBackendsHealth() {
    LoadBalancer lb = pool(Algorithm.ROUND_ROBIN, ACTIVE, a, b);
    lb.reportCheck(b, false, "status 500");
    lb.reportCheck(b, false, "status 500");
    scheduler.runAll();
    events.clear();
    HealthSettings twoLevels = HealthSettings.levels(
        new io.ballast.core.health.HealthPolicy(List.of(
            new io.ballast.core.health.HealthLevel("tcp", 1, true, 1, 1),
            new io.ballast.core.health.HealthLevel("http", 2, false, 2, 1)), 100, 50),
        Duration.ofSeconds(10), 50, Duration.ZERO);
    lb.reconfigure(Algorithm.ROUND_ROBIN, io.ballast.core.pick.AlgorithmOptions.DEFAULTS,
        java.util.function.UnaryOperator.identity(), twoLevels, "reload");
    scheduler.runAll();
    assertThat(lb.health(a)).isEqualTo(HealthState.HEALTHY);
    assertThat(lb.health(b)).isEqualTo(HealthState.UNHEALTHY);
    assertThat(lb.levels(a)).extracting(l -> l.name() + " " + l.state())
        .containsExactly("tcp up", "http up");
    assertThat(lb.levels(b)).extracting(l -> l.name() + " " + l.state())
        .containsExactly("tcp down", "http down");
    assertThat(events).isEmpty();
    // Under the new policy: tcp rises after 1 pass, http after 2.
    lb.reportCheck(b, 0, true, "connected");
    lb.reportCheck(b, 1, true, "status 200");
    lb.reportCheck(b, 1, true, "status 200");
    scheduler.runAll();
    assertThat(lb.health(b)).isEqualTo(HealthState.HEALTHY);
  }

  @Test
  void turningActiveChecksOffLetsAWaitingBackendInAtOnce() {
    LoadBalancer lb = pool(Algorithm.ROUND_ROBIN, ACTIVE, a);
    Backend d = join(lb, member("d", 81), "scale out");
    lb.reconfigure(Algorithm.ROUND_ROBIN, io.ballast.core.pick.AlgorithmOptions.DEFAULTS,
        java.util.function.UnaryOperator.identity(), HealthSettings.PASSIVE_ONLY,
        "checks off");
    scheduler.runAll();
    assertThat(lb.available(d)).isTrue();
    assertThat(lb.awaitingFirstCheck(d)).isFalse();
  }

  @Test
  void listenersAddedLaterHearEventsAndCanBeRemoved() {
    LoadBalancer lb = pool(Algorithm.ROUND_ROBIN, HealthSettings.PASSIVE_ONLY, a);
    List<String> second = new ArrayList<>();
    PoolListener l = new PoolListener() {
      @Override
      public void onMembersChanged(LoadBalancer pool, List<Backend> added, List<Backend> removed,
          List<Backend> updated, String reason) {
        // Told before the picker with the new backend is published.
        second.add("added " + names(added) + ", picker has it: "
            + picks(pool, 4).containsKey(added.get(0).name()));
      }
    };
    lb.addListener(l);
    lb.roster().add(member("d", 81), "one");
    scheduler.runAll();
    lb.removeListener(l);
    lb.roster().add(member("e", 82), "two");
    scheduler.runAll();
    assertThat(second).containsExactly("added [d], picker has it: false");
    assertThat(events).containsExactly("members +[d] -[] ~[]: one", "members +[e] -[] ~[]: two");
  }
}
