package io.ballast.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.core.Backend;
import io.ballast.core.PickResult;
import io.ballast.core.affinity.SessionCookieCodec;
import io.ballast.core.affinity.SessionCookieCodec.Opened;
import io.ballast.core.zone.Locality;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs the zone and affinity benchmarks' setups and operations outside JMH and checks that each
 * measures the path it names.
 */
class ZoneAffinityBenchmarkTest {
  private static Backend backend(PickResult r) {
    assertThat(r).isInstanceOf(PickResult.Picked.class);
    return ((PickResult.Picked) r).backend();
  }

  @ParameterizedTest
  @ValueSource(strings = {AlgorithmNames.ROUND_ROBIN, AlgorithmNames.LEAST_REQUEST})
  void zonePicksStayLocalSpillAndSpread(String inner) {
    ZoneBenchmark bench = new ZoneBenchmark();
    bench.inner = inner;
    bench.setUp();
    try {
      ZoneBenchmark.Clients clients = new ZoneBenchmark.Clients();
      clients.setUp(bench);
      Map<Locality, Integer> local = new HashMap<>();
      Map<Locality, Integer> spilled = new HashMap<>();
      Map<Locality, Integer> unknown = new HashMap<>();
      for (int i = 0; i < 2000; i++) {
        local.merge(bench.zoneOf(backend(bench.pickLocal(clients))), 1, Integer::sum);
        spilled.merge(bench.zoneOf(backend(bench.pickSpilling(clients))), 1, Integer::sum);
        unknown.merge(bench.zoneOf(backend(bench.pickUnknownClient(clients))), 1, Integer::sum);
        backend(bench.pickWithoutZones(clients));
      }
      assertThat(local).containsOnlyKeys(ZoneBenchmark.EU_A);
      // 2 of 5 up is 40% of eu/a's weight: it keeps 40 / 70 = 57.1%, eu/b takes the rest.
      assertThat(spilled).containsOnlyKeys(ZoneBenchmark.EU_A, ZoneBenchmark.EU_B);
      assertThat(spilled.get(ZoneBenchmark.EU_A)).isBetween(1000, 1300);
      assertThat(unknown).containsOnlyKeys(
          ZoneBenchmark.EU_A, ZoneBenchmark.EU_B, ZoneBenchmark.US_A);
      for (Backend b : bench.spillingPool().backends().subList(0, ZoneBenchmark.DOWN_IN_EU_A)) {
        assertThat(bench.spillingPool().available(b)).isFalse();
      }
    } finally {
      bench.tearDown();
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {10, 100})
  void affinityKeepsPinsPlacesNewSessionsAndRejectsTheTamperedCookie(int backends) {
    AffinityBenchmark bench = new AffinityBenchmark();
    bench.setUp();
    AffinityBenchmark.Pool pool = new AffinityBenchmark.Pool();
    pool.backends = backends;
    pool.setUp();
    try {
      assertThat(bench.openValid()).isInstanceOfSatisfying(Opened.Valid.class,
          v -> assertThat(v.backend()).isEqualTo("b3"));
      assertThat(bench.codec().open(bench.seal(), AffinityBenchmark.NOW_SECONDS))
          .isInstanceOf(Opened.Valid.class);
      assertThat(bench.openTampered()).isInstanceOfSatisfying(Opened.Rejected.class,
          r -> assertThat(r.reason()).isEqualTo(SessionCookieCodec.Reason.TAMPERED));

      AffinityBenchmark.Sessions sessions = new AffinityBenchmark.Sessions();
      sessions.setUp(pool);
      for (int i = 0; i < 500; i++) {
        backend(bench.pickKeptPin(pool, sessions));
        backend(bench.pickNewSession(pool, sessions));
      }
      var counters = pool.affinity().counters();
      assertThat(counters.kept()).isEqualTo(500);
      assertThat(counters.pinned()).isEqualTo(500);
      // The preload (0 to 3 in flight each) puts some round-robin choices above their bound.
      assertThat(counters.overflowed()).isPositive();
    } finally {
      pool.tearDown();
    }
  }
}
