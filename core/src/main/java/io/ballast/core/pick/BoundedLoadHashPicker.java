package io.ballast.core.pick;

import io.ballast.core.Backend;
import io.ballast.core.PickContext;
import io.ballast.core.PickResult;
import io.ballast.core.PoolLoad;

/**
 * Consistent hashing with bounded loads (Mirrokni, Thorup and Zadimoghaddam, SODA 2018; the
 * variant Vimeo contributed to HAProxy): the ring of {@link RingHashPicker}, but a member takes a
 * key only while it holds fewer requests in flight than its bound; otherwise the key walks on
 * clockwise to the next member under its bound. Keys therefore stay on their ring member (cache
 * affinity) until that member is overloaded, and only the excess spills, to the same next members
 * every time.
 *
 * <p>The bound, weighted: with P requests in flight in the pool, the request being placed makes
 * P + 1; member i's fair share of them is {@code (P + 1) × w[i] / W}, W the total weight of the
 * available members, and its bound is {@code ceil((1 + ε) × (P + 1) × w[i] / W)}. With equal
 * weights this is the paper's {@code ceil((1 + ε) × (P + 1) / n)}. Worked example: ε = 0.25,
 * four available members of weight 1, P = 7: the bound is ceil(1.25 × 8 / 4) = ceil(2.5) = 3,
 * so a member already holding 3 is passed over. Since the bounds add up to at least
 * (1 + ε)(P + 1) &gt; P, some available member is always under its bound; only racing picks on
 * several event loops can find none, and then the least loaded member seen (per unit of weight)
 * takes the request.
 *
 * <p>The walk evaluates each run of points of one member once, and is bounded by one lap of the
 * ring; with ε = 0.25 at least a fifth of the weight is under its bound, so it usually ends
 * within a few points. Excluded (already tried) and unavailable members are skipped as in
 * {@link RingHashPicker}. The ring is shared with a previous ring picker when members and weights
 * are unchanged.
 *
 * <p>Thread-safe, non-blocking, no allocation per pick; in-flight counts are read without a
 * lock, so concurrent picks may both see a member just under its bound.
 */
public final class BoundedLoadHashPicker implements HashRing.Holder {
  private final HashRing ring;
  private final boolean[] available;
  private final int[] weights;
  /** (1 + ε) × w[i] / W for available members; the bound is ceil(factor × (P + 1)). */
  private final double[] boundFactor;
  private final PoolLoad poolLoad;
  private final double epsilon;

  BoundedLoadHashPicker(HashRing ring, boolean[] available, int[] weights, PoolLoad poolLoad,
      double epsilon) {
    int n = ring.members().length;
    if (available.length != n || weights.length != n) {
      throw new IllegalArgumentException("available/weights: " + available.length + "/"
          + weights.length + " entries (expected: " + n + ")");
    }
    if (!(epsilon > 0)) {
      throw new IllegalArgumentException("epsilon: " + epsilon + " (expected: > 0)");
    }
    this.ring = ring;
    this.available = available.clone();
    this.weights = weights.clone();
    this.poolLoad = poolLoad;
    this.epsilon = epsilon;
    long availableWeight = 0;
    for (int i = 0; i < n; i++) {
      availableWeight += available[i] ? weights[i] : 0;
    }
    this.boundFactor = new double[n];
    for (int i = 0; i < n; i++) {
      boundFactor[i] = available[i] ? (1 + epsilon) * weights[i] / availableWeight : 0;
    }
  }

  /** The factory for a ring of {@code options.ringSize()} points and ε {@code options.loadBoundEpsilon()}. */
  public static PickerFactory factory(AlgorithmOptions options) {
    int ringSize = options.ringSize();
    double epsilon = options.loadBoundEpsilon();
    return (pool, previous, rng) -> new BoundedLoadHashPicker(
        HashRing.reuseOrBuild(pool, previous, ringSize), pool.available(), pool.weights(),
        pool.load(), epsilon);
  }

  /** The most requests member {@code i} may hold with {@code poolInFlight + 1} in the pool. */
  int bound(int i, int poolInFlight) {
    // The small subtraction keeps an exact integer product (e.g. 1.25 × 8 × 0.5 = 5) from being
    // pushed to the next integer by rounding in the factor.
    return (int) Math.ceil(boundFactor[i] * (poolInFlight + 1L) - 1e-9);
  }

  @Override
  public PickResult pick(PickContext context) {
    HashRing r = ring;
    Backend[] members = r.members();
    int len = r.size();
    int pool = poolLoad.inFlight();
    int p = r.firstPointAtOrAfter(Hashing.mix(context.hashKey()));
    int last = -1;
    Backend best = null;
    long bestLoad = 0;
    int bestWeight = 1;
    for (int k = 0; k < len; k++) {
      int m = r.owner(p);
      if (m != last) {
        last = m;
        if (available[m] && !context.isExcluded(members[m])) {
          Backend b = members[m];
          int load = b.load().inFlight();
          if (load < bound(m, pool)) {
            return b.picked();
          }
          // load / weight < bestLoad / bestWeight, without division.
          if (best == null || (long) load * bestWeight < bestLoad * weights[m]) {
            best = b;
            bestLoad = load;
            bestWeight = weights[m];
          }
        }
      }
      if (k == members.length && best == null
          && !HashPicks.anyEligible(members, available, context)) {
        break;
      }
      if (++p == len) {
        p = 0;
      }
    }
    return best == null ? PickResult.NoBackend.ALL_EXCLUDED : best.picked();
  }

  @Override
  public HashRing ring() {
    return ring;
  }

  @Override
  public String toString() {
    return "BoundedLoadHashPicker" + HashPicks.availableNames(ring.members(), available) + " "
        + ring + " epsilon=" + epsilon;
  }
}
