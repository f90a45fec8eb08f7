package io.ballast.server.pool;

import io.ballast.core.Backend;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.pool.Member;
import io.ballast.core.pool.PoolListener;
import io.ballast.proxy.routing.PoolRef;
import io.ballast.server.config.BallastConfig;
import io.ballast.server.config.PoolConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every running pool by name, built from the configuration and changed by reloads and the admin
 * API. A reload is applied in two steps so that no request can reach a pool that is gone:
 * {@link #apply} starts new pools and changes the others (routes can then be built on them), and
 * the {@link Update} it returns closes the pools no route names any more once the new routes are
 * in place.
 *
 * <p>Thread-safe: changes are serialised on this object; readers get an immutable snapshot.
 */
public final class Pools implements io.ballast.server.admin.Membership {
  private static final Logger log = LoggerFactory.getLogger(Pools.class);

  private final PoolServices services;
  private final PoolZones zones;
  private final PoolListener listener;
  private volatile Map<String, PoolRuntime> byName = Map.of();

  /**
   * @param listener told of every state change of every pool (logs, metrics, decisions)
   */
  public Pools(PoolServices services, PoolZones zones, PoolListener listener) {
    this.services = Objects.requireNonNull(services, "services");
    this.zones = Objects.requireNonNull(zones, "zones");
    this.listener = Objects.requireNonNull(listener, "listener");
  }

  /** What a reload changed in the pools; {@link #finish()} once the new routes serve. */
  public static final class Update {
    private final List<String> changes;
    private final List<PoolRuntime> removed;

    Update(List<String> changes, List<PoolRuntime> removed) {
      this.changes = List.copyOf(changes);
      this.removed = List.copyOf(removed);
    }

    /** What changed, one entry per pool ("pool api: backends, algorithm ..."). */
    public List<String> changes() {
      return changes;
    }

    /** Closes the pools that were removed: their members drain, their parts stop. */
    public void finish() {
      for (PoolRuntime r : removed) {
        r.close();
      }
    }
  }

  /**
   * Makes the running pools those of {@code config}: new pools start, changed ones apply their
   * new configuration in place, removed ones are closed by {@link Update#finish()}.
   */
  public synchronized Update apply(BallastConfig config) {
    Duration drain = config.timeouts().drain();
    boolean rewatch = services.discovery().use(config.discovery().dns());
    Map<String, PoolRuntime> next = new LinkedHashMap<>();
    List<String> changes = new ArrayList<>();
    for (PoolConfig p : config.pools()) {
      PoolRuntime r = byName.get(p.name());
      if (r == null) {
        next.put(p.name(), PoolRuntime.start(p, services, listener, zones, drain));
        changes.add("pool " + p.name() + " added");
      } else {
        List<String> changed = r.apply(p, drain, rewatch);
        if (!changed.isEmpty()) {
          changes.add("pool " + p.name() + ": " + String.join(", ", changed));
        }
        next.put(p.name(), r);
      }
    }
    List<PoolRuntime> removed = new ArrayList<>();
    for (PoolRuntime r : byName.values()) {
      if (!next.containsKey(r.name())) {
        removed.add(r);
        zones.forget(r.name());
        changes.add("pool " + r.name() + " removed");
      }
    }
    byName = java.util.Collections.unmodifiableMap(next);
    return new Update(changes, removed);
  }

  /**
   * Waits, at most {@code timeout}, until every DNS entry of every pool has had its first answer
   * (members or a failure) and the members it found serve: so that a pool of DNS entries does
   * not open its listeners empty. An entry that does not resolve by then joins when it does.
   */
  public void awaitFirstLookups(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<io.ballast.proxy.discovery.DnsWatch> watches = new ArrayList<>();
    byName.values().forEach(r -> watches.addAll(r.dnsWatches()));
    if (watches.isEmpty()) {
      return;
    }
    while (System.nanoTime() - deadline < 0 && watches.stream().anyMatch(
        w -> w.counters().members() == 0 && w.counters().failures() == 0)) {
      java.util.concurrent.locks.LockSupport.parkNanos(5_000_000L);
    }
    // The answer is handed to the control loop, which posts the membership there: two rounds.
    PoolSetup.barrier(services.control());
    PoolSetup.barrier(services.control());
  }

  /** The running pools by name, in configuration order. */
  public Map<String, PoolRuntime> byName() {
    return byName;
  }

  /** The running pool of that name, or null. */
  public PoolRuntime get(String name) {
    return byName.get(name);
  }

  /** Every running balancer, in configuration order. */
  public List<LoadBalancer> balancers() {
    return byName.values().stream().map(PoolRuntime::pool).toList();
  }

  /** Every pool as routes reach it, by name. */
  public Map<String, PoolRef> refs() {
    Map<String, PoolRef> out = new LinkedHashMap<>();
    byName.forEach((name, r) -> out.put(name, r.ref()));
    return out;
  }

  /**
   * Adds a backend to a running pool (the admin API): it joins as any new member does (first
   * health check, slow start) and stays until the next reload or restart, which make the pool
   * what the file says again.
   *
   * @throws IllegalArgumentException naming what is wrong: no such pool, a backend of that name
   *     already in the pool
   */
  @Override
  public synchronized Backend add(String pool, Member member, String reason) {
    LoadBalancer lb = require(pool).pool();
    if (lb.backend(member.name()) != null) {
      throw new IllegalArgumentException("backend '" + member.name() + "' is already in pool "
          + pool + " (expected: a new name; remove it first to move it)");
    }
    lb.roster().add(member, reason);
    PoolSetup.barrier(services.control());
    return lb.backend(member.name());
  }

  /**
   * Removes a backend from a running pool (the admin API): it takes no new request and drains.
   * Removing the last backend is allowed: the pool then answers 503 until one is added.
   *
   * @throws IllegalArgumentException naming what is wrong: no such pool or backend
   */
  @Override
  public synchronized void remove(String pool, String name, String reason) {
    LoadBalancer lb = require(pool).pool();
    if (lb.backend(name) == null) {
      throw new IllegalArgumentException("backend '" + name + "' is not in pool " + pool
          + " (expected: one of " + lb.backends().stream().map(Backend::name).toList() + ")");
    }
    lb.roster().remove(name, reason);
    PoolSetup.barrier(services.control());
  }

  private PoolRuntime require(String pool) {
    PoolRuntime r = byName.get(pool);
    if (r == null) {
      throw new IllegalArgumentException("pool '" + pool + "' (expected: one of "
          + byName.keySet() + ")");
    }
    return r;
  }

  /** Stops everything every pool runs (at shutdown; members are not drained again). */
  public synchronized void close() {
    for (PoolRuntime r : byName.values()) {
      try {
        r.parts().close();
        if (r.affinity() != null) {
          r.affinity().close();
        }
      } catch (RuntimeException e) {
        log.warn("while stopping pool {}: {}", r.name(), e.toString());
      }
    }
  }

  /** What each pool that sheds load is doing now, in configuration order; for the admin view. */
  public List<SheddingState> sheddingStates() {
    List<SheddingState> out = new java.util.ArrayList<>();
    for (PoolRuntime r : byName.values()) {
      SheddingState s = r.sheddingState();
      if (s != null) {
        out.add(s);
      }
    }
    return out;
  }
}
