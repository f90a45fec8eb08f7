package io.ballast.core.pick;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.core.Backend;
import io.ballast.core.PickContext;
import io.ballast.core.PickResult;
import io.ballast.core.Picker;
import io.ballast.core.Rng;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PickerTest {
  private static List<Backend> backends(int... weights) {
    List<Backend> list = new ArrayList<>();
    for (int i = 0; i < weights.length; i++) {
      list.add(new Backend(String.valueOf((char) ('a' + i)), "127.0.0.1", 9000 + i, weights[i]));
    }
    return list;
  }

  private static int[] weightsOf(List<Backend> bs) {
    return bs.stream().mapToInt(Backend::weight).toArray();
  }

  private static String sequence(Picker p, int n) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      sb.append(((PickResult.Picked) p.pick(PickContext.NONE)).backend().name());
    }
    return sb.toString();
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

  @Test
  void smoothWeightedRoundRobinGivesTheNginxSequence() {
    List<Backend> bs = backends(5, 1, 1);
    Picker p = new SmoothWeightedRoundRobinPicker(bs, weightsOf(bs), new AtomicLong());
    assertThat(sequence(p, 14)).isEqualTo("aabacaa" + "aabacaa");
  }

  @Test
  void smoothWeightedScheduleMatchesTheNginxLoopForManyWeightSets() {
    Rng rng = Rng.seeded(42);
    for (int round = 0; round < 200; round++) {
      int n = 1 + rng.nextInt(8);
      int[] w = IntStream.range(0, n).map(i -> 1 + rng.nextInt(20)).toArray();
      int[] schedule = SmoothWeightedRoundRobinPicker.schedule(w);
      int g = IntStream.of(w).reduce(0, PickerTest::gcd);
      int period = IntStream.of(w).sum() / g;
      assertThat(schedule).hasSize(period);
      // Reference: NGINX's loop run on the raw weights, one picks per step, over two periods.
      long[] cur = new long[n];
      int total = IntStream.of(w).sum();
      for (int step = 0; step < 2 * period; step++) {
        int best = 0;
        for (int i = 0; i < n; i++) {
          cur[i] += w[i];
          if (cur[i] > cur[best]) {
            best = i;
          }
        }
        cur[best] -= total;
        assertThat(schedule[step % period]).as("weights %s step %d", w, step).isEqualTo(best);
      }
    }
  }

  private static int gcd(int a, int b) {
    return b == 0 ? a : gcd(b, a % b);
  }

  @Test
  void largeSchedulesKeepExactProportionsAndStaySmooth() {
    int n = 1000;
    int[] w = IntStream.range(0, n).map(i -> 1 + (i * 37) % 256).toArray();
    int[] schedule = SmoothWeightedRoundRobinPicker.schedule(w);
    long sum = IntStream.of(w).sum();
    assertThat(schedule).hasSize((int) sum);
    int[] seen = new int[n];
    for (int step = 0; step < schedule.length; step++) {
      seen[schedule[step]]++;
      if (step % 997 == 0) {
        for (int i = 0; i < n; i++) {
          double ideal = (double) (step + 1) * w[i] / sum;
          assertThat(Math.abs(seen[i] - ideal)).as("backend %d at step %d", i, step)
              .isLessThanOrEqualTo(1.0 + 1e-9);
        }
      }
    }
    for (int i = 0; i < n; i++) {
      assertThat(seen[i]).isEqualTo(w[i]);
    }
  }

  @Test
  void roundRobinVisitsEachInTurn() {
    List<Backend> bs = backends(1, 7, 1);
    Picker p = new RoundRobinPicker(bs, new AtomicLong());
    assertThat(sequence(p, 9)).isEqualTo("abcabcabc");
  }

  @Test
  void cursorSurvivesARebuildOfTheSameKind() {
    List<Backend> bs = backends(1, 1, 1);
    Picker first = RoundRobinPicker.FACTORY.build(PoolSnapshot.allAvailable(bs), null, Rng.seeded(1));
    String before = sequence(first, 2);
    Picker second = RoundRobinPicker.FACTORY.build(PoolSnapshot.allAvailable(bs), first, Rng.seeded(99));
    String after = sequence(second, 1);
    // The rebuilt picker continues where the first one stopped.
    String expected = sequence(RoundRobinPicker.FACTORY.build(PoolSnapshot.allAvailable(bs), null, Rng.seeded(1)), 3);
    assertThat(before + after).isEqualTo(expected);
  }

  @Test
  void excludedBackendsAreSkipped() {
    List<Backend> bs = backends(5, 1, 1);
    Backend a = bs.get(0);
    for (PickerFactory f : List.of(RoundRobinPicker.FACTORY, SmoothWeightedRoundRobinPicker.FACTORY,
        LeastConnectionsPicker.FACTORY)) {
      Picker p = f.build(PoolSnapshot.allAvailable(bs), null, Rng.seeded(3));
      for (int i = 0; i < 20; i++) {
        PickResult r = p.pick(excluding(a));
        assertThat(r).isInstanceOf(PickResult.Picked.class);
        assertThat(((PickResult.Picked) r).backend()).isNotSameAs(a);
      }
      assertThat(p.pick(excluding(bs.toArray(Backend[]::new))))
          .isSameAs(PickResult.NoBackend.ALL_EXCLUDED);
    }
  }

  @Test
  void leastConnectionsPrefersFewestInFlightPerWeight() {
    List<Backend> bs = backends(1, 2, 1);
    Picker p = LeastConnectionsPicker.FACTORY.build(PoolSnapshot.allAvailable(bs), null, Rng.seeded(5));
    // b has weight 2: idle, it wins over idle a and c ((0+1)/2 < (0+1)/1).
    assertThat(((PickResult.Picked) p.pick(PickContext.NONE)).backend().name()).isEqualTo("b");
    // Place requests as they are picked, never completing them: in-flight stays proportional
    // to weight, 1:2:1.
    Map<String, Integer> placed = new HashMap<>();
    for (int i = 0; i < 400; i++) {
      Backend chosen = ((PickResult.Picked) p.pick(PickContext.NONE)).backend();
      chosen.load().start();
      placed.merge(chosen.name(), 1, Integer::sum);
    }
    assertThat(bs.get(0).load().inFlight()).isBetween(99, 101);
    assertThat(bs.get(1).load().inFlight()).isBetween(199, 201);
    assertThat(bs.get(2).load().inFlight()).isBetween(99, 101);
  }

  @Test
  void leastConnectionsSpreadsTiesRoundRobin() {
    List<Backend> bs = backends(1, 1, 1);
    Picker p = LeastConnectionsPicker.FACTORY.build(PoolSnapshot.allAvailable(bs), null, Rng.seeded(5));
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 300; i++) {
      counts.merge(((PickResult.Picked) p.pick(PickContext.NONE)).backend().name(), 1, Integer::sum);
    }
    assertThat(counts).containsOnly(Map.entry("a", 100), Map.entry("b", 100), Map.entry("c", 100));
  }
}
