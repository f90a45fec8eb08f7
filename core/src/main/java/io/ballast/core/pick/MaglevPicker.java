package io.ballast.core.pick;

import io.ballast.core.Backend;
import io.ballast.core.PickContext;
import io.ballast.core.PickResult;
import io.ballast.core.Picker;
import java.util.Arrays;
import java.util.List;

/**
 * Maglev hashing (Eisenbud et al., "Maglev: A Fast and Reliable Software Network Load Balancer",
 * NSDI 2016), weighted as Envoy's maglev: a lookup table of M slots (M prime) maps a key's mixed
 * hash mod M to a member.
 *
 * <p>Building the table: each member has a preference list of the slots, the permutation
 * {@code (offset + j × skip) mod M} with {@code offset = h1(name) mod M} and
 * {@code skip = h2(name) mod (M − 1) + 1} from two xxHash64 values of its name with different
 * seeds (skip is never 0 and, M being prime, every permutation visits every slot). Members take
 * turns; on its turn a member claims the first slot of its list still free. Weighting: at turn
 * t a member with weight w plays when {@code t × w ≥ its target}, and the target then grows by
 * the largest weight, so a member with the largest weight plays every turn and one with a third
 * of it every third turn. Worked example, weights a=3, b=1: turn 0 both play (0 ≥ 0), targets
 * become 3, 3; turns 1 and 2 only a (3 ≥ 3, 6 ≥ 6; b: 1 &lt; 3, 2 &lt; 3); turn 3 both again (b:
 * 3 ≥ 3). Shares come out 3:1, each within a slot or so of its exact share.
 *
 * <p>The table covers every member, available or not. A key whose slot belongs to an unavailable
 * or already tried member probes the following slots (slot + 1, ...) to the first available, not
 * excluded member, so a health flip moves only the keys of the member that flipped. Removing a
 * member from the pool rebuilds the table; Maglev then moves slightly more than the removed
 * member's keys (measured in docs/algorithms/hashing.md). A rebuild with the same members and
 * weights reuses the previous table.
 *
 * <p>Thread-safe, non-blocking, no allocation per pick: one array index, plus a short probe
 * when the slot's member cannot take the request.
 */
public final class MaglevPicker implements Picker {
  // Seeds of the two independent name hashes (offset and skip); fixed forever, as changing them
  // would remap every key.
  private static final long OFFSET_SEED = 0x6D61676C65764F46L;
  private static final long SKIP_SEED = 0x6D61676C65765350L;

  private final Table table;
  private final boolean[] available;

  MaglevPicker(Table table, boolean[] available) {
    if (available.length != table.members.length) {
      throw new IllegalArgumentException("available: " + available.length
          + " entries (expected: " + table.members.length + ")");
    }
    this.table = table;
    this.available = available.clone();
  }

  /** The factory for a table of {@code options.maglevTableSize()} slots. */
  public static PickerFactory factory(AlgorithmOptions options) {
    int size = options.maglevTableSize();
    return (pool, previous, rng) -> {
      Table t = previous instanceof MaglevPicker m
          && m.table.builtFrom(pool.members(), pool.weights(), size)
          ? m.table
          : Table.build(pool.members(), pool.weights(), size);
      return new MaglevPicker(t, pool.available());
    };
  }

  @Override
  public PickResult pick(PickContext context) {
    int[] slots = table.slots;
    Backend[] members = table.members;
    int size = slots.length;
    int s = (int) Long.remainderUnsigned(Hashing.mix(context.hashKey()), size);
    for (int k = 0; k < size; k++) {
      int m = slots[s];
      if (available[m] && !context.isExcluded(members[m])) {
        return members[m].picked();
      }
      if (k == members.length && !HashPicks.anyEligible(members, available, context)) {
        break;
      }
      if (++s == size) {
        s = 0;
      }
    }
    return PickResult.NoBackend.ALL_EXCLUDED;
  }

  /** The table this picker looks keys up in; visible for tests. */
  Table table() {
    return table;
  }

  @Override
  public String toString() {
    return "MaglevPicker" + HashPicks.availableNames(table.members, available) + " table="
        + table.slots.length;
  }

  /** An immutable Maglev lookup table: slot → member index. Safe to share between pickers. */
  static final class Table {
    final Backend[] members;
    final int[] weights;
    final int[] slots;

    private Table(Backend[] members, int[] weights, int[] slots) {
      this.members = members;
      this.weights = weights;
      this.slots = slots;
    }

    static Table build(List<Backend> members, int[] weights, int size) {
      int n = members.size();
      if (n == 0 || weights.length != n) {
        throw new IllegalArgumentException("members/weights: " + n + "/" + weights.length
            + " (expected: the same non-zero count)");
      }
      if (size < 3 || !AlgorithmOptions.isPrime(size)) {
        throw new IllegalArgumentException("size: " + size + " (expected: a prime >= 3)");
      }
      int[] position = new int[n];
      int[] skip = new int[n];
      long[] target = new long[n];
      int[] turns = java.util.stream.IntStream.range(0, n).boxed()
          .sorted(java.util.Comparator.comparing((Integer i) -> members.get(i).name()))
          .mapToInt(Integer::intValue).toArray();
      int maxWeight = 1;
      for (int i = 0; i < n; i++) {
        String name = members.get(i).name();
        position[i] = (int) Long.remainderUnsigned(Hashing.xxHash64(name, OFFSET_SEED), size);
        skip[i] = (int) Long.remainderUnsigned(Hashing.xxHash64(name, SKIP_SEED), size - 1) + 1;
        maxWeight = Math.max(maxWeight, weights[i]);
      }
      int[] slots = new int[size];
      Arrays.fill(slots, -1);
      int filled = 0;
      for (long turn = 0; ; turn++) {
        for (int i : turns) {
          if (turn * weights[i] < target[i]) {
            continue;
          }
          target[i] += maxWeight;
          // position[i] is the next entry of member i's permutation not yet tried.
          int c = position[i];
          while (slots[c] >= 0) {
            c += skip[i];
            if (c >= size) {
              c -= size;
            }
          }
          slots[c] = i;
          c += skip[i];
          position[i] = c >= size ? c - size : c;
          if (++filled == size) {
            return new Table(members.toArray(Backend[]::new), weights.clone(), slots);
          }
        }
      }
    }

    boolean builtFrom(List<Backend> candidates, int[] candidateWeights, int size) {
      if (size != slots.length || candidates.size() != members.length
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

    /** Slots owned by each member, for tests. */
    int[] slotsPerMember() {
      int[] c = new int[members.length];
      for (int m : slots) {
        c[m]++;
      }
      return c;
    }
  }
}
