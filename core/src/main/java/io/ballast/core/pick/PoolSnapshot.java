package io.ballast.core.pick;

import io.ballast.core.Backend;
import io.ballast.core.PoolLoad;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a picker is built from: every member of the pool in pool order, each member's effective
 * weight, and which members take new requests now.
 *
 * <p>Immutable once built (the arrays are never written after construction; callers must not
 * write them either). Pickers that balance over the available backends only use
 * {@link #availableBackends()}; hash pickers build their ring or table over all members, so that
 * a key's backend does not change when another backend goes down, and skip unavailable members
 * at pick time.
 *
 * @param members every backend of the pool, in pool order; never empty
 * @param weights each member's effective weight, at least 1
 * @param available which members take new requests now; at least one is true
 * @param load the pool's requests in flight, kept by the members' {@code BackendLoad}s
 * @param shares the part of each weight that is a share of the traffic given for a while (a
 *     slow-start ramp, a DEGRADED backend's passing share), in (0, 1]; 1: all of it is the
 *     backend's capacity. Weight-proportional pickers need only {@link #weights}; {@code auto}
 *     prices by {@code weight / share} and lets a backend take part in that share of its picks
 */
public record PoolSnapshot(List<Backend> members, int[] weights, boolean[] available, PoolLoad load,
    double[] shares) {
  public PoolSnapshot {
    members = List.copyOf(members);
    Objects.requireNonNull(load, "load");
    Objects.requireNonNull(weights, "weights");
    Objects.requireNonNull(available, "available");
    Objects.requireNonNull(shares, "shares");
    if (members.isEmpty()) {
      throw new IllegalArgumentException("members: [] (expected: at least one backend)");
    }
    if (weights.length != members.size() || available.length != members.size()
        || shares.length != members.size()) {
      throw new IllegalArgumentException("weights/available/shares: " + weights.length + "/"
          + available.length + "/" + shares.length + " entries (expected: " + members.size()
          + ")");
    }
    boolean any = false;
    for (int i = 0; i < weights.length; i++) {
      if (weights[i] < 1) {
        throw new IllegalArgumentException("weights[" + i + "]: " + weights[i] + " (expected: >= 1)");
      }
      if (!(shares[i] > 0 && shares[i] <= 1)) {
        throw new IllegalArgumentException("shares[" + i + "]: " + shares[i] + " (expected: (0, 1])");
      }
      any |= available[i];
    }
    if (!any) {
      throw new IllegalArgumentException("available: none (expected: at least one backend)");
    }
  }

  /** A snapshot where every weight is all capacity (every share 1). */
  public PoolSnapshot(List<Backend> members, int[] weights, boolean[] available, PoolLoad load) {
    this(members, weights, available, load, full(weights.length));
  }

  private static double[] full(int n) {
    double[] s = new double[n];
    java.util.Arrays.fill(s, 1.0);
    return s;
  }

  /**
   * A snapshot where every backend is available and weighs its configured weight, for tests and
   * benchmarks. Backends that count in no pool load yet are attached to a new one.
   */
  public static PoolSnapshot allAvailable(List<Backend> backends) {
    return allAvailable(backends, true);
  }

  /**
   * As {@link #allAvailable(List)}, but the backends count in the pool load only when the
   * algorithm needs it, as in a real pool (a benchmark then measures what production pays).
   */
  public static PoolSnapshot allAvailable(List<Backend> backends, Algorithm algorithm) {
    return allAvailable(backends, algorithm.needsPoolLoad());
  }

  private static PoolSnapshot allAvailable(List<Backend> backends, boolean attach) {
    int[] w = backends.stream().mapToInt(Backend::weight).toArray();
    boolean[] a = new boolean[backends.size()];
    java.util.Arrays.fill(a, true);
    PoolLoad load = backends.get(0).load().attached() ? backends.get(0).load().pool() : new PoolLoad();
    if (attach) {
      backends.forEach(b -> b.load().attach(load));
    }
    return new PoolSnapshot(backends, w, a, load);
  }

  /** The available members, in pool order. */
  public List<Backend> availableBackends() {
    List<Backend> out = new ArrayList<>(members.size());
    for (int i = 0; i < available.length; i++) {
      if (available[i]) {
        out.add(members.get(i));
      }
    }
    return out;
  }

  /** The weights of {@link #availableBackends()}, same order. */
  public int[] availableWeights() {
    int n = 0;
    for (boolean a : available) {
      n += a ? 1 : 0;
    }
    int[] out = new int[n];
    for (int i = 0, j = 0; i < available.length; i++) {
      if (available[i]) {
        out[j++] = weights[i];
      }
    }
    return out;
  }

  /** The shares of {@link #availableBackends()}, same order. */
  public double[] availableShares() {
    double[] out = new double[availableBackends().size()];
    for (int i = 0, j = 0; i < available.length; i++) {
      if (available[i]) {
        out[j++] = shares[i];
      }
    }
    return out;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < members.size(); i++) {
      sb.append(i == 0 ? "" : ", ").append(members.get(i).name()).append(" w=").append(weights[i])
          .append(shares[i] < 1 ? " share=" + shares[i] : "").append(available[i] ? "" : " (out)");
    }
    return sb.append(']').toString();
  }
}
