package io.ballast.core.pool;

import io.ballast.core.Backend;
import io.ballast.core.PoolLoad;
import io.ballast.core.Scheduler;
import io.ballast.core.health.BackendHealth;
import io.ballast.core.health.HealthPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A pool's members and the {@link BackendStatus} of each, with those of backends still draining
 * out: it applies membership updates (matched by name, see {@link MemberChanges}) and watches the
 * drains, forgetting a removed backend once it has no request in flight or its drain timeout has
 * passed.
 *
 * <p>Threading: the readers are thread-safe, one volatile read each; the members and the statuses
 * are copied on write (replaced whole on the control loop, never changed once published), so a
 * reader needs no lock. {@link #apply} and the drain watch run on the control loop only;
 * {@link #setDrainTimeout} is thread-safe.
 */
final class Membership {
  /** How often the control loop looks at the requests in flight of draining backends. */
  static final long DRAIN_CHECK_MILLIS = 100;

  private final String pool;
  private final Scheduler scheduler;
  private final PoolLoad load;
  /** Hears each backend the pool forgets, on the control loop. */
  private final Consumer<Backend> gone;
  private volatile Members members;
  /** Every member's status and those of backends still draining out. */
  private volatile Map<Backend, BackendStatus> statuses;
  private volatile Duration drainTimeout = Roster.DEFAULT_DRAIN_TIMEOUT;
  /** A look at the draining backends is scheduled; control loop only. */
  private boolean drainWatching;

  /**
   * The first members serve at once, with no first check to wait for: a pool that starts has
   * nothing to protect yet.
   *
   * @param countPoolLoad the algorithm reads the pool's requests in flight: members count in
   *     {@code load}
   */
  Membership(String pool, List<Backend> first, HealthPolicy policy, boolean countPoolLoad,
      PoolLoad load, Scheduler scheduler, Consumer<Backend> gone) {
    this.pool = pool;
    this.scheduler = scheduler;
    this.load = load;
    this.gone = gone;
    this.members = Members.of(first);
    Map<Backend, BackendStatus> map = new IdentityHashMap<>();
    for (Backend b : members.list()) {
      if (countPoolLoad) {
        b.load().attach(load);
      }
      map.put(b, new BackendStatus(new BackendHealth(policy)));
    }
    this.statuses = map;
  }

  /** The current members. Thread-safe. */
  Members members() {
    return members;
  }

  /** Every member's status and those of backends still draining; immutable. Thread-safe. */
  Map<Backend, BackendStatus> statuses() {
    return statuses;
  }

  /**
   * The backend's status. Thread-safe.
   *
   * @throws IllegalArgumentException when the pool does not know the backend (a stranger, or one
   *     that has drained out)
   */
  BackendStatus status(Backend backend) {
    BackendStatus s = statuses.get(backend);
    if (s == null) {
      throw new IllegalArgumentException("backend " + backend.name() + " is not in pool " + pool);
    }
    return s;
  }

  /** True while {@code s} is the backend's status: the pool has not forgotten it since. */
  boolean holds(Backend backend, BackendStatus s) {
    return statuses.get(backend) == s;
  }

  /** True while the pool answers for the backend: a member, or one still draining. */
  boolean knows(Backend backend) {
    return statuses.containsKey(backend);
  }

  /** Each current member as a {@link Member}, by name in pool order, to change and apply. */
  Map<String, Member> described() {
    Map<String, Member> out = new LinkedHashMap<>();
    for (Backend b : members.list()) {
      out.put(b.name(), Member.of(b));
    }
    return out;
  }

  /**
   * Control loop: makes the members {@code wanted}. A backend that joins is set up completely (a
   * new one waits for its first check when active checks run; one coming back before it drained
   * keeps what it learnt) and its status is published before the members that list it; a backend
   * that leaves is marked removing, to be watched by {@link #watchDrains}.
   *
   * @return what changed; nothing changed when it {@link MemberChanges#isEmpty is empty}
   */
  MemberChanges apply(List<Member> wanted, HealthSettings health,
      boolean countPoolLoad) {
    Map<Backend, BackendStatus> before = statuses;
    List<Backend> draining = new ArrayList<>();
    before.forEach((b, s) -> {
      if (s.removing) {
        draining.add(b);
      }
    });
    MemberChanges c = MemberChanges.between(members.list(), draining, wanted);
    if (c.isEmpty()) {
      return c;
    }
    HealthPolicy policy = health.policy();
    Map<Backend, BackendStatus> next = new IdentityHashMap<>(before);
    for (Backend b : c.updated()) {
      update(b, c.described().get(b));
    }
    for (Backend b : c.added()) {
      Member m = c.described().get(b);
      BackendStatus s = next.get(b);
      if (s != null) {
        // Back before it drained: what it learnt stays; the features that dropped it (outlier
        // detection, its breaker) take it back as new, so their verdicts on it start over.
        s.removing = false;
        s.ejected = false;
        s.circuitOpen = false;
        update(b, m);
      } else {
        s = new BackendStatus(health.activeChecks()
            ? BackendHealth.awaitingFirstCheck(policy) : new BackendHealth(policy));
        s.admin = m.state();
        b.load().useTicker(scheduler.ticker());
        next.put(b, s);
      }
      if (countPoolLoad) {
        b.load().attach(load);
      }
    }
    long now = scheduler.ticker().nanos();
    for (Backend b : c.removed()) {
      BackendStatus s = next.get(b);
      s.removing = true;
      s.drainStartNanos = now;
    }
    // Statuses first: whoever finds a backend among the members finds its status.
    statuses = next;
    members = Members.of(c.members());
    return c;
  }

  private static void update(Backend b, Member m) {
    b.setWeight(m.weight());
    b.setZone(m.zone());
  }

  /** Thread-safe; applies to backends draining now too. */
  void setDrainTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("drainTimeout: " + timeout + " (expected: >= 0)");
    }
    drainTimeout = timeout;
  }

  Duration drainTimeout() {
    return drainTimeout;
  }

  /**
   * Control loop: looks at the draining backends one period from now, unless a look is scheduled
   * already. Not at once: an event loop that read the previous picker just before the swap may
   * pick a removed backend and start its request a moment later; a period is far longer than that
   * moment.
   */
  void watchDrains() {
    if (!drainWatching) {
      drainWatching = true;
      scheduler.schedule(Duration.ofMillis(DRAIN_CHECK_MILLIS), this::checkDrains);
    }
  }

  private void checkDrains() {
    drainWatching = false;
    long now = scheduler.ticker().nanos();
    long timeout = drainTimeout.toNanos();
    List<Backend> done = new ArrayList<>();
    boolean more = false;
    for (Map.Entry<Backend, BackendStatus> e : statuses.entrySet()) {
      BackendStatus s = e.getValue();
      if (!s.removing) {
        continue;
      }
      if (e.getKey().load().inFlight() <= 0 || now - s.drainStartNanos >= timeout) {
        done.add(e.getKey());
      } else {
        more = true;
      }
    }
    if (!done.isEmpty()) {
      Map<Backend, BackendStatus> next = new IdentityHashMap<>(statuses);
      done.forEach(next::remove);
      statuses = next;
      done.forEach(gone);
    }
    if (more) {
      watchDrains();
    }
  }
}
