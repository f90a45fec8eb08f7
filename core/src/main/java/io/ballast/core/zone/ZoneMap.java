package io.ballast.core.zone;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * The zones a pool knows: those of its backends plus any zone its clients may come from, each
 * with a dense index (0 .. {@link #size()} - 1). The proxy looks a client's "region/zone" up once
 * per request with {@link #index(String)} and passes the index as {@code PickContext.locality()};
 * the zone-aware picker keeps its plans in arrays by that index.
 *
 * <p><b>Append-only.</b> A backend that joins the pool may bring a zone the map does not know yet
 * ({@link #addBackendZone}): the zone is appended, with the next index. An index once handed out
 * never changes and never goes away, because the proxy computes a client's index from the map
 * while the control loop rebuilds pickers concurrently: a request may carry an index computed
 * before the picker it reaches was built, or after. A picker built before a zone was appended
 * has no plan for that index and treats such clients as of unknown zone (the whole pool); the
 * next rebuild gives them their plan. Zones given at construction are in region then zone
 * order; appended ones follow in the order they came. A zone whose last backend left keeps its
 * index and its {@link #hasBackends} flag (it only grows too).
 *
 * <p>Thread-safe: the readers take one volatile read of an immutable state; {@link #index(String)}
 * is one hash lookup and allocates nothing; appends copy the state under a lock. Worked example:
 * backends in eu/eu-1a, eu/eu-1b and us/us-1a plus clients declared in eu/eu-1c give indexes
 * eu/eu-1a 0, eu/eu-1b 1, eu/eu-1c 2, us/us-1a 3; {@code index("ap/ap-1a")} is -1 until a backend
 * in ap/ap-1a joins, then 4.
 */
public final class ZoneMap {
  /** Everything the readers see, replaced whole by an append. */
  private record State(List<Locality> localities, boolean[] hasBackends,
      Map<String, Integer> byName) {
    static State of(List<Locality> localities, boolean[] hasBackends) {
      Map<String, Integer> m = new HashMap<>();
      for (int i = 0; i < localities.size(); i++) {
        m.put(localities.get(i).toString(), i);
      }
      return new State(List.copyOf(localities), hasBackends, Map.copyOf(m));
    }
  }

  private volatile State state;

  private ZoneMap(List<Locality> localities, boolean[] hasBackends) {
    this.state = State.of(localities, hasBackends);
  }

  /**
   * The zones of the pool's backends (one entry per backend, duplicates expected) and the extra
   * zones clients may come from (those of backends are known anyway).
   */
  public static ZoneMap of(Collection<Locality> backendZones, Collection<Locality> clientZones) {
    Objects.requireNonNull(backendZones, "backendZones");
    Objects.requireNonNull(clientZones, "clientZones");
    TreeSet<Locality> withBackends = new TreeSet<>(backendZones);
    TreeSet<Locality> all = new TreeSet<>(withBackends);
    all.addAll(clientZones);
    List<Locality> list = List.copyOf(all);
    boolean[] has = new boolean[list.size()];
    for (int i = 0; i < has.length; i++) {
      has[i] = withBackends.contains(list.get(i));
    }
    return new ZoneMap(list, has);
  }

  /** The zones of the pool's backends only. */
  public static ZoneMap of(Collection<Locality> backendZones) {
    return of(backendZones, List.of());
  }

  /**
   * The index of the zone of a backend, appending the zone when the map does not know it and
   * marking it as a zone with backends. Existing indexes never change. Thread-safe.
   */
  public synchronized int addBackendZone(Locality zone) {
    Objects.requireNonNull(zone, "zone");
    State s = state;
    Integer i = s.byName().get(zone.toString());
    if (i != null && s.hasBackends()[i]) {
      return i;
    }
    List<Locality> localities = new ArrayList<>(s.localities());
    boolean[] has;
    if (i == null) {
      i = localities.size();
      localities.add(zone);
      has = Arrays.copyOf(s.hasBackends(), localities.size());
    } else {
      has = s.hasBackends().clone();
    }
    has[i] = true;
    state = State.of(localities, has);
    return i;
  }

  /**
   * The index of a zone clients may come from, appending it (as a zone without backends) when
   * the map does not know it: a new client locality table brings new zones. Existing indexes
   * never change. Thread-safe.
   */
  public synchronized int addClientZone(Locality zone) {
    Objects.requireNonNull(zone, "zone");
    State s = state;
    Integer i = s.byName().get(zone.toString());
    if (i != null) {
      return i;
    }
    List<Locality> localities = new ArrayList<>(s.localities());
    localities.add(zone);
    state = State.of(localities, Arrays.copyOf(s.hasBackends(), localities.size()));
    return localities.size() - 1;
  }

  /**
   * The index of the zone written "region/zone", or -1 when the pool does not know it (or the
   * text is not of that form). Thread-safe, no allocation.
   */
  public int index(String regionSlashZone) {
    if (regionSlashZone == null) {
      return -1;
    }
    Integer i = state.byName().get(regionSlashZone);
    return i == null ? -1 : i;
  }

  /** The index of the zone, or -1 when the pool does not know it. */
  public int index(Locality locality) {
    return index(locality.toString());
  }

  /** The zone at {@code index}. */
  public Locality locality(int index) {
    return state.localities().get(index);
  }

  /** True when some backend of the pool is (or was) in the zone at {@code index}. */
  public boolean hasBackends(int index) {
    return state.hasBackends()[index];
  }

  /** Every zone, in index order. */
  public List<Locality> localities() {
    return state.localities();
  }

  public int size() {
    return state.localities().size();
  }

  @Override
  public String toString() {
    State s = state;
    StringBuilder sb = new StringBuilder("ZoneMap[");
    for (int i = 0; i < s.localities().size(); i++) {
      sb.append(i == 0 ? "" : ", ").append(i).append('=').append(s.localities().get(i))
          .append(s.hasBackends()[i] ? "" : " (clients only)");
    }
    return sb.append(']').toString();
  }
}
