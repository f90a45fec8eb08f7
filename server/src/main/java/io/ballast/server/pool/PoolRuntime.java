package io.ballast.server.pool;

import io.ballast.core.AdminState;
import io.ballast.core.Backend;
import io.ballast.core.Rng;
import io.ballast.core.Ticker;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.pool.PoolListener;
import io.ballast.core.retry.RetryPolicy;
import io.ballast.proxy.affinity.AffinitySpec;
import io.ballast.proxy.affinity.PoolAffinity;
import io.ballast.proxy.routing.PoolRef;
import io.ballast.proxy.signals.SignalsSpec;
import io.ballast.server.config.BackendConfig;
import io.ballast.server.config.PoolConfig;
import io.ballast.server.reload.ConfigDiff;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One running pool: its balancer, its retry policy, its session affinity and zones, the parts
 * that run beside it ({@link PoolParts}), and the {@link PoolRef} routes send traffic to. Built
 * from a {@link PoolConfig}, it applies a changed one in place ({@link #apply}): the balancer
 * keeps every backend that stays (matched by name) with all it learnt, and only what changed is
 * rebuilt.
 *
 * <p>Threading: {@link #apply} and {@link #close} are called by one thread at a time (start,
 * the reload thread); {@link #ref()} and {@link #pool()} are volatile reads for anyone; resolver
 * answers change the members through {@link PoolMembers}, which has its own lock.
 */
public final class PoolRuntime {
  private final LoadBalancer pool;
  private final PoolServices services;
  private final PoolZones zones;
  private final PoolParts parts;
  private final PoolMembers members;
  private final PoolShedding shedding;
  private volatile PoolConfig config;
  private volatile PoolRef ref;
  private RetryPolicy retry;
  private PoolAffinity affinity;

  private PoolRuntime(PoolConfig config, LoadBalancer pool, PoolServices services,
      PoolZones zones) {
    this.config = config;
    this.pool = pool;
    this.services = services;
    this.zones = zones;
    this.parts = new PoolParts(pool, services);
    this.shedding = new PoolShedding(pool.name(), services);
    this.members = new PoolMembers(pool, config, services,
        costs -> parts.weightControl().ifPresent(w -> w.useCosts(costs)));
  }

  /**
   * Builds the pool of {@code config} and starts everything it runs.
   *
   * @param listener told of every state change of the balancer (logs, metrics, decisions)
   * @param drain how long a backend that leaves may finish its requests
   */
  public static PoolRuntime start(PoolConfig config, PoolServices services,
      PoolListener listener, PoolZones zones, Duration drain) {
    List<Backend> backends = new ArrayList<>();
    for (BackendConfig b : config.backends()) {
      backends.add(new Backend(b.name(), b.address().host(), b.address().port(), b.weight(),
          zone(b)));
    }
    LoadBalancer lb = new LoadBalancer(config.name(), backends, config.algorithm(),
        config.options(), zones.decorator(config), PoolSetup.health(config),
        services.control(), Rng.THREAD_LOCAL, listener);
    lb.roster().setDrainTimeout(drain);
    for (int i = 0; i < backends.size(); i++) {
      AdminState state = config.backends().get(i).state();
      if (state != AdminState.ACTIVE) {
        lb.setAdminState(backends.get(i), state, "configured");
      }
    }
    PoolRuntime r = new PoolRuntime(config, lb, services, zones);
    r.retry = new RetryPolicy(config.retries(), Ticker.SYSTEM);
    r.affinity = r.startAffinity(config);
    r.shedding.apply(config);
    r.ref = r.buildRef(config);
    r.parts.apply(null, config);
    r.members.apply(config, false, "start");
    r.parts.weightControl().ifPresent(w -> w.useCosts(r.members.costs()));
    return r;
  }

  public LoadBalancer pool() {
    return pool;
  }

  public String name() {
    return pool.name();
  }

  public PoolConfig config() {
    return config;
  }

  /** The pool as routes send traffic to it; replaced when what it carries changes. */
  public PoolRef ref() {
    return ref;
  }

  /** The pool's retry policy (its budget and counters survive compatible reloads). */
  public synchronized RetryPolicy retry() {
    return retry;
  }

  /** The pool's session affinity, or null. */
  public synchronized PoolAffinity affinity() {
    return affinity;
  }

  /** The running parts (the weight controller is read by metrics and decisions). */
  public PoolParts parts() {
    return parts;
  }

  /**
   * Applies a changed configuration of this pool, live: members (kept, added, re-weighted,
   * drained), the algorithm and health policy, retries, affinity, zones and every part whose
   * settings changed. With {@code rewatch} its DNS entries are watched again (the resolver
   * changed). Returns what changed, for the log and the decision ("backends", "algorithm",
   * "circuit breakers", ...); empty when nothing did.
   */
  public synchronized List<String> apply(PoolConfig next, Duration drain, boolean rewatch) {
    Objects.requireNonNull(next, "next");
    PoolConfig was = config;
    List<String> changed = new ArrayList<>();
    pool.roster().setDrainTimeout(drain);
    if (members.apply(next, rewatch, "config reload")) {
      changed.add(ConfigDiff.same(was.backends(), next.backends()) ? "dns entries" : "backends");
      // The roster applies on the control loop: a reload answers once its members are in
      // effect, as the admin API's add and remove do.
      PoolSetup.barrier(services.control());
      applyAdminStates(was, next);
    }
    if (PoolSetup.changed(was, next) || zones.changed(was, next)) {
      changed.add(PoolSetup.describe(was, next));
      pool.reconfigure(next.algorithm(), next.options(), zones.decorator(next),
          PoolSetup.health(next), "config reload");
      PoolSetup.barrier(services.control());
    }
    config = next;
    boolean refChanged = false;
    if (!ConfigDiff.same(was.retries(), next.retries())) {
      changed.add("retries");
      retry = PoolSetup.retryPolicy(retry, next.retries());
      refChanged = true;
    }
    if (!ConfigDiff.same(was.affinity(), next.affinity())) {
      changed.add("affinity");
      PoolAffinity old = affinity;
      affinity = startAffinity(next);
      if (old != null) {
        old.close();
      }
      refChanged = true;
    }
    if (!was.protocol().equals(next.protocol())) {
      // New requests go the new way; connections of the old way drain.
      changed.add("protocol");
      refChanged = true;
    }
    if (!ConfigDiff.same(was.tls(), next.tls())) {
      // New connections speak the new way; pooled ones of the old way are retired.
      changed.add("tls");
      refChanged = true;
    }
    if (shedding.apply(next)) {
      changed.add("shedding");
      refChanged = true;
    }
    refChanged |= !ConfigDiff.same(was.hashKey(), next.hashKey())
        || !ConfigDiff.same(header(was), header(next)) || zones.changed(was, next);
    if (refChanged) {
      ref = buildRef(next);
    }
    changed.addAll(parts.apply(was, next));
    parts.weightControl().ifPresent(w -> w.useCosts(members.costs()));
    return changed;
  }

  /** The pool's concurrency limiter while it sheds load, else null; for metrics. */
  public io.ballast.core.shed.ConcurrencyLimiter limiter() {
    return shedding.limiter();
  }

  /** What the pool's load shedding is doing now, or null when it sheds nothing; admin view. */
  public SheddingState sheddingState() {
    return shedding.state();
  }

  /** The pool's DNS watches, for metrics and the admin view. */
  public List<io.ballast.proxy.discovery.DnsWatch> dnsWatches() {
    return members.watches();
  }

  /** A backend whose configured state changed in the file takes the new one. */
  private void applyAdminStates(PoolConfig was, PoolConfig next) {
    for (BackendConfig b : next.backends()) {
      Optional<BackendConfig> before = was.backend(b.name());
      if (before.isPresent() && before.get().state() != b.state()) {
        Backend member = pool.backend(b.name());
        if (member != null) {
          pool.setAdminState(member, b.state(), "configured");
        }
      }
    }
  }

  private PoolAffinity startAffinity(PoolConfig c) {
    return c.affinity().filter(AffinitySpec::usesMemory)
        .map(a -> PoolAffinity.start(pool, a, services.control(), services.decisions().log()))
        .orElse(null);
  }

  private PoolRef buildRef(PoolConfig c) {
    return new PoolRef(pool, retry, c.hashKey().orElse(null), header(c), zones.zoneMap(c.name()),
        affinity, c.tls().orElse(null), c.protocol(), shedding.shedding());
  }

  private static String header(PoolConfig c) {
    return c.signals().map(SignalsSpec::loadReportHeader).orElse(null);
  }

  private static String zone(BackendConfig b) {
    return b.zone().map(Object::toString).orElse(null);
  }

  /**
   * Stops everything that runs for the pool; its members leave and drain (their connections
   * close once they have).
   */
  public synchronized void close() {
    members.close();
    parts.close();
    shedding.close();
    if (affinity != null) {
      affinity.close();
    }
    pool.roster().set(List.of(), "pool removed");
  }

  @Override
  public String toString() {
    return "pool runtime " + pool;
  }
}
