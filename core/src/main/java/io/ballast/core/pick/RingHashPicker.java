package io.ballast.core.pick;

import io.ballast.core.Backend;
import io.ballast.core.PickContext;
import io.ballast.core.PickResult;

/**
 * Ring hash (Karger et al., STOC 1997; Envoy's ring_hash): the request's hash key, mixed with
 * SplitMix64, is looked up on a {@link HashRing} of virtual nodes, and the request goes to the
 * owner of the first point clockwise. If that owner is unavailable or was already tried for this
 * request, the walk continues clockwise to the next point whose owner is available and not
 * excluded. Because the ring covers every member and only the walk looks at availability, a
 * backend going down moves only its own keys (each to the next member clockwise), and they come
 * back when it returns.
 *
 * <p>A rebuild after a health flip reuses the previous picker's ring when members and weights
 * are unchanged: no hashing and no sort on the control loop.
 *
 * <p>Thread-safe, non-blocking, no allocation per pick: a binary search plus a short walk.
 */
public final class RingHashPicker implements HashRing.Holder {
  private final HashRing ring;
  private final boolean[] available;

  RingHashPicker(HashRing ring, boolean[] available) {
    if (available.length != ring.members().length) {
      throw new IllegalArgumentException("available: " + available.length
          + " entries (expected: " + ring.members().length + ")");
    }
    this.ring = ring;
    this.available = available.clone();
  }

  /** The factory for a ring of about {@code options.ringSize()} points. */
  public static PickerFactory factory(AlgorithmOptions options) {
    int ringSize = options.ringSize();
    return (pool, previous, rng) ->
        new RingHashPicker(HashRing.reuseOrBuild(pool, previous, ringSize), pool.available());
  }

  @Override
  public PickResult pick(PickContext context) {
    HashRing r = ring;
    Backend[] members = r.members();
    int len = r.size();
    int p = r.firstPointAtOrAfter(Hashing.mix(context.hashKey()));
    for (int k = 0; k < len; k++) {
      int m = r.owner(p);
      if (available[m] && !context.isExcluded(members[m])) {
        return members[m].picked();
      }
      if (k == members.length && !HashPicks.anyEligible(members, available, context)) {
        break;
      }
      if (++p == len) {
        p = 0;
      }
    }
    return PickResult.NoBackend.ALL_EXCLUDED;
  }

  @Override
  public HashRing ring() {
    return ring;
  }

  @Override
  public String toString() {
    return "RingHashPicker" + HashPicks.availableNames(ring.members(), available) + " " + ring;
  }
}
