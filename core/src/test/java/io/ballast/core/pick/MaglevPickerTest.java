package io.ballast.core.pick;

import static io.ballast.core.pick.HashFixtures.assignment;
import static io.ballast.core.pick.HashFixtures.backends;
import static io.ballast.core.pick.HashFixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.core.Backend;
import io.ballast.core.Picker;
import io.ballast.core.Rng;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class MaglevPickerTest {
  private static final int M = 65537;
  private static final int KEYS = 200_000;
  private static final PickerFactory FACTORY = MaglevPicker.factory(AlgorithmOptions.DEFAULTS);

  private static int[] ones(int n) {
    int[] w = new int[n];
    Arrays.fill(w, 1);
    return w;
  }

  @Test
  void everyBackendGetsWithinOneSlotOfItsShare() {
    for (int n : new int[] {10, 100, 1000}) {
      int[] counts = MaglevPicker.Table.build(backends(n), ones(n), M).slotsPerMember();
      double ideal = (double) M / n;
      double worst = 0;
      for (int c : counts) {
        worst = Math.max(worst, Math.abs(c - ideal) / ideal);
        // Equal weights take turns one slot each: shares differ by at most one slot.
        assertThat(c).as("n=%d", n).isBetween((int) Math.floor(ideal), (int) Math.ceil(ideal));
      }
      int max = Arrays.stream(counts).max().orElseThrow();
      int min = Arrays.stream(counts).min().orElseThrow();
      System.out.printf("maglev M=%d N=%d: slots %d..%d, worst deviation from M/N %.2f%%,"
          + " max/min %.4f%n", M, n, min, max, worst * 100, (double) max / min);
      assertThat(worst).isLessThan(0.01);
    }
  }

  @Test
  void weightedSharesFollowWeights() {
    int[] w = {1, 2, 3, 4, 10};
    int[] counts = MaglevPicker.Table.build(backends(w), w, M).slotsPerMember();
    for (int i = 0; i < w.length; i++) {
      double ideal = (double) M * w[i] / 20;
      System.out.printf("maglev weights 1:2:3:4:10, b%d: %d slots (ideal %.1f)%n", i, counts[i],
          ideal);
      assertThat(Math.abs(counts[i] - ideal)).as("b%d", i).isLessThan(ideal * 0.005 + 2);
    }
  }

  @Test
  void removingOneBackendMovesAboutItsShareAndFewOthers() {
    int n = 100;
    List<Backend> bs = backends(n);
    Backend gone = bs.get(42);
    List<Backend> rest = new ArrayList<>(bs);
    rest.remove(gone);
    Backend[] before = assignment(FACTORY.build(snapshot(bs), null, Rng.seeded(1)), KEYS);
    Backend[] after = assignment(FACTORY.build(snapshot(rest), null, Rng.seeded(1)), KEYS);
    int moved = 0;
    int survivorsMoved = 0;
    int survivorKeys = 0;
    for (int k = 0; k < KEYS; k++) {
      if (before[k] != gone) {
        survivorKeys++;
      }
      if (before[k] != after[k]) {
        moved++;
        if (before[k] != gone) {
          survivorsMoved++;
        }
      }
    }
    double movedShare = (double) moved / KEYS;
    double survivorShare = (double) survivorsMoved / survivorKeys;
    System.out.printf("maglev N=%d remove 1: %.4f of keys moved (ideal %.4f); %.4f of surviving"
        + " backends' keys moved%n", n, movedShare, 1.0 / n, survivorShare);
    assertThat(movedShare).isBetween(0.8 / n, 3.0 / n);
    assertThat(survivorShare).isLessThan(0.02);
  }

  @Test
  void anUnavailableBackendLosesOnlyItsOwnKeysAndTheTableIsReused() {
    List<Backend> bs = backends(10);
    Picker up = FACTORY.build(snapshot(bs), null, Rng.seeded(1));
    Backend down = bs.get(2);
    Picker flipped = FACTORY.build(snapshot(bs, down), up, Rng.seeded(2));
    assertThat(((MaglevPicker) flipped).table()).isSameAs(((MaglevPicker) up).table());
    Backend[] before = assignment(up, KEYS);
    Backend[] after = assignment(flipped, KEYS);
    int movedOwn = 0;
    for (int k = 0; k < KEYS; k++) {
      if (before[k] == down) {
        assertThat(after[k]).isNotSameAs(down);
        movedOwn++;
      } else {
        assertThat(after[k]).as("key %d", k).isSameAs(before[k]);
      }
    }
    assertThat(movedOwn).isGreaterThan(KEYS / 20);
  }

  @Test
  void buildingTheTableForAThousandBackendsIsFast() {
    List<Backend> bs = backends(1000);
    int[] w = ones(1000);
    MaglevPicker.Table.build(bs, w, M); // warm-up
    long start = System.nanoTime();
    MaglevPicker.Table t = MaglevPicker.Table.build(bs, w, M);
    long nanos = System.nanoTime() - start;
    System.out.printf("maglev build, 1000 backends, M=%d: %.2f ms%n", M, nanos / 1e6);
    assertThat(t.slotsPerMember()).hasSize(1000);
    assertThat(nanos).isLessThan(2_000_000_000L);
  }

  @Test
  void tableSizeMustBePrime() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
        () -> MaglevPicker.Table.build(backends(2), ones(2), 65536))
        .hasMessage("size: 65536 (expected: a prime >= 3)");
  }

  @Test
  void theTableDependsOnTheMembersNotOnTheirOrder() {
    List<Backend> bs = backends(1, 2, 1, 3, 1, 1, 2, 1, 1, 1);
    List<Backend> reversed = new ArrayList<>(bs);
    java.util.Collections.reverse(reversed);
    Backend[] forward = assignment(FACTORY.build(snapshot(bs), null, Rng.seeded(1)), KEYS);
    Backend[] backward = assignment(FACTORY.build(snapshot(reversed), null, Rng.seeded(2)), KEYS);
    int differ = 0;
    for (int k = 0; k < KEYS; k++) {
      differ += forward[k] == backward[k] ? 0 : 1;
    }
    assertThat(differ).isZero();
  }
}
