package io.ballast.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.core.Backend;
import io.ballast.core.PickResult;
import io.ballast.core.Picker;
import io.ballast.core.pick.Algorithm;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Runs each benchmark's setup and a few of its operations outside JMH, for every algorithm. */
class BenchmarkSetupTest {
  private static PickBenchmark pickBenchmark(Algorithm algorithm, int backends) {
    PickBenchmark bench = new PickBenchmark();
    bench.algorithm = algorithm.configName();
    bench.weights = Pools.MIXED;
    bench.backends = backends;
    bench.setUp();
    return bench;
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void pickReturnsABackendForVaryingKeys(Algorithm algorithm) {
    PickBenchmark bench = pickBenchmark(algorithm, 100);
    PickBenchmark.Requests requests = new PickBenchmark.Requests();
    requests.setUp(bench);
    Set<Backend> seen = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      PickResult r = bench.pick(requests);
      assertThat(r).isInstanceOf(PickResult.Picked.class);
      seen.add(((PickResult.Picked) r).backend());
    }
    // Whatever the algorithm, 1000 picks with varying keys must spread over several backends.
    assertThat(seen).hasSizeGreaterThan(1);
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void pickStartCompleteKeepsOneRequestPerBackendInFlight(Algorithm algorithm) {
    PickBenchmark bench = pickBenchmark(algorithm, 10);
    Picker picker = bench.picker();
    assertThat(picker.pick(new KeyedContext())).isInstanceOf(PickResult.Picked.class);
    int preloaded = bench.inFlight();
    PickBenchmark.Requests requests = new PickBenchmark.Requests();
    requests.setUp(bench);
    for (int i = 0; i < 35; i++) {
      assertThat(bench.pickStartComplete(requests)).isInstanceOf(PickResult.Picked.class);
    }
    assertThat(requests.held()).isEqualTo(10);
    assertThat(bench.inFlight()).isEqualTo(preloaded + 10);
    requests.tearDown();
    assertThat(requests.held()).isZero();
    assertThat(bench.inFlight()).isEqualTo(preloaded);
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void rebuildsNeverPickTheFlippedMember(Algorithm algorithm) {
    RebuildBenchmark bench = new RebuildBenchmark();
    bench.algorithm = algorithm.configName();
    bench.weights = Pools.MIXED;
    bench.backends = 20;
    bench.setUp();
    Backend out = bench.flippedMember();
    Picker cold = bench.cold();
    Picker warm = bench.warm();
    KeyedContext context = new KeyedContext();
    long[] keys = Pools.hashKeys(256, 3);
    Set<Backend> coldSeen = new HashSet<>();
    for (long key : keys) {
      context.key(key);
      coldSeen.add(((PickResult.Picked) cold.pick(context)).backend());
      PickResult r = warm.pick(context);
      assertThat(r).isInstanceOf(PickResult.Picked.class);
      assertThat(((PickResult.Picked) r).backend()).isNotSameAs(out);
    }
    assertThat(coldSeen).hasSizeGreaterThan(1);
  }

  @org.junit.jupiter.api.Test
  void backendLoadBenchmarksLeaveNothingInFlightAndGiveEachThreadItsOwnBackend() {
    BackendLoadBenchmark bench = new BackendLoadBenchmark();
    bench.setUp();
    BackendLoadBenchmark.Own first = new BackendLoadBenchmark.Own();
    first.setUp(bench);
    BackendLoadBenchmark.Own second = new BackendLoadBenchmark.Own();
    second.setUp(bench);
    for (int i = 0; i < 5; i++) {
      assertThat(bench.startComplete()).isZero();
      assertThat(bench.startCompleteTwoThreads()).isZero();
      assertThat(bench.startCompleteTwoThreadsOwnBackend(first)).isZero();
      assertThat(bench.startCompleteTwoThreadsOwnBackend(second)).isZero();
    }
    assertThat(bench.pool().inFlight()).isZero();
    assertThat(bench.nextOwn()).isNotSameAs(bench.nextOwn());
  }
}
