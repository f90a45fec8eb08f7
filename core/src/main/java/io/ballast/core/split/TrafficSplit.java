package io.ballast.core.split;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A route's traffic divided between named groups (each group is a pool): a canary at 5 %, A/B
 * groups, or blue-green with one group at 100 %. The group of a request is decided by, in order:
 * a forcing value naming a group (a tester's header or cookie), the request's user key (A/B:
 * the same user lands in the same group while the weights hold), or a random draw.
 *
 * <p>Weights are percentages with two decimals, mapped onto {@value #BUCKETS} buckets laid out in
 * group order: with groups {@code [stable, canary]} at 95/5 buckets 0..9499 are {@code stable}
 * and 9500..9999 {@code canary}. A user whose key falls in bucket 9731 is in the canary group and
 * stays there when the canary grows to 10 % (9000..9999): growing the last group only adds users
 * to it. That layout is why a canary is best listed last.
 *
 * <p>Thread-safe: the weights are an immutable {@link Weights} swapped through a volatile, so a
 * change from the admin listener or a reload takes effect from the next request, and a pick is
 * one volatile read plus a short loop over the groups (no lock, no allocation).
 */
public final class TrafficSplit {
  /** Buckets of the split: weights have a resolution of 0.01 %. */
  public static final int BUCKETS = 10_000;

  private final String name;
  private final List<String> groups;
  private volatile Weights weights;

  /**
   * @param name the route's name, for messages
   * @param weights each group's weight in percent, in layout order; they add up to 100
   */
  public TrafficSplit(String name, Map<String, Double> weights) {
    this.name = Objects.requireNonNull(name, "name");
    Objects.requireNonNull(weights, "weights");
    if (weights.size() < 2) {
      throw new IllegalArgumentException("split of " + name + ": " + weights.size()
          + " group(s) (expected: at least 2)");
    }
    this.groups = List.copyOf(weights.keySet());
    this.weights = toWeights(weights);
  }

  public String name() {
    return name;
  }

  /** The group names in layout order. */
  public List<String> groups() {
    return groups;
  }

  /** The index of a group, or -1 when the split has no such group. */
  public int indexOf(String group) {
    return group == null ? -1 : groups.indexOf(group);
  }

  /** The weights in force now. */
  public Weights weights() {
    return weights;
  }

  /**
   * The group of a request that carries a user key (A/B): its bucket is a function of the key,
   * so the same user gets the same group while the weights hold.
   */
  public int pickByKey(long userKey) {
    return weights.groupOf(bucket(userKey));
  }

  /** The group of a request with no user key: a uniform draw in [0, {@value #BUCKETS}). */
  public int pickByDraw(int draw) {
    return weights.groupOf(draw);
  }

  /** The bucket of a user key, 0..{@value #BUCKETS}-1. */
  public static int bucket(long userKey) {
    // The key may be a raw hash with weak low bits: mix before reducing.
    long z = userKey;
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    z ^= z >>> 33;
    return (int) Long.remainderUnsigned(z, BUCKETS);
  }

  /**
   * Sets new weights, atomically for every request that follows.
   *
   * @param percents a weight for every group (by name), adding up to 100
   * @return the weights replaced
   * @throws IllegalArgumentException naming the group or the sum when they are not valid
   */
  public Weights setWeights(Map<String, Double> percents) {
    Objects.requireNonNull(percents, "percents");
    for (String g : percents.keySet()) {
      if (!groups.contains(g)) {
        throw new IllegalArgumentException("group '" + g + "' (expected one of: "
            + String.join(", ", groups) + ")");
      }
    }
    Map<String, Double> ordered = new LinkedHashMap<>();
    for (String g : groups) {
      Double w = percents.get(g);
      if (w == null) {
        throw new IllegalArgumentException("group '" + g + "': no weight (expected: a weight for"
            + " every group of split " + name + ")");
      }
      ordered.put(g, w);
    }
    Weights next = toWeights(ordered);
    synchronized (this) {
      Weights previous = weights;
      weights = next;
      return previous;
    }
  }

  /** Blue-green: every request to {@code group}, none to the others. */
  public Weights activate(String group) {
    if (indexOf(group) < 0) {
      throw new IllegalArgumentException("group '" + group + "' (expected one of: "
          + String.join(", ", groups) + ")");
    }
    Map<String, Double> all = new LinkedHashMap<>();
    for (String g : groups) {
      all.put(g, g.equals(group) ? 100.0 : 0.0);
    }
    return setWeights(all);
  }

  private Weights toWeights(Map<String, Double> percents) {
    int n = percents.size();
    int[] buckets = new int[n];
    int i = 0;
    long sum = 0;
    for (Map.Entry<String, Double> e : percents.entrySet()) {
      double w = Objects.requireNonNull(e.getValue(), e.getKey());
      if (!(w >= 0 && w <= 100)) {
        throw new IllegalArgumentException("group '" + e.getKey() + "': " + w
            + " (expected: a percentage 0..100)");
      }
      buckets[i] = (int) Math.round(w * (BUCKETS / 100.0));
      if (Math.abs(buckets[i] - w * (BUCKETS / 100.0)) > 1e-6) {
        throw new IllegalArgumentException("group '" + e.getKey() + "': " + w
            + " (expected: at most two decimals)");
      }
      sum += buckets[i++];
    }
    if (sum != BUCKETS) {
      throw new IllegalArgumentException("weights of split " + name + " add up to "
          + Weights.text((int) sum) + " (expected: 100)");
    }
    return new Weights(groups, buckets);
  }

  @Override
  public String toString() {
    return "split " + name + " " + weights;
  }

  /**
   * One setting of a split's weights: the buckets of each group and their running sums.
   * Immutable.
   */
  public static final class Weights {
    private final List<String> groups;
    private final int[] buckets;
    private final int[] upTo;

    Weights(List<String> groups, int[] buckets) {
      this.groups = groups;
      this.buckets = buckets.clone();
      this.upTo = new int[buckets.length];
      int acc = 0;
      for (int i = 0; i < buckets.length; i++) {
        acc += buckets[i];
        upTo[i] = acc;
      }
    }

    int groupOf(int bucket) {
      int[] u = upTo;
      for (int i = 0; i < u.length; i++) {
        if (bucket < u[i]) {
          return i;
        }
      }
      return u.length - 1;
    }

    /** A group's weight in percent. */
    public double percent(int group) {
      return buckets[group] / (BUCKETS / 100.0);
    }

    /** Every group's weight in percent, in layout order. */
    public Map<String, Double> percents() {
      Map<String, Double> out = new LinkedHashMap<>();
      for (int i = 0; i < buckets.length; i++) {
        out.put(groups.get(i), percent(i));
      }
      return Collections.unmodifiableMap(out);
    }

    /** The groups that take traffic now (weight above 0). */
    public List<String> active() {
      List<String> out = new ArrayList<>();
      for (int i = 0; i < buckets.length; i++) {
        if (buckets[i] > 0) {
          out.add(groups.get(i));
        }
      }
      return out;
    }

    static String text(int buckets) {
      return buckets % 100 == 0 ? Integer.toString(buckets / 100)
          : java.math.BigDecimal.valueOf(buckets, 2).stripTrailingZeros().toPlainString();
    }

    @Override
    public String toString() {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < buckets.length; i++) {
        sb.append(i == 0 ? "" : " / ").append(groups.get(i)).append(' ')
            .append(text(buckets[i])).append('%');
      }
      return sb.toString();
    }
  }
}
