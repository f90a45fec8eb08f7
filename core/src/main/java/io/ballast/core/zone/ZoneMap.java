package io.ballast.core.zone;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * The zones a pool knows: those of its backends plus any zone its clients may come from, each
 * with a dense index (0 .. {@link #size()} - 1, in region then zone order). The proxy looks a
 * client's "region/zone" up once per request with {@link #index(String)} and passes the index as
 * {@code PickContext.locality()}; the zone-aware picker keeps its plans in arrays by that index.
 *
 * <p>Immutable and thread-safe: {@link #index(String)} is one hash lookup and allocates nothing.
 * Worked example: backends in eu/eu-1a, eu/eu-1b and us/us-1a plus clients declared in eu/eu-1c
 * give indexes eu/eu-1a 0, eu/eu-1b 1, eu/eu-1c 2, us/us-1a 3; {@code index("ap/ap-1a")} is -1.
 */
public final class ZoneMap {
  private final List<Locality> localities;
  private final boolean[] hasBackends;
  private final Map<String, Integer> byName;

  private ZoneMap(List<Locality> localities, boolean[] hasBackends) {
    this.localities = localities;
    this.hasBackends = hasBackends;
    Map<String, Integer> m = new HashMap<>();
    for (int i = 0; i < localities.size(); i++) {
      m.put(localities.get(i).toString(), i);
    }
    this.byName = Map.copyOf(m);
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
   * The index of the zone written "region/zone", or -1 when the pool does not know it (or the
   * text is not of that form). Thread-safe, no allocation.
   */
  public int index(String regionSlashZone) {
    if (regionSlashZone == null) {
      return -1;
    }
    Integer i = byName.get(regionSlashZone);
    return i == null ? -1 : i;
  }

  /** The index of the zone, or -1 when the pool does not know it. */
  public int index(Locality locality) {
    return index(locality.toString());
  }

  /** The zone at {@code index}. */
  public Locality locality(int index) {
    return localities.get(index);
  }

  /** True when some backend of the pool is in the zone at {@code index}. */
  public boolean hasBackends(int index) {
    return hasBackends[index];
  }

  /** Every zone, in index order. */
  public List<Locality> localities() {
    return localities;
  }

  public int size() {
    return localities.size();
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("ZoneMap[");
    for (int i = 0; i < localities.size(); i++) {
      sb.append(i == 0 ? "" : ", ").append(i).append('=').append(localities.get(i))
          .append(hasBackends[i] ? "" : " (clients only)");
    }
    return sb.append(']').toString();
  }
}
