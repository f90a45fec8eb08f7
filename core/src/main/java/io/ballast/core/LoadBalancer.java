package io.ballast.core;

import io.ballast.core.health.HealthTracker;
import io.ballast.core.pick.Algorithm;
import io.ballast.core.pick.AlgorithmOptions;
import io.ballast.core.pick.PickerFactory;
import io.ballast.core.pick.PoolSnapshot;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The control side of one pool: it holds each backend's health and admin state, turns events into
 * a new immutable {@link Picker} and publishes it for the data plane.
 *
 * <p>Threading: {@link #picker()} and the {@code status} readers are thread-safe (volatile reads).
 * The {@code report*} and {@code set*} methods are thread-safe too: they post to the control loop
 * ({@link Scheduler}), where every state change and every rebuild happens, one at a time. A picker
 * is republished only when the set of available backends or their weights change.
 */
public final class LoadBalancer {
  /** Receives every state change, on the control loop. */
  public interface Listener {
    Listener NONE = new Listener() {};

    default void onHealthChange(
        LoadBalancer pool, Backend backend, HealthState from, HealthState to, String reason) {}

    default void onAdminChange(
        LoadBalancer pool, Backend backend, AdminState from, AdminState to, String reason) {}
  }

  /** How health is judged; see {@link HealthTracker}. */
  public record HealthSettings(int rise, int fall, boolean activeChecks, Duration passiveDownTime) {
    public HealthSettings {
      if (rise < 1) {
        throw new IllegalArgumentException("rise: " + rise + " (expected: >= 1)");
      }
      if (fall < 1) {
        throw new IllegalArgumentException("fall: " + fall + " (expected: >= 1)");
      }
      Objects.requireNonNull(passiveDownTime, "passiveDownTime");
      if (passiveDownTime.isNegative() || passiveDownTime.isZero()) {
        throw new IllegalArgumentException(
            "passiveDownTime: " + passiveDownTime + " (expected: > 0)");
      }
    }

    /** No active checks: a refused backend is retried after 10 s. */
    public static final HealthSettings PASSIVE_ONLY =
        new HealthSettings(2, 3, false, Duration.ofSeconds(10));
  }

  private static final Picker NONE_AVAILABLE = ctx -> PickResult.NoBackend.NONE_AVAILABLE;
  private static final Picker EMPTY = ctx -> PickResult.NoBackend.EMPTY_POOL;

  private final String name;
  private final List<Backend> backends;
  private final Map<Backend, Status> statuses = new IdentityHashMap<>();
  private final Algorithm algorithm;
  private final PickerFactory factory;
  private final HealthSettings health;
  private final Scheduler scheduler;
  private final Rng rng;
  private final Listener listener;
  private volatile Picker picker;
  private final PoolLoad load = new PoolLoad();
  private boolean[] published = new boolean[0];

  /** A pool balancing with the algorithm's default tunables. */
  public LoadBalancer(
      String name,
      List<Backend> backends,
      Algorithm algorithm,
      HealthSettings health,
      Scheduler scheduler,
      Rng rng,
      Listener listener) {
    this(name, backends, algorithm, AlgorithmOptions.DEFAULTS, health, scheduler, rng, listener);
  }

  public LoadBalancer(
      String name,
      List<Backend> backends,
      Algorithm algorithm,
      AlgorithmOptions options,
      HealthSettings health,
      Scheduler scheduler,
      Rng rng,
      Listener listener) {
    this.name = Objects.requireNonNull(name, "name");
    this.backends = List.copyOf(backends);
    this.algorithm = Objects.requireNonNull(algorithm, "algorithm");
    this.factory = algorithm.factory(Objects.requireNonNull(options, "options"));
    this.health = Objects.requireNonNull(health, "health");
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    this.rng = Objects.requireNonNull(rng, "rng");
    this.listener = Objects.requireNonNull(listener, "listener");
    for (Backend b : this.backends) {
      if (algorithm.needsPoolLoad()) {
        b.load().attach(load);
      }
      if (statuses.put(b, new Status(new HealthTracker(health.rise(), health.fall()))) != null) {
        throw new IllegalArgumentException("backends: " + b.name() + " listed twice");
      }
    }
    this.picker = this.backends.isEmpty() ? EMPTY : NONE_AVAILABLE;
    rebuild();
  }

  public String name() {
    return name;
  }

  public Algorithm algorithm() {
    return algorithm;
  }

  public List<Backend> backends() {
    return backends;
  }

  /**
   * Requests in flight over the whole pool; counted only for algorithms that need it
   * ({@link Algorithm#needsPoolLoad()}), because one counter shared by every event loop costs
   * on every request. Thread-safe.
   */
  public PoolLoad load() {
    return load;
  }

  public HealthSettings healthSettings() {
    return health;
  }

  /** The current picker. Thread-safe: one volatile read. */
  public Picker picker() {
    return picker;
  }

  /** The backend's health state as last decided. Thread-safe. */
  public HealthState health(Backend backend) {
    return status(backend).health;
  }

  /** The backend's admin state. Thread-safe. */
  public AdminState adminState(Backend backend) {
    return status(backend).admin;
  }

  /** True when the backend takes new requests now. Thread-safe. */
  public boolean available(Backend backend) {
    Status s = status(backend);
    return s.health.serving() && s.admin == AdminState.ACTIVE;
  }

  /** The data plane could not connect to the backend. Thread-safe. */
  public void reportConnectFailure(Backend backend, String reason) {
    Status s = status(backend);
    scheduler.execute(() -> {
      if (!s.tracker.state().serving()) {
        return;
      }
      transition(backend, s, s.tracker.forceDown(), "connection failed: " + reason);
      if (!health.activeChecks()) {
        scheduler.schedule(health.passiveDownTime(), () -> readmit(backend, s));
      }
    });
  }

  /** An active health check finished. Thread-safe. */
  public void reportCheck(Backend backend, boolean passed, String detail) {
    Status s = status(backend);
    scheduler.execute(() -> {
      HealthState next = passed ? s.tracker.onSuccess() : s.tracker.onFailure();
      transition(backend, s, next, (passed ? "check passed: " : "check failed: ") + detail
          + " (" + s.tracker + ")");
    });
  }

  /** Drain or maintenance from the operator. Thread-safe. */
  public void setAdminState(Backend backend, AdminState state, String reason) {
    Status s = status(backend);
    scheduler.execute(() -> {
      AdminState from = s.admin;
      if (from == state) {
        return;
      }
      s.admin = state;
      listener.onAdminChange(this, backend, from, state, reason);
      rebuild();
    });
  }

  private void readmit(Backend backend, Status s) {
    if (s.tracker.state().serving()) {
      return;
    }
    // Without active checks, only traffic can tell: let the backend try again.
    HealthState next = s.tracker.state();
    for (int i = 0; i < health.rise() && !next.serving(); i++) {
      next = s.tracker.onSuccess();
    }
    transition(backend, s, next,
        "re-admitted after " + health.passiveDownTime().toMillis() + " ms without active checks");
  }

  private void transition(Backend backend, Status s, HealthState next, String reason) {
    HealthState from = s.health;
    if (from == next) {
      return;
    }
    s.health = next;
    listener.onHealthChange(this, backend, from, next, reason);
    if (from.serving() != next.serving()) {
      rebuild();
    }
  }

  private Status status(Backend backend) {
    Status s = statuses.get(backend);
    if (s == null) {
      throw new IllegalArgumentException("backend " + backend.name() + " is not in pool " + name);
    }
    return s;
  }

  private void rebuild() {
    if (backends.isEmpty()) {
      return;
    }
    boolean[] available = new boolean[backends.size()];
    boolean any = false;
    for (int i = 0; i < available.length; i++) {
      available[i] = available(backends.get(i));
      any |= available[i];
    }
    if (java.util.Arrays.equals(available, published)) {
      return;
    }
    published = available;
    if (!any) {
      picker = NONE_AVAILABLE;
      return;
    }
    int[] weights = new int[available.length];
    for (int i = 0; i < weights.length; i++) {
      weights[i] = backends.get(i).weight();
    }
    picker = factory.build(new PoolSnapshot(backends, weights, available, load), picker, rng);
  }

  @Override
  public String toString() {
    return "pool " + name + " (" + algorithm + ", " + backends.size() + " backends): " + picker;
  }

  /** Per-backend state: written on the control loop only, read anywhere. */
  private static final class Status {
    final HealthTracker tracker;
    volatile HealthState health = HealthState.HEALTHY;
    volatile AdminState admin = AdminState.ACTIVE;

    Status(HealthTracker tracker) {
      this.tracker = tracker;
    }
  }
}
