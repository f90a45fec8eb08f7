package io.ballast.server;

import io.ballast.core.Backend;
import io.ballast.core.Picker;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.zone.Locality;
import io.ballast.core.zone.ZoneAwarePicker;
import io.ballast.core.zone.ZoneMap;
import io.ballast.core.zone.ZoneSettings;
import io.ballast.core.zone.ZoneShare;
import io.ballast.server.pool.PoolZones;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * What the admin listener and the metrics show of zone-aware balancing: for each zone-aware pool
 * (as {@link PoolZones} keeps them) its zones with the backends up in each, and the current plan
 * of each client zone, read from the pool's published picker.
 *
 * <p>Thread-safe: every view is read afresh from the running pools.
 */
public final class Zones {
  /**
   * One zone-aware pool.
   *
   * @param name the pool's name
   * @param zones its zones and its clients' zones, by index
   * @param settings minimum healthy share, region priority, latency matrix
   * @param pool the running balancer
   */
  public record Pool(String name, ZoneMap zones, ZoneSettings settings, LoadBalancer pool) {}

  /**
   * The state of one zone of a pool, read now.
   *
   * @param zone the zone
   * @param up backends of the zone that take new requests
   * @param total backends of the zone
   */
  public record ZoneState(Locality zone, int up, int total) {}

  private final PoolZones zones;
  private final Function<String, LoadBalancer> pools;

  /**
   * @param zones the zone-aware pools' maps
   * @param pools the running balancer of a pool by name (null when it is gone)
   */
  public Zones(PoolZones zones, Function<String, LoadBalancer> pools) {
    this.zones = Objects.requireNonNull(zones, "zones");
    this.pools = Objects.requireNonNull(pools, "pools");
  }

  /** The zone-aware pools now, in name order. */
  public List<Pool> pools() {
    List<Pool> out = new ArrayList<>();
    for (PoolZones.Zoned z : zones.pools()) {
      LoadBalancer lb = pools.apply(z.pool());
      if (lb != null) {
        out.add(new Pool(z.pool(), z.map(), z.settings(), lb));
      }
    }
    out.sort(java.util.Comparator.comparing(Pool::name));
    return out;
  }

  /** Each zone of the pool that has backends, with how many are up now. */
  public List<ZoneState> states(Pool p) {
    int[] up = new int[p.zones().size()];
    int[] total = new int[up.length];
    for (Backend b : p.pool().backends()) {
      int z = p.zones().index(b.zone());
      if (z >= 0 && z < up.length) {
        total[z]++;
        up[z] += p.pool().available(b) ? 1 : 0;
      }
    }
    List<ZoneState> out = new ArrayList<>();
    for (int z = 0; z < up.length; z++) {
      if (total[z] > 0) {
        out.add(new ZoneState(p.zones().locality(z), up[z], total[z]));
      }
    }
    return out;
  }

  /**
   * Where the new requests of clients in the zone at {@code clientZone} go now; empty when no
   * backend of the pool is available (the pool answers 503).
   */
  public List<ZoneShare> plan(Pool p, int clientZone) {
    Picker picker = p.pool().picker();
    return picker instanceof ZoneAwarePicker z && z.zones() == p.zones()
        ? z.plan(clientZone) : List.of();
  }

  /** One line per zone-aware pool, for the start log. */
  public static String describe(Pool p) {
    List<String> names = new ArrayList<>();
    for (Locality l : p.zones().localities()) {
      names.add(l + (p.zones().hasBackends(p.zones().index(l)) ? "" : " (clients only)"));
    }
    return "pool " + p.name() + ": zone-aware over " + String.join(", ", names)
        + ", keep local while >= " + p.settings().minHealthyPercent() + "% of a zone's weight is"
        + " up" + (p.settings().regionPriority().isEmpty() ? ""
            : ", region priority " + String.join(" > ", p.settings().regionPriority()));
  }

  /**
   * {@code lb_zone_plan_share{pool,client_zone,target_zone}}: the share of a client zone's new
   * requests that go to each zone with backends, read from the current plans at each scrape; and
   * {@code lb_zone_backends_available{pool,zone}}.
   */
  public void registerMetrics(PrometheusRegistry registry) {
    GaugeWithCallback.builder()
        .name("lb_zone_plan_share")
        .help("Share of a client zone's new requests that the zone-aware plan sends to a zone")
        .labelNames("pool", "client_zone", "target_zone")
        .callback(cb -> {
          for (Pool p : pools()) {
            ZoneMap zones = p.zones();
            int n = zones.size();
            for (int c = 0; c < n; c++) {
              double[] share = new double[n];
              for (ZoneShare s : plan(p, c)) {
                int t = zones.index(s.zone());
                if (t >= 0 && t < n) {
                  share[t] = s.share();
                }
              }
              for (int t = 0; t < n; t++) {
                if (zones.hasBackends(t)) {
                  cb.call(share[t], p.name(), zones.locality(c).toString(),
                      zones.locality(t).toString());
                }
              }
            }
          }
        })
        .register(registry);
    GaugeWithCallback.builder()
        .name("lb_zone_backends_available")
        .help("Backends of a zone that take new requests")
        .labelNames("pool", "zone")
        .callback(cb -> {
          for (Pool p : pools()) {
            for (ZoneState s : states(p)) {
              cb.call(s.up(), p.name(), s.zone().toString());
            }
          }
        })
        .register(registry);
  }
}
