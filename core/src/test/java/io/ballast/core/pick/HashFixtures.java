package io.ballast.core.pick;

import io.ballast.core.Backend;
import io.ballast.core.PickContext;
import io.ballast.core.PickResult;
import io.ballast.core.Picker;
import io.ballast.core.PoolLoad;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/** Shared helpers of the hash picker tests. */
final class HashFixtures {
  private HashFixtures() {}

  /** n backends named b0..b(n-1), weight 1. */
  static List<Backend> backends(int n) {
    int[] w = new int[n];
    Arrays.fill(w, 1);
    return backends(w);
  }

  static List<Backend> backends(int... weights) {
    List<Backend> list = new ArrayList<>();
    for (int i = 0; i < weights.length; i++) {
      list.add(new Backend("b" + i, "127.0.0.1", 9000 + i % 50000, weights[i]));
    }
    return list;
  }

  /** A snapshot of these members with some unavailable, attached to a fresh pool load. */
  static PoolSnapshot snapshot(List<Backend> members, Backend... unavailable) {
    Set<Backend> out = Set.of(unavailable);
    boolean[] available = new boolean[members.size()];
    for (int i = 0; i < available.length; i++) {
      available[i] = !out.contains(members.get(i));
    }
    PoolLoad load = members.get(0).load().attached() ? members.get(0).load().pool() : new PoolLoad();
    members.forEach(b -> b.load().attach(load));
    return new PoolSnapshot(members, members.stream().mapToInt(Backend::weight).toArray(),
        available, load);
  }

  /** A context for one key, optionally excluding backends already tried. */
  static PickContext key(long key, Backend... excluded) {
    Set<Backend> set = Set.of(excluded);
    return new PickContext() {
      @Override
      public long hashKey() {
        return key;
      }

      @Override
      public int attempt() {
        return set.size();
      }

      @Override
      public boolean isExcluded(Backend backend) {
        return set.contains(backend);
      }
    };
  }

  /** Reusable context with a settable key and nothing excluded, so that loops allocate little. */
  static final class MutableKey implements PickContext {
    long key;

    @Override
    public long hashKey() {
      return key;
    }
  }

  static Backend picked(PickResult r) {
    if (r instanceof PickResult.Picked p) {
      return p.backend();
    }
    throw new AssertionError("expected a backend, got " + r);
  }

  /** The backend picked for each of keys 0..count-1 (consecutive keys: poor keys on purpose). */
  static Backend[] assignment(Picker picker, int count) {
    Backend[] out = new Backend[count];
    MutableKey ctx = new MutableKey();
    for (int k = 0; k < count; k++) {
      ctx.key = k;
      out[k] = picked(picker.pick(ctx));
    }
    return out;
  }
}
