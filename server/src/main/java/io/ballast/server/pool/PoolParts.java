package io.ballast.server.pool;

import io.ballast.core.pool.LoadBalancer;
import io.ballast.server.config.PoolConfig;
import io.ballast.server.reload.ConfigDiff;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The parts one pool runs beside its balancer, each started from its own settings: the wiring
 * loops over {@link #KINDS} once, at start and at every reload, and a part restarts only when its
 * settings changed. A new kind of part is one class and one line here.
 *
 * <p>Threading: {@link #apply} and {@link #close} are called by the pool's runtime, one at a
 * time; the readers are safe from any thread.
 */
public final class PoolParts {
  /** Every kind of part, in the order they start (health checks first: they admit backends). */
  static final List<PoolPart<?, ?>> KINDS = List.of(HealthChecksPart.INSTANCE,
      OutlierDetectionPart.INSTANCE, CircuitBreakersPart.INSTANCE, SignalsPart.INSTANCE,
      WeightControlPart.INSTANCE);

  private final LoadBalancer pool;
  private final PoolServices services;
  /** The running parts by kind, with the settings each was started from. */
  private final Map<PoolPart<?, ?>, Started> running = new LinkedHashMap<>();

  private record Started(Object settings, PoolPart.Running handle) {}

  PoolParts(LoadBalancer pool, PoolServices services) {
    this.pool = pool;
    this.services = services;
  }

  /**
   * Starts, stops or restarts each part as {@code next} says ({@code was} null: nothing runs
   * yet). Returns the names of the parts that changed.
   */
  synchronized List<String> apply(PoolConfig was, PoolConfig next) {
    List<String> changed = new ArrayList<>();
    for (PoolPart<?, ?> kind : KINDS) {
      if (reconcile(kind, next)) {
        changed.add(kind.name());
      }
    }
    return was == null ? List.of() : changed;
  }

  private <S, R extends PoolPart.Running> boolean reconcile(PoolPart<S, R> kind, PoolConfig next) {
    Optional<S> settings = kind.settings(next);
    Started current = running.get(kind);
    if (current == null && settings.isEmpty()) {
      return false;
    }
    if (current != null && settings.isPresent() && ConfigDiff.same(current.settings(),
        settings.get())) {
      return false;
    }
    if (current != null) {
      running.remove(kind);
      current.handle().close();
    }
    settings.ifPresent(s -> running.put(kind,
        new Started(s, kind.start(pool, next, s, services))));
    return true;
  }

  /** The running weight controller, if the pool has one. */
  synchronized Optional<WeightControlPart.Started> weightControl() {
    Started s = running.get(WeightControlPart.INSTANCE);
    return s == null ? Optional.empty()
        : Optional.of((WeightControlPart.Started) s.handle());
  }

  /** The running weight controller's optimizer, if the pool has one. */
  public Optional<io.ballast.core.optimizer.PoolOptimizer> optimizer() {
    return weightControl().map(WeightControlPart.Started::optimizer);
  }

  /** The names of the parts running now. */
  public synchronized List<String> names() {
    return running.keySet().stream().map(PoolPart::name).toList();
  }

  /** Stops every part, the last started first. */
  public synchronized void close() {
    List<Started> all = new ArrayList<>(running.values());
    running.clear();
    for (int i = all.size() - 1; i >= 0; i--) {
      all.get(i).handle().close();
    }
  }
}
