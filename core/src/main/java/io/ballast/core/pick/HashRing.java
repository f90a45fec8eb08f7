package io.ballast.core.pick;

import io.ballast.core.Backend;
import io.ballast.core.Picker;
import java.util.Arrays;
import java.util.List;

/**
 * A consistent-hashing ring with virtual nodes (Karger et al., STOC 1997; the layout of Envoy's
 * ring_hash): every member owns a number of points on a 64-bit circle proportional to its weight,
 * and a key belongs to the owner of the first point at or after the key's (mixed) hash, clockwise.
 * Shared by {@link RingHashPicker} and {@link BoundedLoadHashPicker}.
 *
 * <p>The ring is built over every member of the pool, available or not, so that a health flip
 * changes no point: pickers skip unavailable owners at pick time and the keys of healthy members
 * never move. Point positions depend only on the member's name and the vnode index, hashed with
 * xxHash64, so every instance with the same members builds the same ring. Raising a member's
 * weight adds points after its existing ones (vnode indexes are stable), so only keys that land
 * on the new points move.
 *
 * <p>Immutable once built; safe to share between pickers and threads. Built on the control loop
 * in O(v log v) for v points; a lookup is a binary search over a sorted {@code long[]}.
 */
final class HashRing {
  private final Backend[] members;
  private final int[] weights;
  private final int requestedSize;
  private final long[] points;
  private final int[] owners;

  private HashRing(Backend[] members, int[] weights, int requestedSize, long[] points, int[] owners) {
    this.members = members;
    this.weights = weights;
    this.requestedSize = requestedSize;
    this.points = points;
    this.owners = owners;
  }

  /**
   * Builds the ring: member i gets {@code w[i] × perWeight} points, where {@code perWeight} is
   * {@code ringSize / Σw} rounded to the nearest power of two (at least 1). So the point count is
   * exactly proportional to weight, every member has at least one point, and the total is within
   * a factor √2 of {@code ringSize}.
   *
   * <p>Why a power of two rather than {@code round(ringSize × w / Σw)}: the per-weight count then
   * does not change when a member joins or leaves (10 members of weight 1 and ringSize 1024 give
   * 128 points each; with 9 or 11 members still 128), so the other members keep exactly their
   * points and only the keys of the member that left move. Only a change that crosses a power of
   * two (the pool doubling or halving) reshuffles more.
   */
  static HashRing build(List<Backend> members, int[] weights, int ringSize) {
    int n = members.size();
    if (n == 0 || weights.length != n) {
      throw new IllegalArgumentException("members/weights: " + n + "/" + weights.length
          + " (expected: the same non-zero count)");
    }
    if (ringSize < 1) {
      throw new IllegalArgumentException("ringSize: " + ringSize + " (expected: >= 1)");
    }
    long totalWeight = 0;
    for (int w : weights) {
      if (w < 1) {
        throw new IllegalArgumentException("weight: " + w + " (expected: >= 1)");
      }
      totalWeight += w;
    }
    int perWeight = pointsPerWeight(ringSize, totalWeight);
    int[] counts = new int[n];
    long total = 0;
    for (int i = 0; i < n; i++) {
      counts[i] = weights[i] * perWeight;
      total += counts[i];
    }
    // Each point is packed with its owner's index in the low bits, so that one primitive sort
    // orders points and owners together. Those bits are cleared from the position: with 2^20
    // members the ring still has 2^44 distinct positions, far more than points.
    int ownerBits = 64 - Long.numberOfLeadingZeros(n - 1L);
    long ownerMask = (1L << ownerBits) - 1;
    long[] packed = new long[Math.toIntExact(total)];
    int k = 0;
    for (int i = 0; i < n; i++) {
      long nameHash = Hashing.xxHash64(members.get(i).name(), 0);
      for (int v = 0; v < counts[i]; v++) {
        // The v-th output of SplitMix64 seeded with the name's hash: stable per (name, v).
        long position = Hashing.mix(nameHash + v * Hashing.GOLDEN);
        packed[k++] = (position & ~ownerMask) | i;
      }
    }
    Arrays.sort(packed);
    int[] owners = new int[packed.length];
    for (int j = 0; j < packed.length; j++) {
      owners[j] = (int) (packed[j] & ownerMask);
      packed[j] &= ~ownerMask;
    }
    return new HashRing(members.toArray(Backend[]::new), weights.clone(), ringSize, packed, owners);
  }

  /**
   * {@code ringSize / totalWeight} rounded to the nearest power of two in log scale, at least 1.
   * Example: 1024 / 10 = 102.4, log2 = 6.68, so 2^7 = 128.
   */
  static int pointsPerWeight(int ringSize, long totalWeight) {
    double ideal = (double) ringSize / totalWeight;
    if (ideal <= 1) {
      return 1;
    }
    int exponent = (int) Math.round(Math.log(ideal) / Math.log(2));
    return 1 << Math.min(exponent, 30);
  }

  /** A picker that owns a ring another picker of a ring kind may reuse. */
  interface Holder extends Picker {
    HashRing ring();
  }

  /**
   * The previous picker's ring when it was built from the same members, weights and size (only
   * availability changed), otherwise a new ring over every member of the pool.
   */
  static HashRing reuseOrBuild(PoolSnapshot pool, Picker previous, int ringSize) {
    if (previous instanceof Holder h && h.ring().builtFrom(pool.members(), pool.weights(), ringSize)) {
      return h.ring();
    }
    return build(pool.members(), pool.weights(), ringSize);
  }

  /** True when this ring was built from exactly these members (same instances, same order). */
  boolean builtFrom(List<Backend> candidates, int[] candidateWeights, int ringSize) {
    if (ringSize != requestedSize || candidates.size() != members.length
        || !Arrays.equals(weights, candidateWeights)) {
      return false;
    }
    for (int i = 0; i < members.length; i++) {
      if (candidates.get(i) != members[i]) {
        return false;
      }
    }
    return true;
  }

  /** The index of the first point at or after {@code hash}, wrapping to 0 past the last one. */
  int firstPointAtOrAfter(long hash) {
    long[] p = points;
    int lo = 0;
    int hi = p.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (p[mid] < hash) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo == p.length ? 0 : lo;
  }

  /** The member index owning point {@code point}. */
  int owner(int point) {
    return owners[point];
  }

  /** Points on the ring. */
  int size() {
    return points.length;
  }

  /** Members, in pool order; the array is shared, callers must not write it. */
  Backend[] members() {
    return members;
  }

  /**
   * The fraction of the key space each member owns (the arcs ending at its points), for tests and
   * the measured figures in the docs.
   */
  double[] keyShares() {
    double[] shares = new double[members.length];
    for (int j = 0; j < points.length; j++) {
      long previous = points[j == 0 ? points.length - 1 : j - 1];
      long arc = points[j] - previous; // wraps modulo 2^64 for the first point
      double length = points.length == 1 ? 0x1p64 : (arc >>> 1) * 2.0 + (arc & 1);
      shares[owners[j]] += length / 0x1p64;
    }
    return shares;
  }

  /** Points per member, for tests and toString. */
  int[] pointsPerMember() {
    int[] c = new int[members.length];
    for (int o : owners) {
      c[o]++;
    }
    return c;
  }

  @Override
  public String toString() {
    return "ring of " + points.length + " points over " + members.length + " members";
  }
}
