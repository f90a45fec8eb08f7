package io.ballast.core.outlier;

import io.ballast.core.Backend;
import io.ballast.core.Scheduler;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.pool.PoolListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Outlier detection (passive health) for one pool, after Envoy's: it ejects backends whose
 * answers show they are failing, and returns them after an ejection time that grows with each
 * repeat ejection.
 *
 * <p>Rules (each can be switched off in {@link OutlierSettings}; what each finds:
 * {@link OutlierRules}):
 * <ul>
 *   <li>consecutive 5xx, gateway failures and (split mode) local-origin failures: decided as soon
 *       as a backend's {@link OutlierTracker} reports the run that reaches the threshold;</li>
 *   <li>success rate and failure percentage: decided every {@code interval} on the counts the
 *       trackers gathered during it; the worst backends are considered first.</li>
 * </ul>
 * An ejection lasts {@code base × multiplier}, capped at {@code maxEjectionTime}; the multiplier
 * rises by one per ejection (while the time is below the cap) and falls by one per interval once
 * the backend has stayed in for as long as its last ejection lasted ({@link EjectionBackoff}).
 * At most
 * {@link OutlierSettings#maxEjected(int)} backends are ejected at once (of the pool's size now),
 * and never the last backend that would otherwise serve.
 *
 * <p>Membership: {@link #add} and {@link #remove} follow the pool's members, or
 * {@link #followMembers} does it from the pool's listener. A backend that leaves takes its state
 * with it: an ejected one frees its place under the cap, and its return timer is dropped without
 * a {@link Listener#onReturn} (the pool no longer serves it anyway).
 *
 * <p>Threading: {@link #tracker}, {@link #isEjected}, {@link #status}, {@link #ejectedCount()},
 * {@link #maxEjected()}, {@link #start()} and {@link #close()} are thread-safe; the backends are
 * held in a copy-on-write map, so a reader sees a consistent set. {@link #add} and
 * {@link #remove} run on the control loop (or before {@link #start()}). Every decision runs on
 * the {@link Scheduler}'s control loop, and so does every {@link Listener} call. The
 * {@code inService} predicate is called on the control loop.
 */
public final class OutlierDetector implements AutoCloseable {
  /** Receives every ejection decision, on the control loop. */
  public interface Listener {
    Listener NONE = new Listener() {};

    /** The backend is out for {@code duration}; {@code reason} carries the numbers. */
    default void onEject(Backend backend, EjectionKind kind, String reason, Duration duration) {}

    /** The backend's ejection time is over: it takes traffic again. */
    default void onReturn(Backend backend) {}

    /**
     * A rule found the backend an outlier, but the ejection cap (or the last-backend guard) kept
     * it in. Counted so that a degraded pool is visible.
     */
    default void onEjectionSkipped(Backend backend, EjectionKind kind, String reason) {}
  }

  /** Every slot in the order its backend came; replaced whole (copy on write). */
  private volatile List<Slot> slots = List.of();
  /** The same slots by backend; replaced with {@link #slots}. */
  private volatile Map<Backend, Slot> byBackend = Map.of();
  private final OutlierSettings settings;
  private final Scheduler scheduler;
  private final Predicate<Backend> inService;
  private final Listener listener;
  private volatile int maxEjected;
  // Control loop only.
  private int ejected;
  private boolean running;
  private Scheduler.Cancellable intervalTimer;
  /** Numbers slots in the order they came, for stable ties. */
  private int nextIndex;
  private LoadBalancer followed;
  private PoolListener following;
  private volatile int ejectedCount;

  /** A detector whose pool has no other reason to take a backend out of service. */
  public OutlierDetector(
      List<Backend> backends, OutlierSettings settings, Scheduler scheduler, Listener listener) {
    this(backends, settings, scheduler, b -> true, listener);
  }

  /**
   * @param inService whether a backend would take traffic apart from outlier detection (health
   *     and admin state); the detector never ejects a backend when no other backend that is in
   *     service and not ejected would remain
   */
  public OutlierDetector(
      List<Backend> backends,
      OutlierSettings settings,
      Scheduler scheduler,
      Predicate<Backend> inService,
      Listener listener) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    this.inService = Objects.requireNonNull(inService, "inService");
    this.listener = Objects.requireNonNull(listener, "listener");
    for (Backend b : backends) {
      if (byBackend.containsKey(b)) {
        throw new IllegalArgumentException("backends: " + b.name() + " listed twice");
      }
      add(b);
    }
  }

  /**
   * Adds a backend that joined the pool and returns its tracker, made at once so that the wiring
   * can install it ({@link Backend#useOutcomeListener}) before the backend can be picked. A
   * backend already held keeps its tracker. Control loop only (or before {@link #start()}).
   */
  public OutlierTracker add(Backend backend) {
    Slot existing = byBackend.get(backend);
    if (existing != null) {
      return existing.tracker;
    }
    Slot s = new Slot(backend, nextIndex++, settings);
    List<Slot> list = new ArrayList<>(slots);
    list.add(s);
    Map<Backend, Slot> map = new IdentityHashMap<>(byBackend);
    map.put(backend, s);
    publish(list, map);
    return s.tracker;
  }

  /**
   * Forgets a backend that left the pool: its counts, its ejection (freeing its place under the
   * cap; no {@link Listener#onReturn}) and its timer. Its tracker may still be called by requests
   * in flight; nothing comes of it. Unknown backends are ignored. Control loop only (or before
   * {@link #start()}).
   */
  public void remove(Backend backend) {
    Slot s = byBackend.get(backend);
    if (s == null) {
      return;
    }
    s.removed = true;
    if (s.returnTimer != null) {
      s.returnTimer.cancel();
      s.returnTimer = null;
    }
    if (s.ejected) {
      s.ejected = false;
      ejected--;
      ejectedCount = ejected;
    }
    List<Slot> list = new ArrayList<>(slots);
    list.remove(s);
    Map<Backend, Slot> map = new IdentityHashMap<>(byBackend);
    map.remove(backend);
    publish(list, map);
  }

  private void publish(List<Slot> list, Map<Backend, Slot> map) {
    // The map first: a reader that finds a backend among the slots finds its slot.
    byBackend = map;
    slots = List.copyOf(list);
    maxEjected = settings.maxEjected(list.size());
  }

  /**
   * Follows the pool's members from now on: a backend that joins gets a tracker installed as its
   * outcome listener before it can be picked, one that leaves is {@link #remove removed}.
   * {@link #close()} stops following. Call once, after the trackers of the pool's current
   * backends are installed.
   */
  public synchronized void followMembers(LoadBalancer pool) {
    if (followed != null) {
      throw new IllegalStateException("already following pool " + followed.name());
    }
    followed = Objects.requireNonNull(pool, "pool");
    following = new PoolListener() {
      @Override
      public void onMembersChanged(LoadBalancer p, List<Backend> added, List<Backend> removed,
          List<Backend> updated, String reason) {
        removed.forEach(OutlierDetector.this::remove);
        for (Backend b : added) {
          b.useOutcomeListener(add(b));
        }
      }
    };
    pool.addListener(following);
  }

  public OutlierSettings settings() {
    return settings;
  }

  /** The tracker the data plane reports this backend's outcomes to. Thread-safe. */
  public OutlierTracker tracker(Backend backend) {
    return slot(backend).tracker;
  }

  /** True while the backend is ejected. Thread-safe (one volatile read). */
  public boolean isEjected(Backend backend) {
    return slot(backend).status.ejected();
  }

  /** The backend's outlier state as last published. Thread-safe. */
  public OutlierStatus status(Backend backend) {
    return slot(backend).status;
  }

  /** Backends ejected now. Thread-safe. */
  public int ejectedCount() {
    return ejectedCount;
  }

  /**
   * The most backends this pool may have ejected at once ({@link OutlierSettings#maxEjected}
   * of the backends it holds now). Thread-safe.
   */
  public int maxEjected() {
    return maxEjected;
  }

  /**
   * Starts deciding: the interval timer runs and consecutive runs eject. Before {@code start()}
   * and after {@link #close()} the trackers count but nothing is ejected. Thread-safe; idempotent.
   */
  public void start() {
    scheduler.execute(() -> {
      if (!running) {
        running = true;
        intervalTimer = scheduler.schedule(settings.interval(), this::onInterval);
      }
    });
  }

  /**
   * Stops the interval timer and the pending returns; ejected backends stay as they are and no
   * further listener call is made. Thread-safe.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (followed != null) {
        followed.removeListener(following);
      }
    }
    scheduler.execute(() -> {
      running = false;
      if (intervalTimer != null) {
        intervalTimer.cancel();
      }
      for (Slot s : slots) {
        if (s.returnTimer != null) {
          s.returnTimer.cancel();
          s.returnTimer = null;
        }
      }
    });
  }

  private Slot slot(Backend backend) {
    Slot s = byBackend.get(backend);
    if (s == null) {
      throw new IllegalArgumentException("backend " + backend.name() + " is not in this pool");
    }
    return s;
  }

  /** Data plane: a run reached its threshold. Only posts, so the event loop never waits. */
  private void crossed(Slot s, EjectionKind kind) {
    scheduler.execute(() -> onConsecutive(s, kind));
  }

  private void onConsecutive(Slot s, EjectionKind kind) {
    // A new run must reach the threshold again, whether or not this one ejects.
    s.tracker.resetConsecutive(kind);
    if (s.ejected || !running || s.removed) {
      return;
    }
    tryEject(s, kind, OutlierRules.consecutive(settings, kind));
  }

  private void onInterval() {
    if (!running) {
      return;
    }
    long now = scheduler.ticker().nanos();
    List<Slot> current = slots;
    List<OutlierRules.Member> members = new ArrayList<>(current.size());
    for (Slot s : current) {
      s.counts = IntervalCounts.harvested(s.tracker.harvestExternal(),
          s.tracker.harvestLocalOrigin());
      s.multiplier = EjectionBackoff.atInterval(settings, s.multiplier, s.ejected, s.returnedAt,
          now);
      members.add(new OutlierRules.Member(s.index, s.ejected, s.counts));
    }
    for (OutlierRules.Candidate c : OutlierRules.interval(settings, members)) {
      tryEject(current.get(c.position()), c.kind(), c.reason());
    }
    for (Slot s : slots) {
      publish(s);
    }
    intervalTimer = scheduler.schedule(settings.interval(), this::onInterval);
  }

  private void tryEject(Slot s, EjectionKind kind, String reason) {
    if (s.ejected) {
      return;
    }
    if (ejected >= maxEjected) {
      listener.onEjectionSkipped(s.backend, kind, reason + "; kept in: " + ejected + " of "
          + slots.size() + " backends already ejected (max " + maxEjected + ")");
      return;
    }
    if (!anotherInService(s)) {
      listener.onEjectionSkipped(s.backend, kind,
          reason + "; kept in: no other backend of the pool is in service");
      return;
    }
    s.multiplier = EjectionBackoff.onEjection(settings, s.multiplier);
    Duration duration = settings.ejectionTime(s.multiplier);
    s.ejected = true;
    s.ejections++;
    s.lastReason = reason;
    ejected++;
    ejectedCount = ejected;
    s.tracker.resetAll();
    s.returnTimer = scheduler.schedule(duration, () -> onReturn(s));
    publish(s);
    listener.onEject(s.backend, kind, reason, duration);
  }

  private boolean anotherInService(Slot s) {
    for (Slot o : slots) {
      if (o != s && !o.ejected && inService.test(o.backend)) {
        return true;
      }
    }
    return false;
  }

  private void onReturn(Slot s) {
    s.returnTimer = null;
    if (!s.ejected || s.removed) {
      return;
    }
    s.ejected = false;
    s.returnedAt = scheduler.ticker().nanos();
    ejected--;
    ejectedCount = ejected;
    // Answers to requests sent before the ejection must not count against the fresh start.
    s.tracker.resetAll();
    publish(s);
    listener.onReturn(s.backend);
  }

  private void publish(Slot s) {
    IntervalCounts c = s.counts;
    s.status = new OutlierStatus(s.ejected, s.ejections, s.multiplier, s.lastReason,
        c.extSuccesses() + c.extFailures() + c.locSuccesses() + c.locFailures(),
        c.extFailures() + c.locFailures());
  }

  @Override
  public String toString() {
    return "outlier detector (" + slots.size() + " backends, " + ejectedCount + " ejected, max "
        + maxEjected + ")";
  }

  /** Per-backend state: control loop only, except the tracker and the published status. */
  private final class Slot {
    final Backend backend;
    final int index;
    final OutlierTracker tracker;
    volatile OutlierStatus status = OutlierStatus.INITIAL;
    /** Its backend left the pool; control loop only. */
    boolean removed;
    boolean ejected;
    int ejections;
    int multiplier;
    long returnedAt;
    String lastReason = "";
    Scheduler.Cancellable returnTimer;
    /** The last closed interval's outcomes. */
    IntervalCounts counts = IntervalCounts.ZERO;

    Slot(Backend backend, int index, OutlierSettings settings) {
      this.backend = backend;
      this.index = index;
      this.tracker = new OutlierTracker(backend, settings, (t, kind) -> crossed(this, kind));
    }
  }
}
