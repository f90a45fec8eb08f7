package io.ballast.core.pick;

import static io.ballast.core.pick.HashFixtures.backends;
import static io.ballast.core.pick.HashFixtures.key;
import static io.ballast.core.pick.HashFixtures.picked;
import static io.ballast.core.pick.HashFixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.core.Backend;
import io.ballast.core.PickContext;
import io.ballast.core.PickResult;
import io.ballast.core.Picker;
import io.ballast.core.Rng;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Properties every hash algorithm must have, run against each by its config name. */
class HashPickersTest {
  private static Picker build(Algorithm a, PoolSnapshot pool) {
    return a.factory().build(pool, null, Rng.seeded(1));
  }

  @ParameterizedTest
  @EnumSource(names = {"RING_HASH", "MAGLEV", "BOUNDED_LOAD_HASH"})
  void isHashBasedAndFoundByName(Algorithm a) {
    assertThat(a.hashBased()).isTrue();
    assertThat(Algorithm.byConfigName(a.configName())).contains(a);
  }

  @ParameterizedTest
  @EnumSource(names = {"RING_HASH", "MAGLEV", "BOUNDED_LOAD_HASH"})
  void aRetryNeverReturnsAnExcludedBackend(Algorithm a) {
    List<Backend> bs = backends(5);
    Picker p = build(a, snapshot(bs));
    for (long k = 0; k < 2000; k++) {
      Backend first = picked(p.pick(key(k)));
      Backend second = picked(p.pick(key(k, first)));
      assertThat(second).isNotSameAs(first);
      Backend third = picked(p.pick(key(k, first, second)));
      assertThat(third).isNotSameAs(first).isNotSameAs(second);
    }
  }

  @ParameterizedTest
  @EnumSource(names = {"RING_HASH", "MAGLEV", "BOUNDED_LOAD_HASH"})
  void withAllButOneUnavailableEveryKeyGoesToThatOne(Algorithm a) {
    List<Backend> bs = backends(6);
    Backend last = bs.get(4);
    Picker p = build(a, snapshot(bs, bs.get(0), bs.get(1), bs.get(2), bs.get(3), bs.get(5)));
    for (long k = 0; k < 1000; k++) {
      assertThat(picked(p.pick(key(k)))).isSameAs(last);
    }
    assertThat(p.pick(key(3, last))).isSameAs(PickResult.NoBackend.ALL_EXCLUDED);
  }

  @ParameterizedTest
  @EnumSource(names = {"RING_HASH", "MAGLEV", "BOUNDED_LOAD_HASH"})
  void allExcludedGivesNoBackend(Algorithm a) {
    List<Backend> bs = backends(200);
    // Half unavailable, the other half already tried: nothing left, answered without a lap.
    Backend[] out = bs.subList(0, 100).toArray(Backend[]::new);
    Backend[] tried = bs.subList(100, 200).toArray(Backend[]::new);
    Picker p = build(a, snapshot(bs, out));
    for (long k = 0; k < 100; k++) {
      assertThat(p.pick(key(k, tried))).isSameAs(PickResult.NoBackend.ALL_EXCLUDED);
    }
  }

  @ParameterizedTest
  @EnumSource(names = {"RING_HASH", "MAGLEV", "BOUNDED_LOAD_HASH"})
  void separatelyBuiltInstancesAgreeOnEveryKey(Algorithm a) {
    // Two "instances": different Backend objects with the same names, different seeds.
    Picker one = a.factory().build(snapshot(backends(1, 2, 1, 3, 1)), null, Rng.seeded(1));
    Picker two = a.factory().build(snapshot(backends(1, 2, 1, 3, 1)), null, Rng.seeded(2));
    for (long k = -500; k < 5000; k++) {
      assertThat(picked(one.pick(key(k))).name()).isEqualTo(picked(two.pick(key(k))).name());
    }
    // No key (0) is answered like any other key, and the same way each time.
    assertThat(picked(one.pick(PickContext.NONE)).name())
        .isEqualTo(picked(two.pick(PickContext.NONE)).name());
  }

  @ParameterizedTest
  @EnumSource(names = {"RING_HASH", "MAGLEV", "BOUNDED_LOAD_HASH"})
  void keysSpreadOverEveryBackend(Algorithm a) {
    List<Backend> bs = backends(8);
    Backend[] assigned = HashFixtures.assignment(build(a, snapshot(bs)), 80_000);
    for (Backend b : bs) {
      long count = java.util.Arrays.stream(assigned).filter(x -> x == b).count();
      // Consecutive keys (poor keys): ±40% of the fair 10 000 even on the default 1024-point ring.
      assertThat(count).as("%s with %s", b.name(), a).isBetween(6_000L, 14_000L);
    }
  }
}
