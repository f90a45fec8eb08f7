package io.ballast.core.zone;

import static io.ballast.core.zone.ZoneFixtures.client;
import static io.ballast.core.zone.ZoneFixtures.pick;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.ballast.core.Backend;
import io.ballast.core.PickContext;
import io.ballast.core.PickResult;
import io.ballast.core.Picker;
import io.ballast.core.Rng;
import io.ballast.core.pick.Algorithm;
import io.ballast.core.pick.PickerFactory;
import io.ballast.core.pick.PoolSnapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ZoneAwarePickerTest {
  private static final Map<String, Map<String, Duration>> MATRIX = Map.of(
      "eu-1a", Map.of("eu-1b", Duration.ofMillis(2), "eu-1c", Duration.ofMillis(4),
          "us-1a", Duration.ofMillis(80), "ap-1a", Duration.ofMillis(150)),
      "eu/eu-1b", Map.of("eu-1c", Duration.ofMillis(3)));

  private final ZoneFixtures pool = new ZoneFixtures()
      .zone("eu/eu-1a", 5).zone("eu/eu-1b", 5).zone("eu/eu-1c", 2)
      .zone("us/us-1a", 2).zone("ap/ap-1a", 2);
  private final List<String> lines = new ArrayList<>();

  private ZoneAwarePickerFactory factory(ZoneSettings settings, String... clientZones) {
    return factory(Algorithm.ROUND_ROBIN.factory(), settings, clientZones);
  }

  private ZoneAwarePickerFactory factory(PickerFactory inner, ZoneSettings settings,
      String... clientZones) {
    return new ZoneAwarePickerFactory(inner, pool.localities, pool.map(clientZones), settings,
        lines::add);
  }

  private static ZoneSettings settings(int min, List<String> priority) {
    return new ZoneSettings(min, priority, MATRIX);
  }

  private static String plan(ZoneAwarePicker p, String clientZone) {
    return p.plan(p.zones().index(clientZone)).toString();
  }

  private static ZoneAwarePicker build(ZoneAwarePickerFactory f, PoolSnapshot s, Picker prev) {
    return (ZoneAwarePicker) f.build(s, prev, Rng.singleThreaded(7));
  }

  @Test
  void aZoneWithEveryBackendUpKeepsAllOfItsClientsTraffic() {
    ZoneAwarePickerFactory f = factory(settings(70, List.of()));
    ZoneAwarePicker p = build(f, pool.snapshot(), null);
    int eu1a = p.zones().index("eu/eu-1a");
    assertThat(p.plan(eu1a)).containsExactly(
        new ZoneShare(Locality.parse("eu/eu-1a"), 1.0, Duration.ZERO));
    for (int i = 0; i < 50; i++) {
      assertThat(pick(p, client(eu1a))).startsWith("eu-1a-");
    }
    assertThat(lines).as("the first plan is the all-up plan: nothing changed").isEmpty();
  }

  @Test
  void threeOfFiveUpUnderSeventyPercentKeepsSixSeventhsAndSpillsTheRestToTheNearestZone() {
    ZoneAwarePickerFactory f = factory(settings(70, List.of()));
    ZoneAwarePicker p = build(f, pool.snapshot("eu-1a-3", "eu-1a-4"), null);
    List<ZoneShare> plan = p.plan(p.zones().index("eu/eu-1a"));
    assertThat(plan).extracting(s -> s.zone().toString()).containsExactly("eu/eu-1a", "eu/eu-1b");
    assertThat(plan.get(0).share()).isCloseTo(0.6 / 0.7, within(1e-12));
    assertThat(plan.get(1).share()).isCloseTo(1 - 0.6 / 0.7, within(1e-12));
    assertThat(plan.get(1).latency()).isEqualTo(Duration.ofMillis(2));
    assertThat(lines).containsExactly("clients in eu/eu-1a: 85.7% stay (3 of 5 backends up, "
        + "60% of weight < 70%), 14.3% -> eu/eu-1b (2 ms)");
    // Other zones' clients are not affected: eu-1b has room for its own.
    assertThat(plan(p, "eu/eu-1b")).isEqualTo("[eu/eu-1b 100% (0 ms)]");
  }

  @Test
  void aZoneAtTheMinimumKeepsEverything() {
    ZoneAwarePickerFactory f = factory(settings(60, List.of()));
    ZoneAwarePicker p = build(f, pool.snapshot("eu-1a-3", "eu-1a-4"), null);
    assertThat(plan(p, "eu/eu-1a")).isEqualTo("[eu/eu-1a 100% (0 ms)]");
    assertThat(lines).isEmpty();
  }

  @Test
  void spillFollowsTheLatencyMatrixWithinTheRegionInEitherDirection() {
    // eu-1b's nearest is eu-1c (3 ms, given from eu-1b), then eu-1a (2 ms given from eu-1a only,
    // looked up the other way round): 2 ms < 3 ms, so eu-1a comes first.
    ZoneAwarePickerFactory f = factory(settings(70, List.of()));
    ZoneAwarePicker p = build(f, pool.snapshot("eu-1b-0", "eu-1b-1", "eu-1b-2", "eu-1b-3",
        "eu-1b-4"), null);
    assertThat(plan(p, "eu/eu-1b")).isEqualTo("[eu/eu-1a 100% (2 ms)]");
    assertThat(lines).containsExactly(
        "clients in eu/eu-1b: 0% stay (0 of 5 backends up), 100% -> eu/eu-1a (2 ms)");
  }

  @Test
  void aWholeRegionDownFailsOverToTheNextRegionByPriorityNotByLatency() {
    ZoneAwarePickerFactory f = factory(settings(70, List.of("eu", "ap", "us")));
    List<String> eu = new ArrayList<>();
    pool.backends.stream().filter(b -> b.name().startsWith("eu-")).forEach(b -> eu.add(b.name()));
    ZoneAwarePicker p = build(f, pool.snapshot(eu.toArray(String[]::new)), null);
    assertThat(plan(p, "eu/eu-1a")).isEqualTo("[ap/ap-1a 100% (150 ms)]");
    assertThat(plan(p, "us/us-1a")).isEqualTo("[us/us-1a 100% (0 ms)]");
    int eu1a = p.zones().index("eu/eu-1a");
    for (int i = 0; i < 20; i++) {
      assertThat(pick(p, client(eu1a))).startsWith("ap-1a-");
    }
    assertThat(lines).contains(
        "clients in eu/eu-1a: 0% stay (0 of 5 backends up), 100% -> ap/ap-1a (150 ms)");
    assertThat(lines).hasSize(3);
  }

  @Test
  void regionsNotListedComeAfterTheListedOnesNearestFirst() {
    ZoneAwarePickerFactory f = factory(settings(70, List.of()));
    List<String> eu = new ArrayList<>();
    pool.backends.stream().filter(b -> b.name().startsWith("eu-")).forEach(b -> eu.add(b.name()));
    ZoneAwarePicker p = build(f, pool.snapshot(eu.toArray(String[]::new)), null);
    // No priority: us (80 ms) is nearer than ap (150 ms) from eu-1a.
    assertThat(plan(p, "eu/eu-1a")).isEqualTo("[us/us-1a 100% (80 ms)]");
    // From eu-1c nothing is given: both at the 100 ms cross-region default, so by name.
    assertThat(plan(p, "eu/eu-1c")).isEqualTo("[ap/ap-1a 100% (100 ms)]");
  }

  @Test
  void weightsCountNotBackendCounts() {
    ZoneFixtures weighted = new ZoneFixtures().zone("eu/eu-1a", 4, 1).zone("eu/eu-1b", 1, 1);
    ZoneAwarePickerFactory f = new ZoneAwarePickerFactory(Algorithm.ROUND_ROBIN.factory(),
        weighted.localities, weighted.map(), ZoneSettings.DEFAULTS, lines::add);
    // The weight-1 backend down: 4 of 5 weight (80%) is up, above 70%: all stay.
    ZoneAwarePicker light = build(f, weighted.snapshot("eu-1a-1"), null);
    assertThat(plan(light, "eu/eu-1a")).isEqualTo("[eu/eu-1a 100% (0 ms)]");
    // The weight-4 backend down: half the backends but 20% of the weight: 2/7 stay.
    ZoneAwarePicker heavy = build(f, weighted.snapshot("eu-1a-0"), light);
    List<ZoneShare> plan = heavy.plan(heavy.zones().index("eu/eu-1a"));
    assertThat(plan.get(0).share()).isCloseTo(0.2 / 0.7, within(1e-12));
    assertThat(plan.get(1).share()).isCloseTo(1 - 0.2 / 0.7, within(1e-12));
    // The first plan is the all-up plan again: no line; the second is a change.
    assertThat(lines).containsExactly(
        "clients in eu/eu-1a: 28.6% stay (1 of 2 backends up, 20% of weight < 70%), "
            + "71.4% -> eu/eu-1b (1 ms)");
  }

  @Test
  void whenNoZoneHasRoomTheOverflowIsSpreadByAvailableWeight() {
    ZoneFixtures two = new ZoneFixtures().zone("eu/eu-1a", 2).zone("eu/eu-1b", 2);
    ZoneAwarePickerFactory f = new ZoneAwarePickerFactory(Algorithm.ROUND_ROBIN.factory(),
        two.localities, two.map(), ZoneSettings.DEFAULTS, lines::add);
    ZoneAwarePicker p = build(f, two.snapshot("eu-1a-1", "eu-1b-1"), null);
    // Each zone keeps 0.5 / 0.7; eu-1a keeps k, eu-1b (1 - k) k, and the (1 - k)^2 left over is
    // shared 1:1 by available weight.
    double k = 0.5 / 0.7;
    double rest = (1 - k) * (1 - k);
    List<ZoneShare> plan = p.plan(p.zones().index("eu/eu-1a"));
    assertThat(plan.get(0).share()).isCloseTo(k + rest / 2, within(1e-12));
    assertThat(plan.get(1).share()).isCloseTo((1 - k) * k + rest / 2, within(1e-12));
    assertThat(plan.get(0).share() + plan.get(1).share()).isCloseTo(1.0, within(1e-12));
    assertThat(lines.get(0)).isEqualTo("clients in eu/eu-1a: 75.5% stay (1 of 2 backends up, "
        + "50% of weight < 70%), 24.5% -> eu/eu-1b (1 ms); short of capacity everywhere: the "
        + "overflow is spread by available weight");
  }

  @Test
  void anUnknownClientIsBalancedOverTheWholePool() {
    ZoneAwarePickerFactory f = factory(settings(70, List.of()));
    ZoneAwarePicker p = build(f, pool.snapshot("eu-1a-0"), null);
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < 15 * 10; i++) {
      seen.merge(pick(p, PickContext.NONE), 1, Integer::sum);
    }
    // Round robin over the 15 available members of the whole pool: 10 each.
    assertThat(seen).hasSize(15).doesNotContainKey("eu-1a-0").allSatisfy((k, v) ->
        assertThat(v).isEqualTo(10));
    assertThat(p.plan(-1)).isEmpty();
    assertThat(pick(p, client(99))).as("an index the map does not have").isNotNull();
  }

  @Test
  void clientsOfAZoneWithoutBackendsGoToTheNearestZone() {
    ZoneAwarePickerFactory f = factory(settings(70, List.of()), "eu/eu-1d");
    ZoneAwarePicker p = build(f, pool.snapshot(), null);
    // Nothing given from eu-1d: every eu zone costs the 1 ms default, so by name.
    assertThat(plan(p, "eu/eu-1d")).isEqualTo("[eu/eu-1a 100% (1 ms)]");
    ZoneAwarePicker down = build(f, pool.snapshot("eu-1a-0", "eu-1a-1", "eu-1a-2", "eu-1a-3",
        "eu-1a-4"), p);
    assertThat(plan(down, "eu/eu-1d")).isEqualTo("[eu/eu-1b 100% (1 ms)]");
    assertThat(lines).contains("clients in eu/eu-1d (no backends there): 100% -> eu/eu-1b (1 ms)");
  }

  @Test
  void picksFollowThePlanOverAHundredThousandDraws() {
    ZoneAwarePickerFactory f = factory(settings(70, List.of()));
    ZoneAwarePicker p = (ZoneAwarePicker) f.build(pool.snapshot("eu-1a-3", "eu-1a-4"), null,
        Rng.singleThreaded(20240601L));
    PickContext ctx = client(p.zones().index("eu/eu-1a"));
    Map<String, Integer> perBackend = new LinkedHashMap<>();
    int n = 100_000;
    int local = 0;
    for (int i = 0; i < n; i++) {
      String b = pick(p, ctx);
      perBackend.merge(b, 1, Integer::sum);
      local += b.startsWith("eu-1a-") ? 1 : 0;
    }
    double expected = 0.6 / 0.7;
    // Binomial standard deviation sqrt(n p (1 - p)) is about 111 picks; allow 5 of them.
    assertThat(local).isCloseTo((int) Math.round(n * expected), within(560));
    assertThat(perBackend.keySet()).allMatch(b -> b.startsWith("eu-1a-") || b.startsWith("eu-1b-"))
        .doesNotContain("eu-1a-3", "eu-1a-4");
    // Round robin within each zone: even spread.
    for (int i = 0; i < 3; i++) {
      assertThat(perBackend.get("eu-1a-" + i)).isCloseTo(local / 3, within(2));
    }
    for (int i = 0; i < 5; i++) {
      assertThat(perBackend.get("eu-1b-" + i)).isCloseTo((n - local) / 5, within(2));
    }
  }

  @Test
  void aRetryThatExcludesTheLocalZonesOnlyBackendGoesToTheNextZone() {
    ZoneFixtures small = new ZoneFixtures().zone("eu/eu-1a", 1).zone("eu/eu-1b", 2)
        .zone("us/us-1a", 1);
    ZoneAwarePickerFactory f = new ZoneAwarePickerFactory(Algorithm.ROUND_ROBIN.factory(),
        small.localities, small.map(), ZoneSettings.DEFAULTS, lines::add);
    ZoneAwarePicker p = build(f, small.snapshot(), null);
    int eu1a = p.zones().index("eu/eu-1a");
    Backend only = small.backend("eu-1a-0");
    assertThat(pick(p, client(eu1a))).isEqualTo("eu-1a-0");
    for (int i = 0; i < 10; i++) {
      assertThat(pick(p, client(eu1a, only))).startsWith("eu-1b-");
    }
    assertThat(pick(p, client(eu1a, only, small.backend("eu-1b-0"), small.backend("eu-1b-1"))))
        .isEqualTo("us-1a-0");
    PickResult none = p.pick(client(eu1a, small.backends.toArray(Backend[]::new)));
    assertThat(none).isEqualTo(PickResult.NoBackend.ALL_EXCLUDED);
  }

  @Test
  void aRetryFromASpillZoneGoesBackToTheClientsOwnZoneFirst() {
    ZoneFixtures three = new ZoneFixtures().zone("eu/eu-1a", 2).zone("eu/eu-1b", 1)
        .zone("eu/eu-1c", 1);
    ZoneAwarePickerFactory f = new ZoneAwarePickerFactory(Algorithm.ROUND_ROBIN.factory(),
        three.localities, three.map(), new ZoneSettings(100, List.of(), Map.of()), lines::add);
    // eu-1a half up at 100% minimum: half stays, half spills to eu-1b.
    ZoneAwarePicker p = build(f, three.snapshot("eu-1a-1"), null);
    int eu1a = p.zones().index("eu/eu-1a");
    assertThat(plan(p, "eu/eu-1a")).isEqualTo("[eu/eu-1a 50% (0 ms), eu/eu-1b 50% (1 ms)]");
    // Exclude eu-1b's backend: whichever zone the draw chooses, the pick lands on eu-1a (the
    // client's own zone comes first on a retry) or, if eu-1a's is excluded as well, eu-1c.
    Backend b = three.backend("eu-1b-0");
    Backend a = three.backend("eu-1a-0");
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < 200; i++) {
      seen.merge(pick(p, client(eu1a, b)), 1, Integer::sum);
      assertThat(pick(p, client(eu1a, a, b))).isEqualTo("eu-1c-0");
    }
    assertThat(seen).containsOnlyKeys("eu-1a-0");
  }

  @Test
  void aRebuildHandsEachZonesChildItsPreviousPicker() {
    List<Picker> previousSeen = new ArrayList<>();
    PickerFactory inner = Algorithm.ROUND_ROBIN.factory();
    PickerFactory recording = (s, prev, rng) -> {
      previousSeen.add(prev);
      return inner.build(s, prev, rng);
    };
    ZoneFixtures two = new ZoneFixtures().zone("eu/eu-1a", 2).zone("eu/eu-1b", 2);
    ZoneAwarePickerFactory f = new ZoneAwarePickerFactory(recording, two.localities, two.map(),
        ZoneSettings.DEFAULTS, lines::add);
    ZoneAwarePicker first = build(f, two.snapshot(), null);
    assertThat(previousSeen).containsOnlyNulls().hasSize(3);
    previousSeen.clear();
    ZoneAwarePicker second = build(f, two.snapshot("eu-1b-0"), first);
    assertThat(previousSeen).containsExactly(first.child(0), first.child(1), first.whole());
    // Not ours: children start afresh.
    previousSeen.clear();
    build(f, two.snapshot(), ctx -> PickResult.NoBackend.NONE_AVAILABLE);
    assertThat(previousSeen).containsOnlyNulls();
    assertThat(second.toString()).contains("eu/eu-1a 2/2 up", "eu/eu-1b 1/2 up",
        "eu/eu-1a: 100% stay", "eu/eu-1b: 71.4% stay, 28.6% -> eu/eu-1a", "unknown clients: RoundRobinPicker");
  }

  @Test
  void everyAlgorithmCanBeDecorated() {
    for (Algorithm algorithm : Algorithm.values()) {
      lines.clear();
      ZoneAwarePickerFactory f = factory(algorithm.factory(), settings(70, List.of()));
      ZoneAwarePicker p = build(f, pool.snapshot("eu-1a-3", "eu-1a-4"), null);
      int eu1a = p.zones().index("eu/eu-1a");
      Map<String, Integer> zonesSeen = new HashMap<>();
      for (int i = 0; i < 2000; i++) {
        long key = i * 0x9E3779B97F4A7C15L;
        PickContext ctx = new PickContext() {
          @Override
          public long hashKey() {
            return key;
          }

          @Override
          public int locality() {
            return eu1a;
          }
        };
        String b = pick(p, ctx);
        zonesSeen.merge(b.substring(0, b.lastIndexOf('-')), 1, Integer::sum);
      }
      assertThat(zonesSeen).as(algorithm.configName()).containsOnlyKeys("eu-1a", "eu-1b")
          .hasEntrySatisfying("eu-1b", n -> assertThat(n).isBetween(200, 380));
      assertThat(lines).as(algorithm.configName()).hasSize(1);
    }
  }
}
