package io.ballast.core.pick;

import static io.ballast.core.pick.HashFixtures.backends;
import static io.ballast.core.pick.HashFixtures.picked;
import static io.ballast.core.pick.HashFixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.core.Backend;
import io.ballast.core.Picker;
import io.ballast.core.Rng;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BoundedLoadHashPickerTest {
  private static final double EPSILON = AlgorithmOptions.DEFAULTS.loadBoundEpsilon();

  /** Skewed keys: three hot keys take half of the requests, the rest spread over 10 000 keys. */
  private static long skewedKey(Rng rng) {
    return rng.nextDouble() < 0.5 ? rng.nextInt(3) : 1000 + rng.nextInt(10_000);
  }

  private static long bound(double share, int poolInFlightAfter) {
    return (long) Math.ceil((1 + EPSILON) * poolInFlightAfter * share - 1e-9);
  }

  @Test
  void whileRequestsOnlyArriveNoBackendExceedsItsBound() {
    int[] w = {1, 1, 2, 1, 3, 1, 1, 2};
    List<Backend> bs = backends(w);
    PoolSnapshot pool = snapshot(bs);
    Picker p = BoundedLoadHashPicker.factory(AlgorithmOptions.DEFAULTS).build(pool, null, Rng.seeded(1));
    Rng rng = Rng.seeded(7);
    HashFixtures.MutableKey ctx = new HashFixtures.MutableKey();
    for (int placed = 1; placed <= 2000; placed++) {
      ctx.key = skewedKey(rng);
      picked(p.pick(ctx)).load().start();
      for (int i = 0; i < bs.size(); i++) {
        assertThat((long) bs.get(i).load().inFlight()).as("b%d after %d requests", i, placed)
            .isLessThanOrEqualTo(bound(w[i] / 12.0, placed));
      }
    }
  }

  @Test
  void underChurnEveryPlacementRespectsTheBoundAndKeysMoveOnlyWhenTheirHomeIsFull() {
    int n = 10;
    List<Backend> bs = backends(n);
    PoolSnapshot pool = snapshot(bs);
    Picker p = BoundedLoadHashPicker.factory(AlgorithmOptions.DEFAULTS).build(pool, null, Rng.seeded(1));
    Picker home = RingHashPicker.factory(AlgorithmOptions.DEFAULTS).build(pool, p, Rng.seeded(1));
    Rng rng = Rng.seeded(11);
    HashFixtures.MutableKey ctx = new HashFixtures.MutableKey();
    List<Backend> inFlight = new ArrayList<>();
    int placements = 0;
    int moved = 0;
    double worstRatio = 0;
    for (int step = 0; step < 100_000; step++) {
      // Load wanders between 0 and 400 requests in flight: arrivals more likely when low.
      boolean arrive = inFlight.isEmpty() || rng.nextInt(400) >= inFlight.size();
      if (arrive) {
        ctx.key = skewedKey(rng);
        Backend ringHome = picked(home.pick(ctx));
        int total = pool.load().inFlight() + 1;
        boolean homeFull = ringHome.load().inFlight() >= bound(1.0 / n, total);
        Backend chosen = picked(p.pick(ctx));
        chosen.load().start();
        inFlight.add(chosen);
        placements++;
        if (chosen != ringHome) {
          moved++;
          assertThat(homeFull).as("key %d left a home under its bound", ctx.key).isTrue();
        } else {
          assertThat(homeFull).isFalse();
        }
        assertThat((long) chosen.load().inFlight()).isLessThanOrEqualTo(bound(1.0 / n, total));
        if (total >= 100) {
          worstRatio = Math.max(worstRatio, chosen.load().inFlight() / ((double) total / n));
        }
      } else {
        int i = rng.nextInt(inFlight.size());
        Backend done = inFlight.get(i);
        inFlight.set(i, inFlight.get(inFlight.size() - 1));
        inFlight.remove(inFlight.size() - 1);
        done.load().complete(true, 1_000);
      }
    }
    System.out.printf("bounded-load-hash eps=%.2f, 10 backends, skewed keys, %d placements: %.3f"
        + " placed off their ring backend, worst load/average at placement (100+ in flight) %.3f%n", EPSILON,
        placements, (double) moved / placements, worstRatio);
    assertThat(placements).isGreaterThan(40_000);
    assertThat(moved).isPositive();
  }

  @Test
  void belowTheBoundKeysStayOnTheirRingBackend() {
    List<Backend> bs = backends(10);
    PoolSnapshot pool = snapshot(bs);
    Picker p = BoundedLoadHashPicker.factory(AlgorithmOptions.DEFAULTS).build(pool, null, Rng.seeded(1));
    Picker ring = RingHashPicker.factory(AlgorithmOptions.DEFAULTS).build(pool, null, Rng.seeded(1));
    assertThat(((BoundedLoadHashPicker) p).ring().size()).isEqualTo(((RingHashPicker) ring).ring().size());
    HashFixtures.MutableKey ctx = new HashFixtures.MutableKey();
    for (long k = 0; k < 20_000; k++) {
      ctx.key = k;
      // One request at a time: every backend is always under its bound.
      Backend b = picked(p.pick(ctx));
      assertThat(b).isSameAs(picked(ring.pick(ctx)));
      b.load().start();
      b.load().complete(true, 1);
    }
  }

  @Test
  void aHotKeySpillsToTheNextBackendsClockwiseAndReturnsWhenLoadFalls() {
    List<Backend> bs = backends(4);
    PoolSnapshot pool = snapshot(bs);
    Picker p = BoundedLoadHashPicker.factory(AlgorithmOptions.DEFAULTS).build(pool, null, Rng.seeded(1));
    HashFixtures.MutableKey hot = new HashFixtures.MutableKey();
    hot.key = 12345;
    Backend first = picked(p.pick(hot));
    List<Backend> held = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      Backend b = picked(p.pick(hot));
      b.load().start();
      held.add(b);
    }
    // 40 requests of one key over 4 backends: bound ceil(1.25 × 40 / 4) = 13 at most each.
    for (Backend b : bs) {
      assertThat(b.load().inFlight()).isLessThanOrEqualTo(13);
    }
    assertThat(first.load().inFlight()).isGreaterThanOrEqualTo(10);
    held.forEach(b -> b.load().complete(true, 1));
    assertThat(picked(p.pick(hot))).isSameAs(first);
  }

  @Test
  void theBoundFollowsTheWorkedExample() {
    List<Backend> bs = backends(4);
    BoundedLoadHashPicker p = (BoundedLoadHashPicker) BoundedLoadHashPicker.factory(
        AlgorithmOptions.DEFAULTS).build(snapshot(bs), null, Rng.seeded(1));
    assertThat(p.bound(0, 7)).isEqualTo(3);
    assertThat(p.bound(0, 0)).isEqualTo(1);
    // Unavailable members do not count in the shares: 2 of 4 available, P = 7: ceil(1.25 × 8 / 2).
    BoundedLoadHashPicker half = (BoundedLoadHashPicker) BoundedLoadHashPicker.factory(
        AlgorithmOptions.DEFAULTS).build(snapshot(bs, bs.get(1), bs.get(2)), p, Rng.seeded(1));
    assertThat(half.bound(0, 7)).isEqualTo(5);
    assertThat(half.ring()).isSameAs(p.ring());
  }
}
