package io.ballast.core.zone;

import io.ballast.core.Backend;
import io.ballast.core.PickContext;
import io.ballast.core.PickResult;
import io.ballast.core.Picker;
import io.ballast.core.PoolLoad;
import io.ballast.core.pick.PoolSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** A pool whose backends carry localities, and contexts that carry a client zone. */
final class ZoneFixtures {
  final List<Backend> backends = new ArrayList<>();
  final List<Locality> localities = new ArrayList<>();
  private final PoolLoad load = new PoolLoad();

  /** Adds backends named zone+"-"+i ("eu-1a-0") in "region/zone", one per weight. */
  ZoneFixtures zone(String regionSlashZone, int... weights) {
    Locality l = Locality.parse(regionSlashZone);
    for (int i = 0; i < weights.length; i++) {
      backends.add(new Backend(l.zone() + "-" + i, "127.0.0.1", 9000 + backends.size(), weights[i]));
      localities.add(l);
    }
    return this;
  }

  /** Adds {@code n} weight-1 backends in the zone. */
  ZoneFixtures zone(String regionSlashZone, int n) {
    int[] w = new int[n];
    java.util.Arrays.fill(w, 1);
    return zone(regionSlashZone, w);
  }

  Backend backend(String name) {
    return backends.stream().filter(b -> b.name().equals(name)).findFirst().orElseThrow();
  }

  ZoneMap map(String... clientZones) {
    List<Locality> clients = new ArrayList<>();
    for (String c : clientZones) {
      clients.add(Locality.parse(c));
    }
    return ZoneMap.of(localities, clients);
  }

  /** Every backend available but the ones named. */
  PoolSnapshot snapshot(String... down) {
    Set<String> out = Set.of(down);
    boolean[] available = new boolean[backends.size()];
    for (int i = 0; i < available.length; i++) {
      available[i] = !out.contains(backends.get(i).name());
    }
    return new PoolSnapshot(backends, backends.stream().mapToInt(Backend::weight).toArray(),
        available, load);
  }

  /** A first attempt from a client in the zone at {@code locality}, excluding the given names. */
  static PickContext client(int locality, Backend... excluded) {
    Set<Backend> set = Set.of(excluded);
    return new PickContext() {
      @Override
      public int locality() {
        return locality;
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

  static String name(PickResult r) {
    return r instanceof PickResult.Picked p ? p.backend().name() : r.toString();
  }

  static String pick(Picker p, PickContext ctx) {
    return name(p.pick(ctx));
  }
}
