package io.ballast.core.pick;

import static io.ballast.core.pick.HashFixtures.assignment;
import static io.ballast.core.pick.HashFixtures.backends;
import static io.ballast.core.pick.HashFixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.core.Backend;
import io.ballast.core.Picker;
import io.ballast.core.Rng;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RingHashPickerTest {
  private static final int KEYS = 200_000;

  private static PickerFactory factory(int ringSize) {
    return RingHashPicker.factory(new AlgorithmOptions(2, 1.0, java.time.Duration.ofSeconds(10),
        1.0, 1.0, 100, ringSize, 65537, 0.25));
  }

  private static double maxOverMean(double[] shares) {
    double max = 0;
    for (double s : shares) {
      max = Math.max(max, s);
    }
    return max * shares.length;
  }

  @Test
  void balanceImprovesAsTheRingGrows() {
    List<Backend> bs = backends(10);
    double previous = Double.MAX_VALUE;
    StringBuilder report = new StringBuilder("ring-hash, 10 backends, max/mean key share:");
    for (int size : new int[] {1024, 8192, 65536}) {
      HashRing ring = HashRing.build(bs, new int[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, size);
      double ratio = maxOverMean(ring.keyShares());
      report.append(String.format(" ring %d (%d points): %.3f;", size, ring.size(), ratio));
      assertThat(ratio).as("ring %d", size).isLessThan(previous);
      previous = ratio;
    }
    System.out.println(report);
    assertThat(previous).as("max/mean at ring 65536").isLessThan(1.03);
  }

  @Test
  void keySharesFollowWeights() {
    List<Backend> bs = backends(1, 2, 3, 4);
    HashRing ring = HashRing.build(bs, new int[] {1, 2, 3, 4}, 65536);
    assertThat(ring.pointsPerMember()).containsExactly(8192, 16384, 24576, 32768);
    double[] shares = ring.keyShares();
    // And the keys themselves: 200k consecutive keys through the picker.
    Backend[] a = assignment(factory(65536).build(snapshot(bs), null, Rng.seeded(1)), KEYS);
    for (int i = 0; i < 4; i++) {
      Backend b = bs.get(i);
      double expected = (i + 1) / 10.0;
      long count = java.util.Arrays.stream(a).filter(x -> x == b).count();
      System.out.printf("ring-hash weights 1:2:3:4, %s: key space %.4f, keys %.4f (ideal %.1f)%n",
          b.name(), shares[i], (double) count / KEYS, expected);
      assertThat(shares[i]).isCloseTo(expected, org.assertj.core.data.Offset.offset(expected * 0.03));
      assertThat((double) count / KEYS).isCloseTo(expected,
          org.assertj.core.data.Offset.offset(expected * 0.05));
    }
  }

  @Test
  void removingOneBackendMovesOnlyItsKeys() {
    List<Backend> bs = backends(10);
    Picker full = factory(1024).build(snapshot(bs), null, Rng.seeded(1));
    Backend gone = bs.get(3);
    List<Backend> rest = new ArrayList<>(bs);
    rest.remove(gone);
    Picker without = factory(1024).build(snapshot(rest), null, Rng.seeded(1));
    Backend[] before = assignment(full, KEYS);
    Backend[] after = assignment(without, KEYS);
    int moved = 0;
    for (int k = 0; k < KEYS; k++) {
      if (before[k] != after[k]) {
        moved++;
        assertThat(before[k]).as("key %d moved from a surviving backend", k).isSameAs(gone);
      }
    }
    System.out.printf("ring-hash, remove 1 of 10: %.4f of keys moved (ideal 0.1000), 0 of other"
        + " backends'%n", (double) moved / KEYS);
    assertThat((double) moved / KEYS).isBetween(0.07, 0.13);
  }

  @Test
  void aHealthFlipKeepsTheRingAndMovesOnlyTheFlippedBackendsKeys() {
    List<Backend> bs = backends(10);
    Picker up = factory(1024).build(snapshot(bs), null, Rng.seeded(1));
    Backend down = bs.get(7);
    Picker flipped = factory(1024).build(snapshot(bs, down), up, Rng.seeded(2));
    assertThat(((RingHashPicker) flipped).ring()).isSameAs(((RingHashPicker) up).ring());
    Backend[] before = assignment(up, KEYS);
    Backend[] after = assignment(flipped, KEYS);
    for (int k = 0; k < KEYS; k++) {
      if (before[k] != down) {
        assertThat(after[k]).isSameAs(before[k]);
      } else {
        assertThat(after[k]).isNotSameAs(down);
      }
    }
    // Back up: every key returns home, still on the same ring.
    Picker back = factory(1024).build(snapshot(bs), flipped, Rng.seeded(3));
    assertThat(((RingHashPicker) back).ring()).isSameAs(((RingHashPicker) up).ring());
    assertThat(assignment(back, KEYS)).containsExactly(before);
  }

  @Test
  void aWeightChangeOrANewRingSizeRebuildsTheRing() {
    List<Backend> bs = backends(3);
    Picker first = factory(1024).build(snapshot(bs), null, Rng.seeded(1));
    Picker bigger = factory(4096).build(snapshot(bs), first, Rng.seeded(1));
    assertThat(((RingHashPicker) bigger).ring()).isNotSameAs(((RingHashPicker) first).ring());
    PoolSnapshot reweighted = new PoolSnapshot(bs, new int[] {1, 1, 2},
        new boolean[] {true, true, true}, snapshot(bs).load());
    Picker heavier = factory(4096).build(reweighted, bigger, Rng.seeded(1));
    assertThat(((RingHashPicker) heavier).ring()).isNotSameAs(((RingHashPicker) bigger).ring());
    assertThat(((RingHashPicker) heavier).ring().pointsPerMember()).containsExactly(1024, 1024, 2048);
  }

  @Test
  void pointsPerWeightIsAPowerOfTwoNearTheRequestedSize() {
    assertThat(HashRing.pointsPerWeight(1024, 10)).isEqualTo(128);
    assertThat(HashRing.pointsPerWeight(1024, 9)).isEqualTo(128);
    assertThat(HashRing.pointsPerWeight(1024, 11)).isEqualTo(64 * 2);
    assertThat(HashRing.pointsPerWeight(1024, 1)).isEqualTo(1024);
    assertThat(HashRing.pointsPerWeight(1024, 3000)).isEqualTo(1);
    assertThat(HashRing.pointsPerWeight(1, 1)).isEqualTo(1);
  }
}
