package io.ballast.server;

import io.ballast.core.Backend;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.Picker;
import io.ballast.core.Ticker;
import io.ballast.core.decision.Decision;
import io.ballast.core.pick.PickerFactory;
import io.ballast.core.zone.Locality;
import io.ballast.core.zone.ZoneAwarePicker;
import io.ballast.core.zone.ZoneAwarePickerFactory;
import io.ballast.core.zone.ZoneMap;
import io.ballast.core.zone.ZoneSettings;
import io.ballast.core.zone.ZoneShare;
import io.ballast.server.config.BackendConfig;
import io.ballast.server.config.BallastConfig;
import io.ballast.server.config.PoolConfig;
import io.ballast.server.optimizer.DecisionRecorder;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Zone-aware balancing as wired: for each pool whose backends have zones, the {@link ZoneMap}
 * (the backends' zones plus every zone the locality table names, so that clients in a zone
 * without backends still get a plan) and the decoration of the pool's algorithm with
 * {@link ZoneAwarePickerFactory}. Every plan change goes to the state log and to the decision log
 * (kind {@code zone}); the admin listener ({@code /admin/zones}) and the metrics read the current
 * plans from the pools' pickers.
 *
 * <p>Threading: built before the pools; {@link #decorator} is called while a pool is built and
 * its plan lines arrive on the control loop (the first build, in the pool's constructor, on the
 * building thread). {@link #pools()}, {@link #zoneMap} and the views are thread-safe reads once
 * {@link #attach} has run.
 */
public final class Zones {
  private static final Logger STATE_LOG = LoggerFactory.getLogger("io.ballast.state");

  /**
   * One zone-aware pool.
   *
   * @param name the pool's name
   * @param zones its zones and its clients' zones, by index
   * @param memberZones each backend's zone index, in pool order
   * @param settings minimum healthy share, region priority, latency matrix
   */
  public record Pool(String name, ZoneMap zones, int[] memberZones, ZoneSettings settings) {}

  /**
   * The state of one zone of a pool, read now.
   *
   * @param zone the zone
   * @param up backends of the zone that take new requests
   * @param total backends of the zone
   */
  public record ZoneState(Locality zone, int up, int total) {}

  private final DecisionRecorder decisions;
  private final Ticker ticker;
  private final Map<String, Pool> byName;
  private volatile Map<String, LoadBalancer> balancers = Map.of();

  /**
   * @param config the configuration: zone-aware pools and the locality table
   * @param decisions where plan changes are recorded
   * @param ticker the clock of the decisions (the control loop's)
   */
  public Zones(BallastConfig config, DecisionRecorder decisions, Ticker ticker) {
    this.decisions = Objects.requireNonNull(decisions, "decisions");
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    List<Locality> clientZones = config.locality().tableZones();
    Map<String, Pool> m = new LinkedHashMap<>();
    for (PoolConfig p : config.pools()) {
      if (p.zones().isEmpty()) {
        continue;
      }
      List<Locality> members = members(p);
      ZoneMap zones = ZoneMap.of(members, clientZones);
      int[] index = members.stream().mapToInt(zones::index).toArray();
      m.put(p.name(), new Pool(p.name(), zones, index, p.zones().get()));
    }
    this.byName = Collections.unmodifiableMap(m);
  }

  private static List<Locality> members(PoolConfig p) {
    return p.backends().stream().map(BackendConfig::zone).map(z -> z.orElseThrow()).toList();
  }

  /**
   * What wraps the pool's algorithm: zone-aware balancing for a pool whose backends have zones,
   * nothing for the others.
   */
  public UnaryOperator<PickerFactory> decorator(PoolConfig p) {
    Pool pool = byName.get(p.name());
    if (pool == null) {
      return UnaryOperator.identity();
    }
    List<Locality> members = members(p);
    return inner -> new ZoneAwarePickerFactory(inner, members, pool.zones(), pool.settings(),
        line -> planChanged(pool.name(), line));
  }

  private void planChanged(String pool, String line) {
    // Back to all local, or clients of a zone without backends: normal. Anything else spills.
    if (line.contains("100% stay") || line.contains("(no backends there)")) {
      STATE_LOG.info("pool {}: zones: {}", pool, line);
    } else {
      STATE_LOG.warn("pool {}: zones: {}", pool, line);
    }
    decisions.record(new Decision(ticker.nanos(), pool, null, Decision.Kind.ZONE, null, null,
        line));
  }

  /** The running pools, for the views; called once they are built. */
  void attach(Map<String, LoadBalancer> pools) {
    Map<String, LoadBalancer> m = new LinkedHashMap<>();
    byName.keySet().forEach(name -> m.put(name, pools.get(name)));
    balancers = Collections.unmodifiableMap(m);
    for (Pool p : byName.values()) {
      List<String> names = new ArrayList<>();
      for (Locality l : p.zones().localities()) {
        names.add(l + (p.zones().hasBackends(p.zones().index(l)) ? "" : " (clients only)"));
      }
      STATE_LOG.info("pool {}: zone-aware over {}, keep local while >= {}% of a zone's weight is"
          + " up{}", p.name(), String.join(", ", names), p.settings().minHealthyPercent(),
          p.settings().regionPriority().isEmpty() ? ""
              : ", region priority " + String.join(" > ", p.settings().regionPriority()));
    }
  }

  /** The zone-aware pools, in configuration order. */
  public List<Pool> pools() {
    return List.copyOf(byName.values());
  }

  /** The pool's zones, or null when the pool is not zone-aware. */
  public ZoneMap zoneMap(String pool) {
    Pool p = byName.get(pool);
    return p == null ? null : p.zones();
  }

  /** Each zone of the pool that has backends, with how many are up now. */
  public List<ZoneState> states(Pool p) {
    LoadBalancer lb = balancers.get(p.name());
    int[] up = new int[p.zones().size()];
    int[] total = new int[up.length];
    List<Backend> backends = lb.backends();
    for (int i = 0; i < backends.size(); i++) {
      total[p.memberZones()[i]]++;
      up[p.memberZones()[i]] += lb.available(backends.get(i)) ? 1 : 0;
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
    Picker picker = balancers.get(p.name()).picker();
    return picker instanceof ZoneAwarePicker z && z.zones() == p.zones()
        ? z.plan(clientZone) : List.of();
  }

  /**
   * {@code lb_zone_plan_share{pool,client_zone,target_zone}}: the share of a client zone's new
   * requests that go to each zone with backends, read from the current plans at each scrape; and
   * {@code lb_zone_backends_available{pool,zone}}.
   */
  void registerMetrics(PrometheusRegistry registry) {
    if (byName.isEmpty()) {
      return;
    }
    GaugeWithCallback.builder()
        .name("lb_zone_plan_share")
        .help("Share of a client zone's new requests that the zone-aware plan sends to a zone")
        .labelNames("pool", "client_zone", "target_zone")
        .callback(cb -> {
          for (Pool p : byName.values()) {
            ZoneMap zones = p.zones();
            for (int c = 0; c < zones.size(); c++) {
              double[] share = new double[zones.size()];
              for (ZoneShare s : plan(p, c)) {
                share[zones.index(s.zone())] = s.share();
              }
              for (int t = 0; t < zones.size(); t++) {
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
          for (Pool p : byName.values()) {
            for (ZoneState s : states(p)) {
              cb.call(s.up(), p.name(), s.zone().toString());
            }
          }
        })
        .register(registry);
  }
}
