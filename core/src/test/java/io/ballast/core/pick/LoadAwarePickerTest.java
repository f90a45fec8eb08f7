package io.ballast.core.pick;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.ballast.core.Backend;
import io.ballast.core.PickContext;
import io.ballast.core.PickResult;
import io.ballast.core.Picker;
import io.ballast.core.Rng;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class LoadAwarePickerTest {
  private static final long MS = 1_000_000L;

  private static List<Backend> backends(int... weights) {
    List<Backend> list = new ArrayList<>();
    for (int i = 0; i < weights.length; i++) {
      list.add(new Backend("b" + i, "127.0.0.1", 9000 + i, weights[i]));
    }
    return list;
  }

  private static List<Backend> equal(int n) {
    return backends(IntStream.range(0, n).map(i -> 1).toArray());
  }

  private static int[] weightsOf(List<Backend> bs) {
    return bs.stream().mapToInt(Backend::weight).toArray();
  }

  private static Backend picked(Picker p, PickContext c) {
    PickResult r = p.pick(c);
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

  private static int[] counts(Picker p, List<Backend> bs, int picks) {
    Map<Backend, Integer> index = indexOf(bs);
    int[] counts = new int[bs.size()];
    for (int i = 0; i < picks; i++) {
      counts[index.get(picked(p, PickContext.NONE))]++;
    }
    return counts;
  }

  private static Map<Backend, Integer> indexOf(List<Backend> bs) {
    Map<Backend, Integer> index = new IdentityHashMap<>();
    for (int i = 0; i < bs.size(); i++) {
      index.put(bs.get(i), i);
    }
    return index;
  }

  private static double chiSquare(int[] observed, double[] expectedShare, int total) {
    double chi = 0;
    for (int i = 0; i < observed.length; i++) {
      double e = expectedShare[i] * total;
      chi += (observed[i] - e) * (observed[i] - e) / e;
    }
    return chi;
  }

  // ---------------------------------------------------------------- random, weighted random

  @Test
  void randomIsUniform() {
    List<Backend> bs = equal(10);
    int[] counts = counts(new RandomPicker(bs, Rng.seeded(11)), bs, 100_000);
    // Each count is Binomial(100000, 0.1): sd 95; allow 4 sd.
    for (int c : counts) {
      assertThat(c).isBetween(10_000 - 380, 10_000 + 380);
    }
    double[] share = new double[10];
    java.util.Arrays.fill(share, 0.1);
    // 9 degrees of freedom: 27.88 is the 0.999 quantile.
    assertThat(chiSquare(counts, share, 100_000)).isLessThan(27.88);
  }

  @Test
  void weightedRandomFollowsTheWeights() {
    List<Backend> bs = backends(1, 2, 3, 4, 10);
    int[] counts = counts(new WeightedRandomPicker(bs, weightsOf(bs), Rng.seeded(12)), bs, 100_000);
    double[] share = {0.05, 0.10, 0.15, 0.20, 0.50};
    for (int i = 0; i < counts.length; i++) {
      double sd = Math.sqrt(100_000 * share[i] * (1 - share[i]));
      assertThat((double) counts[i]).as("backend %d", i)
          .isCloseTo(100_000 * share[i], within(4 * sd));
    }
    // 4 degrees of freedom: 18.47 is the 0.999 quantile.
    assertThat(chiSquare(counts, share, 100_000)).isLessThan(18.47);
  }

  @Test
  void aliasTableIsExact() {
    Rng rng = Rng.seeded(13);
    for (int round = 0; round < 300; round++) {
      int n = 1 + rng.nextInt(300);
      int[] w = IntStream.range(0, n).map(i -> 1 + rng.nextInt(Backend.MAX_WEIGHT)).toArray();
      double sum = IntStream.of(w).sum();
      double[] prob = new double[n];
      int[] alias = new int[n];
      WeightedRandomPicker.build(w, prob, alias);
      double total = 0;
      double[] p = new double[n];
      for (int i = 0; i < n; i++) {
        assertThat(prob[i]).isBetween(0.0, 1.0);
        p[i] += prob[i] / n;
        p[alias[i]] += (1 - prob[i]) / n;
      }
      for (int i = 0; i < n; i++) {
        assertThat(p[i]).as("weights %s backend %d", w, i).isCloseTo(w[i] / sum, within(1e-12));
        total += p[i];
      }
      assertThat(total).isCloseTo(1.0, within(1e-12));
    }
    // The worked example of the javadoc: 3, 1 → 0.75, 0.25.
    List<Backend> bs = backends(3, 1);
    assertThat(new WeightedRandomPicker(bs, weightsOf(bs), Rng.seeded(1)).probabilities())
        .containsExactly(new double[] {0.75, 0.25}, within(1e-15));
  }

  // ---------------------------------------------------------------- exclusion, registry

  @Test
  void everyLoadAwareAlgorithmHonoursExclusion() {
    for (Algorithm a : List.of(Algorithm.RANDOM, Algorithm.WEIGHTED_RANDOM, Algorithm.LEAST_REQUEST,
        Algorithm.PEAK_EWMA, Algorithm.LEAST_CONNECTIONS_RESPONSE_TIME, Algorithm.AUTO)) {
      assertThat(a.hashBased()).isFalse();
      assertThat(Algorithm.byConfigName(a.configName())).contains(a);
      for (int n : new int[] {1, 2, 3, 10}) {
        List<Backend> bs = backends(IntStream.range(0, n).map(i -> 1 + i % 3).toArray());
        Picker p = a.factory().build(PoolSnapshot.allAvailable(bs), null, Rng.seeded(3));
        if (n > 1) {
          Backend[] tried = bs.subList(0, n - 1).toArray(Backend[]::new);
          for (int i = 0; i < 50; i++) {
            assertThat(picked(p, excluding(tried))).as("%s n=%d", a, n).isSameAs(bs.get(n - 1));
          }
          for (int i = 0; i < 50; i++) {
            assertThat(picked(p, excluding(bs.get(0)))).as("%s n=%d", a, n).isNotSameAs(bs.get(0));
          }
        }
        assertThat(p.pick(excluding(bs.toArray(Backend[]::new)))).as("%s n=%d", a, n)
            .isSameAs(PickResult.NoBackend.ALL_EXCLUDED);
      }
    }
  }

  @Test
  void picksReturnTheBackendsPrebuiltResult() {
    List<Backend> bs = equal(4);
    for (Algorithm a : List.of(Algorithm.RANDOM, Algorithm.WEIGHTED_RANDOM, Algorithm.LEAST_REQUEST,
        Algorithm.PEAK_EWMA, Algorithm.LEAST_CONNECTIONS_RESPONSE_TIME, Algorithm.AUTO)) {
      Picker p = a.factory().build(PoolSnapshot.allAvailable(bs), null, Rng.seeded(3));
      Backend b = picked(p, PickContext.NONE);
      assertThat(p.pick(PickContext.NONE)).isIn(bs.stream().map(Backend::picked).toList());
      assertThat(b.picked()).isSameAs(b.picked());
      assertThat(p.toString()).contains("b0");
    }
  }

  // ---------------------------------------------------------------- power of d choices

  /**
   * Balls into bins with departures: keeps {@code m} requests in flight over the backends, each
   * step places one request with the picker and, once m are in flight, completes a request chosen
   * uniformly among those in flight. Returns the largest (max in-flight − average) seen after a
   * warm-up.
   */
  private static double maxExcess(Function<List<Backend>, Picker> make, int n, int m, int steps) {
    List<Backend> bs = equal(n);
    PoolSnapshot.allAvailable(bs);
    Picker p = make.apply(bs);
    Map<Backend, Integer> index = indexOf(bs);
    Rng rng = Rng.seeded(21);
    int[] owner = new int[m + 1];
    int count = 0;
    double worst = 0;
    for (int step = 0; step < steps; step++) {
      Backend b = picked(p, PickContext.NONE);
      b.load().start();
      owner[count++] = index.get(b);
      if (count > m) {
        int j = rng.nextInt(count);
        bs.get(owner[j]).load().complete(true, MS);
        owner[j] = owner[--count];
      }
      if (step > steps / 5 && step % 50 == 0) {
        int max = 0;
        for (Backend x : bs) {
          max = Math.max(max, x.load().inFlight());
        }
        worst = Math.max(worst, max - (double) count / n);
      }
    }
    return worst;
  }

  @Test
  void powerOfChoicesKeepsTheMaximumNearTheAverage() {
    int n = 100;
    int m = 1000;
    int steps = 200_000;
    double random = maxExcess(bs -> new RandomPicker(bs, Rng.seeded(1)), n, m, steps);
    double two = maxExcess(bs -> new LeastRequestPicker(bs, weightsOf(bs), 2, 1.0, Rng.seeded(1)),
        n, m, steps);
    double three = maxExcess(bs -> new LeastRequestPicker(bs, weightsOf(bs), 3, 1.0, Rng.seeded(1)),
        n, m, steps);
    System.out.printf("balls into bins n=%d m=%d: max - avg random=%.1f d=2=%.1f d=3=%.1f%n",
        n, m, random, two, three);
    assertThat(two).isLessThanOrEqualTo(5.0);
    assertThat(three).isLessThanOrEqualTo(two);
    assertThat(random).isGreaterThanOrEqualTo(3 * two);
  }

  @Test
  void leastRequestWithAllCandidatesIsExactLeastRequest() {
    List<Backend> bs = equal(3);
    Picker p = new LeastRequestPicker(bs, weightsOf(bs), 3, 1.0, Rng.seeded(4));
    bs.get(0).load().start();
    bs.get(0).load().start();
    bs.get(2).load().start();
    assertThat(picked(p, PickContext.NONE)).isSameAs(bs.get(1));
  }

  @Test
  void leastRequestKeepsInFlightProportionalToWeights() {
    List<Backend> bs = backends(1, 2, 1, 4);
    Picker p = new LeastRequestPicker(bs, weightsOf(bs), 2, 1.0, Rng.seeded(5));
    for (int i = 0; i < 8000; i++) {
      picked(p, PickContext.NONE).load().start();
    }
    int[] expected = {1000, 2000, 1000, 4000};
    for (int i = 0; i < 4; i++) {
      assertThat(bs.get(i).load().inFlight()).as("backend %d", i)
          .isCloseTo(expected[i], within(expected[i] / 20));
    }
  }

  @Test
  void activeRequestBiasZeroIgnoresLoad() {
    List<Backend> bs = backends(1, 2);
    Picker p = new LeastRequestPicker(bs, weightsOf(bs), 2, 0.0, Rng.seeded(5));
    for (int i = 0; i < 100; i++) {
      Backend b = picked(p, PickContext.NONE);
      b.load().start();
      assertThat(b).isSameAs(bs.get(1));
    }
  }

  // ---------------------------------------------------------------- simulated traffic

  private record Response(long nanos, boolean success) {}

  @FunctionalInterface
  private interface Model {
    Response respond(int backend, long now, Rng rng);
  }

  /**
   * Discrete-event run on a fake clock: one request every millisecond, each completes after the
   * model's latency. Returns each backend's share of the picks made in [from, to).
   */
  private static double[] simulate(Function<List<Backend>, Picker> make, int n, Model model,
      long from, long to) {
    AtomicLong clock = new AtomicLong();
    List<Backend> bs = equal(n);
    PoolSnapshot.allAvailable(bs);
    bs.forEach(b -> b.load().useTicker(clock::get));
    Picker p = make.apply(bs);
    Map<Backend, Integer> index = indexOf(bs);
    Rng rng = Rng.seeded(31);
    PriorityQueue<long[]> done = new PriorityQueue<>((x, y) -> Long.compare(x[0], y[0]));
    int[] counts = new int[n];
    int total = 0;
    long next = 0;
    while (next < to) {
      if (!done.isEmpty() && done.peek()[0] <= next) {
        long[] e = done.poll();
        clock.set(e[0]);
        bs.get((int) e[1]).load().complete(e[3] == 1, e[2]);
        continue;
      }
      clock.set(next);
      int i = index.get(picked(p, PickContext.NONE));
      bs.get(i).load().start();
      Response r = model.respond(i, next, rng);
      done.add(new long[] {next + r.nanos(), i, r.nanos(), r.success() ? 1 : 0});
      if (next >= from) {
        counts[i]++;
        total++;
      }
      next += MS;
    }
    double[] share = new double[n];
    for (int i = 0; i < n; i++) {
      share[i] = (double) counts[i] / total;
    }
    return share;
  }

  private static long jitter(long base, Rng rng) {
    return (long) (base * (0.5 + rng.nextDouble()));
  }

  private static final long SLOW_AT = 5_000 * MS;

  /** Backend 0 answers in 10 ms (±50 %) and 10× slower from 5 s on. */
  private static final Model TURNS_SLOW = (i, now, rng) ->
      new Response(jitter(i == 0 && now >= SLOW_AT ? 100 * MS : 10 * MS, rng), true);

  /** Backend 0 answers every request with an error within 1 ms; the others succeed in 10 ms. */
  private static final Model FAILS_FAST = (i, now, rng) ->
      i == 0 ? new Response(jitter(MS, rng), false) : new Response(jitter(10 * MS, rng), true);

  private static final AlgorithmOptions OPTIONS = AlgorithmOptions.DEFAULTS;

  private static Function<List<Backend>, Picker> leastRequest() {
    return bs -> new LeastRequestPicker(bs, weightsOf(bs), 2, 1.0, Rng.seeded(41));
  }

  private static Function<List<Backend>, Picker> peakEwma() {
    return bs -> {
      bs.forEach(b -> b.load().useEwmaDecay(OPTIONS.ewmaDecay()));
      return new PeakEwmaPicker(bs, weightsOf(bs), 2, Rng.seeded(42));
    };
  }

  private static Function<List<Backend>, Picker> responseTime() {
    return bs -> new LeastConnectionsResponseTimePicker(bs, weightsOf(bs), 1.0, 1.0, 100,
        new AtomicLong());
  }

  @Test
  void loadAwarePickersMoveTrafficAwayFromABackendThatTurnsSlow() {
    Map<String, Function<List<Backend>, Picker>> pickers = Map.of(
        "least-request", leastRequest(), "peak-ewma", peakEwma(),
        "least-connections-response-time", responseTime());
    Map<String, Double> bound = Map.of(
        "least-request", 0.12, "peak-ewma", 0.05, "least-connections-response-time", 0.05);
    for (var e : pickers.entrySet()) {
      double before = simulate(e.getValue(), 4, TURNS_SLOW, 1_000 * MS, SLOW_AT)[0];
      double after = simulate(e.getValue(), 4, TURNS_SLOW, SLOW_AT + 1_000 * MS, 15_000 * MS)[0];
      System.out.printf("%s: slow backend share before %.3f, from 1 s after it slowed %.4f%n",
          e.getKey(), before, after);
      assertThat(before).as(e.getKey()).isBetween(0.18, 0.32);
      assertThat(after).as(e.getKey()).isLessThan(bound.get(e.getKey()));
    }
  }

  @Test
  void failingFastDoesNotAttractTraffic() {
    double naive = simulate(leastRequest(), 4, FAILS_FAST, 1_000 * MS, 10_000 * MS)[0];
    double ewma = simulate(peakEwma(), 4, FAILS_FAST, 1_000 * MS, 10_000 * MS)[0];
    double lcrt = simulate(responseTime(), 4, FAILS_FAST, 1_000 * MS, 10_000 * MS)[0];
    System.out.printf("fail-fast backend share: least-request %.3f, peak-ewma %.4f, "
        + "least-connections-response-time %.4f%n", naive, ewma, lcrt);
    // Least request sees short queues only and is drawn to the failing backend.
    assertThat(naive).isGreaterThan(0.25);
    assertThat(ewma).isLessThan(0.02);
    assertThat(lcrt).isLessThan(0.02);
  }

  // ---------------------------------------------------------------- peak EWMA, response time

  @Test
  void aBackendWithNoSampleIsProbedNotFlooded() {
    AtomicLong clock = new AtomicLong();
    List<Backend> bs = equal(3);
    PoolSnapshot.allAvailable(bs);
    bs.forEach(b -> b.load().useTicker(clock::get));
    for (Backend b : bs.subList(0, 2)) {
      b.load().start();
      b.load().complete(true, 10 * MS);
    }
    Picker p = new PeakEwmaPicker(bs, weightsOf(bs), 2, Rng.seeded(7));
    for (int i = 0; i < 300; i++) {
      picked(p, PickContext.NONE).load().start();
    }
    // All three take about a third: the new one neither gets everything nor nothing.
    for (Backend b : bs) {
      assertThat(b.load().inFlight()).as(b.name()).isBetween(90, 110);
    }
  }

  @Test
  void peakEwmaWeighsLatencyAgainstQueueLength() {
    AtomicLong clock = new AtomicLong();
    List<Backend> bs = equal(2);
    PoolSnapshot.allAvailable(bs);
    bs.forEach(b -> b.load().useTicker(clock::get));
    bs.get(0).load().start();
    bs.get(0).load().complete(true, 10 * MS);
    bs.get(1).load().start();
    bs.get(1).load().complete(true, 30 * MS);
    Picker p = new PeakEwmaPicker(bs, weightsOf(bs), 2, Rng.seeded(8));
    for (int i = 0; i < 400; i++) {
      picked(p, PickContext.NONE).load().start();
    }
    // Costs equalise when 10 × (a + 1) = 30 × (b + 1): a ≈ 300, b ≈ 100.
    assertThat(bs.get(0).load().inFlight()).isBetween(298, 302);
    assertThat(bs.get(1).load().inFlight()).isBetween(98, 102);
  }

  @Test
  void responseTimeScoreFollowsTheWorkedExample() {
    AtomicLong clock = new AtomicLong();
    List<Backend> bs = equal(2);
    PoolSnapshot.allAvailable(bs);
    bs.forEach(b -> b.load().useTicker(clock::get));
    Backend a = bs.get(0);
    Backend b = bs.get(1);
    a.load().start();
    a.load().complete(true, 50 * MS);
    b.load().start();
    b.load().complete(true, 400 * MS);
    IntStream.range(0, 20).forEach(i -> a.load().start());
    IntStream.range(0, 5).forEach(i -> b.load().start());
    Picker p = new LeastConnectionsResponseTimePicker(bs, weightsOf(bs), 1.0, 1.0, 100,
        new AtomicLong());
    // a: 20/100 + 0.05 = 0.25; b: 5/100 + 0.4 = 0.45.
    for (int i = 0; i < 10; i++) {
      assertThat(picked(p, PickContext.NONE)).isSameAs(a);
    }
    // Weight 2 on b halves its score to 0.225: now b wins.
    Picker weighted = new LeastConnectionsResponseTimePicker(bs, new int[] {1, 2}, 1.0, 1.0, 100,
        new AtomicLong());
    assertThat(picked(weighted, PickContext.NONE)).isSameAs(b);
  }

  @Test
  void responseTimeTiesRotate() {
    List<Backend> bs = equal(3);
    Picker p = LeastConnectionsResponseTimePicker.factory(OPTIONS)
        .build(PoolSnapshot.allAvailable(bs), null, Rng.seeded(9));
    int[] counts = counts(p, bs, 300);
    assertThat(counts).containsExactly(100, 100, 100);
  }

  @Test
  void peakEwmaFactorySetsTheDecayOnEveryMember() {
    List<Backend> bs = equal(2);
    AlgorithmOptions o = new AlgorithmOptions(2, 1.0, Duration.ofSeconds(3), 1, 1, 100, 1024,
        65537, 0.25);
    Algorithm.PEAK_EWMA.factory(o).build(PoolSnapshot.allAvailable(bs), null, Rng.seeded(1));
    for (Backend b : bs) {
      assertThat(b.load().ewmaDecayNanos()).isEqualTo(3e9);
    }
  }
}
