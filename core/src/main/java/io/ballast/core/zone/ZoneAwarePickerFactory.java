package io.ballast.core.zone;

import io.ballast.core.Backend;
import io.ballast.core.Picker;
import io.ballast.core.Rng;
import io.ballast.core.pick.PickerFactory;
import io.ballast.core.pick.PoolSnapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Zone-aware balancing as a decoration of any algorithm: builds a {@link ZoneAwarePicker} whose
 * children are the inner algorithm's pickers, one per zone, so the algorithm balances within a
 * zone and this decides which zone.
 *
 * <p><b>Tier order.</b> For clients in zone c (region R) the zones are ranked: c itself; then the
 * other zones of R, nearest first by the latency matrix; then the other regions in
 * {@link ZoneSettings#regionPriority()} order (regions not listed after the listed ones, the one
 * with the nearest zone first, then by name), each region's zones nearest first. Ties go by name.
 *
 * <p><b>Spill.</b> Each zone keeps {@code k = min(1, a / m)} of the traffic that reaches it, where
 * {@code a} is the available share of its configured weight (weights count, not backend counts)
 * and {@code m} is {@link ZoneSettings#minHealthyPercent()}; the rest flows on to the next zone in
 * the client's order. What no zone keeps (the whole pool is short of capacity) is spread over
 * every zone by available weight. Worked example, m = 70%, clients in eu/a:
 *
 * <pre>
 *   zone   up (weight)   a      k        traffic reaching it   kept
 *   eu/a   3 of 5        60%    0.857    100%                  85.7%
 *   eu/b   5 of 5        100%   1        14.3%                 14.3%
 *   us/a   2 of 2        100%   1        0%                    0%
 * </pre>
 *
 * With eu/a and eu/b both wholly down the clients of eu/a go 100% to us/a: region failover.
 * Clients whose locality the pool does not know ({@code PickContext.locality()} -1) are balanced
 * over the whole pool by one more child. "Available" is the snapshot's flag: in panic mode the pool
 * counts every active backend as available, and so do the plans.
 *
 * <p><b>Reporting.</b> Each build compares every client zone's plan with the one last reported
 * (at first, the plan with every backend up) and hands {@code planLog} one line per client zone
 * whose plan changed, e.g. {@code "clients in eu/a: 85.7% stay (3 of 5 backends up, 60% of weight
 * < 70%), 14.3% -> eu/b (2 ms)"}; a plan coming back to 100% stay is reported too (failback).
 * Plans depend on availability and configured weights only, so slow start and the weight
 * controller never cause a line.
 *
 * <p><b>Members' zones.</b> Each member's zone is its {@link Backend#zone()}, read at every build,
 * so members that join, leave or move between zones are placed where they are now. A zone the
 * pool's {@link ZoneMap} does not know yet is appended to it (indexes already handed out never
 * change; see {@link ZoneMap}). A member without a zone belongs to no zone: only clients of
 * unknown zone (the whole-pool child) reach it, and a plan line says so once.
 *
 * <p>Control loop only: {@link #build} keeps the last reported plans and must not run
 * concurrently with itself. Children of a previous {@link ZoneAwarePicker} over the same
 * {@link ZoneMap} are passed to the inner factory as its {@code previous}, zone by zone, so
 * cursors and hash tables survive a rebuild. Hash-based algorithms hash within the chosen zone:
 * while a client's zone spills, the zone is drawn per request, so a key keeps its backend only
 * among the requests that land in the same zone. Bounded-load hashing compares a zone's members
 * against the whole pool's requests in flight (one {@code PoolLoad} per pool), a looser bound.
 */
public final class ZoneAwarePickerFactory implements PickerFactory {
  private final PickerFactory inner;
  private final ZoneMap zones;
  private final ZoneSettings settings;
  private final Consumer<String> planLog;
  /**
   * The zone index of each of the pool's first members, in pool order, when the factory was
   * given them (the older constructor); null otherwise. Bound to those members by identity at the
   * first build ({@link #bound}), so that they keep their zones while others come and go.
   */
  private final int[] initialZones;
  // Control loop only.
  private Map<Backend, Integer> bound;
  /** Which zones had members when {@link #order} and {@link #latency} were computed. */
  private boolean[] layoutFor = new boolean[0];
  /** By client zone: zones with backends, in tier order. */
  private int[][] order;
  /** By client zone, then zone: latency from the client's zone. */
  private Duration[][] latency;
  /** By client zone: the plan last reported. */
  private final List<List<ZoneShare>> reported = new ArrayList<>();
  /** The members without a zone last reported. */
  private List<String> zoneless = List.of();

  /**
   * A zone-aware factory that takes each member's zone from {@link Backend#zone()}.
   *
   * @param inner the algorithm's factory, which builds each zone's child picker
   * @param zones the zones of the members and of the clients; it grows when a member brings a
   *     new zone
   * @param settings minimum healthy share, region priority and latency matrix; its matrix must
   *     name zones of {@code zones} ({@link ZoneSettings#checkAgainst})
   * @param planLog receives one line per client zone whose plan changes, on the control loop
   */
  public ZoneAwarePickerFactory(PickerFactory inner, ZoneMap zones, ZoneSettings settings,
      Consumer<String> planLog) {
    this(inner, zones, settings, planLog, null);
  }

  /**
   * A zone-aware factory given the zones of the pool's first members: each member of the first
   * build takes the zone at its position, and keeps it by identity afterwards; a member with a
   * {@link Backend#zone()} of its own (one that joined later, or moved) is placed by that.
   *
   * @param memberZones the locality of each of the pool's first members, in pool order; each
   *     must be a zone of {@code zones}
   */
  public ZoneAwarePickerFactory(PickerFactory inner, List<Locality> memberZones, ZoneMap zones,
      ZoneSettings settings, Consumer<String> planLog) {
    this(inner, zones, settings, planLog, indexes(memberZones, zones));
  }

  private ZoneAwarePickerFactory(PickerFactory inner, ZoneMap zones, ZoneSettings settings,
      Consumer<String> planLog, int[] initialZones) {
    this.inner = Objects.requireNonNull(inner, "inner");
    this.zones = Objects.requireNonNull(zones, "zones");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.planLog = Objects.requireNonNull(planLog, "planLog");
    settings.checkAgainst(zones);
    this.initialZones = initialZones;
  }

  private static int[] indexes(List<Locality> memberZones, ZoneMap zones) {
    int[] out = new int[memberZones.size()];
    for (int i = 0; i < out.length; i++) {
      Locality l = Objects.requireNonNull(memberZones.get(i), "memberZones[" + i + "]");
      out[i] = zones.index(l);
      if (out[i] < 0) {
        throw new IllegalArgumentException("memberZones[" + i + "]: " + l
            + " (expected: a zone of " + zones.localities() + ")");
      }
    }
    return out;
  }

  /** Each member's zone index now, -1 for none; appends zones the map does not know yet. */
  private int[] memberZones(List<Backend> all) {
    if (initialZones != null && bound == null) {
      if (all.size() != initialZones.length) {
        throw new IllegalArgumentException("pool: " + all.size() + " members (expected: "
            + initialZones.length + ", one per locality given)");
      }
      bound = new IdentityHashMap<>();
      for (int i = 0; i < initialZones.length; i++) {
        bound.put(all.get(i), initialZones[i]);
      }
    }
    int[] out = new int[all.size()];
    for (int i = 0; i < out.length; i++) {
      Backend b = all.get(i);
      String zone = b.zone();
      if (zone != null) {
        int t = zones.index(zone);
        out[i] = t >= 0 && zones.hasBackends(t) ? t : zones.addBackendZone(Locality.parse(zone));
      } else {
        Integer t = bound == null ? null : bound.get(b);
        out[i] = t == null ? -1 : t;
      }
    }
    return out;
  }

  /**
   * Control loop: the latencies and tier orders for the zones that have members now, computed
   * again only when that set (or the map) changed; and a first plan for each client zone not seen
   * yet: its first zone, whole, as if every backend were up.
   */
  private void layout(boolean[] hasMembers) {
    if (!Arrays.equals(hasMembers, layoutFor)) {
      int z = hasMembers.length;
      latency = new Duration[z][z];
      order = new int[z][];
      for (int c = 0; c < z; c++) {
        for (int t = 0; t < z; t++) {
          latency[c][t] = settings.latency(zones.locality(c), zones.locality(t));
        }
      }
      for (int c = 0; c < z; c++) {
        order[c] = tierOrder(c, hasMembers);
      }
      layoutFor = hasMembers;
    }
    for (int c = reported.size(); c < hasMembers.length; c++) {
      reported.add(order[c].length == 0 ? List.of()
          : List.of(new ZoneShare(zones.locality(order[c][0]), 1.0, latency[c][order[c][0]])));
    }
  }

  /** Zones with members in the tier order of clients in zone {@code c}. */
  private int[] tierOrder(int c, boolean[] hasMembers) {
    Locality client = zones.locality(c);
    Comparator<Integer> nearest = Comparator.<Integer, Duration>comparing(t -> latency[c][t])
        .thenComparing(zones::locality);
    List<Integer> sameRegion = new ArrayList<>();
    Map<String, List<Integer>> byRegion = new TreeMap<>();
    for (int t = 0; t < hasMembers.length; t++) {
      if (!hasMembers[t] || t == c) {
        continue;
      }
      Locality l = zones.locality(t);
      if (l.sameRegion(client)) {
        sameRegion.add(t);
      } else {
        byRegion.computeIfAbsent(l.region(), r -> new ArrayList<>()).add(t);
      }
    }
    sameRegion.sort(nearest);
    byRegion.values().forEach(list -> list.sort(nearest));
    List<String> regions = new ArrayList<>(byRegion.keySet());
    regions.sort(Comparator.<String>comparingInt(settings::regionRank)
        .thenComparing(r -> latency[c][byRegion.get(r).get(0)])
        .thenComparing(Comparator.naturalOrder()));
    List<Integer> out = new ArrayList<>();
    if (c < hasMembers.length && hasMembers[c]) {
      out.add(c);
    }
    out.addAll(sameRegion);
    regions.forEach(r -> out.addAll(byRegion.get(r)));
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  public ZoneMap zones() {
    return zones;
  }

  public ZoneSettings settings() {
    return settings;
  }

  @Override
  public Picker build(PoolSnapshot pool, Picker previous, Rng rng) {
    List<Backend> all = pool.members();
    int[] memberZone = memberZones(all);
    int z = zones.size();
    boolean[] hasMembers = new boolean[z];
    for (int t : memberZone) {
      if (t >= 0) {
        hasMembers[t] = true;
      }
    }
    layout(hasMembers);
    reportZoneless(all, memberZone);
    ZoneAwarePicker prev =
        previous instanceof ZoneAwarePicker p && p.zones() == zones ? p : null;
    int[] members = new int[z];
    int[] up = new int[z];
    long[] weight = new long[z];
    long[] upWeight = new long[z];
    for (int i = 0; i < memberZone.length; i++) {
      int t = memberZone[i];
      if (t < 0) {
        continue;
      }
      members[t]++;
      weight[t] += all.get(i).weight();
      if (pool.available()[i]) {
        up[t]++;
        upWeight[t] += all.get(i).weight();
      }
    }
    Picker[] children = new Picker[z];
    for (int t = 0; t < z; t++) {
      if (up[t] > 0) {
        children[t] = inner.build(zoneSnapshot(pool, memberZone, t, members[t]),
            prev == null ? null : prev.child(t), rng);
      }
    }
    Picker whole = inner.build(pool, prev == null ? null : prev.whole(), rng);
    double[] keep = new double[z];
    long min = settings.minHealthyPercent();
    for (int t = 0; t < z; t++) {
      // Integer comparison first, so that exactly the minimum keeps exactly everything.
      keep[t] = weight[t] == 0 ? 0
          : upWeight[t] * 100 >= min * weight[t] ? 1.0
          : upWeight[t] * 100.0 / (min * weight[t]);
    }
    ZoneAwarePicker.ClientPlan[] plans = new ZoneAwarePicker.ClientPlan[z];
    for (int c = 0; c < z; c++) {
      double[] share = new double[z];
      boolean overflow = spill(order[c], keep, upWeight, share);
      plans[c] = clientPlan(c, share, children);
      if (!plans[c].shares().equals(reported.get(c))) {
        reported.set(c, plans[c].shares());
        planLog.accept(ZoneFormat.planLine(zones.locality(c), plans[c].shares(), overflow, members[c],
            up[c], weight[c], upWeight[c], settings.minHealthyPercent()));
      }
    }
    return new ZoneAwarePicker(zones, children, whole, plans, rng.forPickers(), up, members);
  }

  /** One line when the set of members without a zone changes. */
  private void reportZoneless(List<Backend> all, int[] memberZone) {
    TreeSet<String> names = new TreeSet<>();
    for (int i = 0; i < memberZone.length; i++) {
      if (memberZone[i] < 0) {
        names.add(all.get(i).name());
      }
    }
    List<String> now = List.copyOf(names);
    if (!now.equals(zoneless)) {
      zoneless = now;
      planLog.accept(now.isEmpty() ? "every backend has a zone"
          : "backends without a zone: " + String.join(", ", now)
              + " (only clients of unknown zone reach them)");
    }
  }

  /**
   * Fills {@code share} (by zone) with the spill of one unit of traffic along {@code order}; true
   * when some of it found no room and was spread by available weight.
   */
  static boolean spill(int[] order, double[] keep, long[] upWeight, double[] share) {
    double rest = 1.0;
    for (int t : order) {
      double s = rest * keep[t];
      share[t] += s;
      rest -= s;
    }
    if (rest <= 1e-12) {
      return false;
    }
    long total = 0;
    for (int t : order) {
      total += upWeight[t];
    }
    for (int t : order) {
      share[t] += rest * upWeight[t] / total;
    }
    return true;
  }

  private ZoneAwarePicker.ClientPlan clientPlan(int c, double[] share, Picker[] children) {
    int[] ord = order[c];
    List<Picker> retry = new ArrayList<>();
    int[] retryPos = new int[share.length];
    for (int t : ord) {
      if (children[t] != null) {
        retryPos[t] = retry.size();
        retry.add(children[t]);
      }
    }
    List<ZoneShare> shares = new ArrayList<>();
    List<Double> cum = new ArrayList<>();
    List<Picker> slotPickers = new ArrayList<>();
    List<Integer> retryStart = new ArrayList<>();
    double running = 0;
    for (int t : ord) {
      if (share[t] > 0 && children[t] != null) {
        shares.add(new ZoneShare(zones.locality(t), share[t], latency[c][t]));
        running += share[t];
        cum.add(running);
        slotPickers.add(children[t]);
        retryStart.add(retryPos[t]);
      }
    }
    double[] cumulative = cum.stream().mapToDouble(Double::doubleValue).toArray();
    // Rounding must not leave a sliver of draws past the last slot.
    cumulative[cumulative.length - 1] = 1.0;
    return new ZoneAwarePicker.ClientPlan(cumulative, slotPickers.toArray(Picker[]::new),
        retryStart.stream().mapToInt(Integer::intValue).toArray(), retry.toArray(Picker[]::new),
        List.copyOf(shares));
  }

  /** The members of zone {@code t}, with their weights and availability, over the same load. */
  private static PoolSnapshot zoneSnapshot(PoolSnapshot pool, int[] memberZone, int t,
      int count) {
    List<Backend> m = new ArrayList<>(count);
    int[] w = new int[count];
    boolean[] a = new boolean[count];
    for (int i = 0, j = 0; i < memberZone.length; i++) {
      if (memberZone[i] == t) {
        m.add(pool.members().get(i));
        w[j] = pool.weights()[i];
        a[j++] = pool.available()[i];
      }
    }
    return new PoolSnapshot(m, w, a, pool.load());
  }

  @Override
  public String toString() {
    return "zone-aware(" + inner + ", " + zones + ", min " + settings.minHealthyPercent() + "%)";
  }
}
