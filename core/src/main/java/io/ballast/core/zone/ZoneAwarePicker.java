package io.ballast.core.zone;

import io.ballast.core.PickContext;
import io.ballast.core.PickResult;
import io.ballast.core.Picker;
import io.ballast.core.Rng;
import java.util.List;

/**
 * Zone-aware selection: one child picker (of the pool's algorithm) per zone with an available
 * backend, one over the whole pool, and for each client zone a precomputed spill plan. Built only
 * by {@link ZoneAwarePickerFactory}, which documents the rule.
 *
 * <p>A pick reads {@link PickContext#locality()}; an unknown client (-1) goes to the whole-pool
 * child. Otherwise, when the client's plan sends traffic to more than one zone, one uniform draw
 * in [0, 1) is looked up in the plan's cumulative shares (a scan of a few doubles) and the chosen
 * zone's child picks. If that child finds nothing (every backend of the zone already tried for
 * this request), the other zones are asked in the client's tier order, its own zone first: a
 * retry leaves the client's zone only when it must and then goes to the nearest zone. Worked
 * example: clients in eu/a whose draw chose the spill zone eu/b, every backend of eu/b already
 * tried: eu/a is asked next, then eu/c.
 *
 * <p>Thread-safe, non-blocking: immutable apart from the children's own lock-free cursors; a pick
 * takes no lock and allocates nothing beyond what the child allocates.
 */
public final class ZoneAwarePicker implements Picker {
  private final ZoneMap zones;
  /** By zone index; null for zones with no available backend. */
  private final Picker[] children;
  private final Picker whole;
  /** By client zone index. */
  private final ClientPlan[] plans;
  private final Rng rng;
  private final int[] up;
  private final int[] members;

  ZoneAwarePicker(ZoneMap zones, Picker[] children, Picker whole, ClientPlan[] plans, Rng rng,
      int[] up, int[] members) {
    this.zones = zones;
    this.children = children;
    this.whole = whole;
    this.plans = plans;
    this.rng = rng;
    this.up = up;
    this.members = members;
  }

  /**
   * One client zone's plan, as arrays for the pick. Immutable after construction.
   *
   * @param cumulative cumulative shares of the slots, the last exactly 1
   * @param slotPickers the child of each slot's zone
   * @param retryStart each slot's position in {@code retryOrder}, skipped on a retry
   * @param retryOrder the children of every zone with an available backend, in tier order
   * @param shares the plan for readers
   */
  record ClientPlan(double[] cumulative, Picker[] slotPickers, int[] retryStart,
      Picker[] retryOrder, List<ZoneShare> shares) {}

  @Override
  public PickResult pick(PickContext context) {
    int c = context.locality();
    ClientPlan[] ps = plans;
    if (c < 0 || c >= ps.length) {
      return whole.pick(context);
    }
    ClientPlan p = ps[c];
    double[] cum = p.cumulative;
    int slot = 0;
    int last = cum.length - 1;
    if (last > 0) {
      double u = rng.nextDouble();
      while (slot < last && u >= cum[slot]) {
        slot++;
      }
    }
    PickResult first = p.slotPickers[slot].pick(context);
    if (first instanceof PickResult.Picked) {
      return first;
    }
    Picker[] order = p.retryOrder;
    int tried = p.retryStart[slot];
    for (int k = 0; k < order.length; k++) {
      if (k == tried) {
        continue;
      }
      PickResult r = order[k].pick(context);
      if (r instanceof PickResult.Picked) {
        return r;
      }
    }
    return first;
  }

  /**
   * Where the new requests of clients in the zone at {@code clientZone} go, in tier order, each
   * share above 0 and all adding up to 1; an empty list for an unknown client (-1 or an index
   * the map does not have), whose requests the algorithm balances over the whole pool.
   * Thread-safe.
   */
  public List<ZoneShare> plan(int clientZone) {
    return clientZone < 0 || clientZone >= plans.length ? List.of() : plans[clientZone].shares;
  }

  /** The zones this picker's plans are indexed by. */
  public ZoneMap zones() {
    return zones;
  }

  /**
   * Available backends in the zone at {@code zone}; 0 for a zone appended to the map after this
   * picker was built.
   */
  public int availableIn(int zone) {
    return zone < up.length ? up[zone] : 0;
  }

  /**
   * Backends of the pool in the zone at {@code zone}; 0 for a zone appended to the map after this
   * picker was built.
   */
  public int membersIn(int zone) {
    return zone < members.length ? members[zone] : 0;
  }

  /** The child picker of the zone, or null when no backend of it is available; for rebuilds. */
  Picker child(int zone) {
    return zone < children.length ? children[zone] : null;
  }

  /** The child over the whole pool; for rebuilds. */
  Picker whole() {
    return whole;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("ZoneAwarePicker[");
    for (int z = 0; z < children.length; z++) {
      if (members[z] == 0) {
        continue;
      }
      sb.append(sb.charAt(sb.length() - 1) == '[' ? "" : ", ").append(zones.locality(z))
          .append(' ').append(up[z]).append('/').append(members[z]).append(" up");
      if (children[z] != null) {
        sb.append(' ').append(children[z]);
      }
    }
    sb.append("] plans{");
    for (int c = 0; c < plans.length; c++) {
      sb.append(c == 0 ? "" : "; ").append(zones.locality(c)).append(": ");
      List<ZoneShare> shares = plans[c].shares;
      for (int i = 0; i < shares.size(); i++) {
        ZoneShare s = shares.get(i);
        sb.append(i == 0 ? "" : ", ").append(ZoneFormat.percent(s.share())).append(' ')
            .append(s.zone().equals(zones.locality(c)) ? "stay" : "-> " + s.zone());
      }
    }
    return sb.append("} unknown clients: ").append(whole).toString();
  }
}
