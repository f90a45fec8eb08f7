package io.ballast.server.pool;

import io.ballast.core.Ticker;
import io.ballast.core.decision.Decision;
import io.ballast.core.pick.PickerFactory;
import io.ballast.core.zone.Locality;
import io.ballast.core.zone.ZoneAwarePickerFactory;
import io.ballast.core.zone.ZoneMap;
import io.ballast.core.zone.ZoneSettings;
import io.ballast.server.config.BackendConfig;
import io.ballast.server.config.PoolConfig;
import io.ballast.server.optimizer.DecisionRecorder;
import io.ballast.server.reload.ConfigDiff;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Zone-aware balancing as wired, for every pool: the {@link ZoneMap} of each zone-aware pool
 * (its backends' zones plus every zone the client locality table names, so that clients in a zone
 * without backends still get a plan) and the decoration of the pool's algorithm with
 * {@link ZoneAwarePickerFactory}. Every plan change goes to the state log and the decision log
 * (kind {@code zone}).
 *
 * <p>A pool's map only grows while the process runs: the proxy turns a client's zone into an
 * index once per request while pickers are rebuilt, so an index handed out must stay valid.
 * New backend zones are appended by the factory, new client zones by {@link #useClientZones}; a
 * pool that stops being zone-aware forgets its map, and starts a fresh one if it becomes
 * zone-aware again.
 *
 * <p>Thread-safe.
 */
public final class PoolZones {
  private static final Logger STATE_LOG = LoggerFactory.getLogger("io.ballast.state");

  /** One zone-aware pool's map and settings. */
  public record Zoned(String pool, ZoneMap map, ZoneSettings settings) {}

  private final DecisionRecorder decisions;
  private final Ticker ticker;
  private final Map<String, Zoned> byPool = new ConcurrentHashMap<>();
  private volatile List<Locality> clientZones;

  public PoolZones(List<Locality> clientZones, DecisionRecorder decisions, Ticker ticker) {
    this.clientZones = List.copyOf(clientZones);
    this.decisions = Objects.requireNonNull(decisions, "decisions");
    this.ticker = Objects.requireNonNull(ticker, "ticker");
  }

  /**
   * What wraps the pool's algorithm: zone-aware balancing for a pool whose backends have zones
   * (its map made now if it has none yet, its settings those of {@code p}), nothing for others.
   */
  UnaryOperator<PickerFactory> decorator(PoolConfig p) {
    if (p.zones().isEmpty()) {
      byPool.remove(p.name());
      return UnaryOperator.identity();
    }
    ZoneSettings settings = p.zones().get();
    Zoned z = byPool.compute(p.name(), (name, was) -> new Zoned(name,
        was != null ? was.map() : ZoneMap.of(backendZones(p), clientZones), settings));
    String pool = p.name();
    return inner -> new ZoneAwarePickerFactory(inner, z.map(), settings,
        line -> planChanged(pool, line));
  }

  /** True when the pool's zone settings (or whether it is zone-aware) changed. */
  boolean changed(PoolConfig was, PoolConfig next) {
    return !ConfigDiff.same(was.zones(), next.zones());
  }

  /** The pool's zones, or null when it is not zone-aware. */
  ZoneMap zoneMap(String pool) {
    Zoned z = byPool.get(pool);
    return z == null ? null : z.map();
  }

  /** The zone-aware pools now. */
  public List<Zoned> pools() {
    return List.copyOf(byPool.values());
  }

  /** The pool's zone state, if it is zone-aware. */
  public Optional<Zoned> pool(String name) {
    return Optional.ofNullable(byPool.get(name));
  }

  /** The client locality table changed: every pool learns its zones (appended, none forgotten). */
  public void useClientZones(List<Locality> zones) {
    clientZones = List.copyOf(zones);
    for (Zoned z : byPool.values()) {
      zones.forEach(z.map()::addClientZone);
    }
  }

  /** A pool is gone: its map with it. */
  void forget(String pool) {
    byPool.remove(pool);
  }

  private static List<Locality> backendZones(PoolConfig p) {
    List<Locality> out = new ArrayList<>();
    for (BackendConfig b : p.backends()) {
      b.zone().ifPresent(out::add);
    }
    return out;
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
}
