package io.ballast.core.pool;

import io.ballast.core.AdminState;
import io.ballast.core.Backend;
import io.ballast.core.HealthState;
import io.ballast.core.PoolLoad;
import io.ballast.core.Scheduler;
import io.ballast.core.health.BackendHealth;
import java.util.List;
import java.util.Map;

/**
 * What a pool does on its control loop when something happens to it: a membership update, a new
 * setup, a check result, an ejection, a circuit, an agent, the operator, new weight percentages.
 * Each handler changes the backend's {@link BackendStatus}, tells the pool's listeners, starts the
 * warm-up of a backend that comes back, and has the picker rebuilt when what it is built from
 * changed. {@link LoadBalancer} checks the arguments and posts here; the handlers never throw for
 * a backend the pool has forgotten meanwhile (the post is dropped before it runs).
 *
 * <p>Control loop only: every method runs on the pool's {@link Scheduler}, one at a time.
 */
final class PoolControl {
  private final LoadBalancer pool;
  private final Membership membership;
  private final PickerPublisher publisher;
  private final Warmup warmup;
  private final PoolListener listener;
  private final Scheduler scheduler;
  private final PoolLoad load;

  PoolControl(LoadBalancer pool, Membership membership, PickerPublisher publisher, Warmup warmup,
      PoolListener listener, Scheduler scheduler, PoolLoad load) {
    this.pool = pool;
    this.membership = membership;
    this.publisher = publisher;
    this.warmup = warmup;
    this.listener = listener;
    this.scheduler = scheduler;
    this.load = load;
  }

  /**
   * The membership update, then the listeners (who install what a backend that joins needs
   * before a picker can hold it), the warm-up of those that serve at once, the drain watch and
   * the new picker.
   */
  void members(List<Member> wanted, String reason) {
    PoolSetup st = publisher.setup();
    MemberChanges c = membership.apply(wanted, st.health(), st.algorithm().needsPoolLoad());
    if (c.isEmpty()) {
      return;
    }
    listener.onMembersChanged(pool, c.added(), c.removed(), c.updated(), reason);
    for (Backend b : c.added()) {
      BackendStatus s = membership.status(b);
      if (s.inService()) {
        returned(b, s);
      }
    }
    if (!c.removed().isEmpty()) {
      membership.watchDrains();
    }
    publisher.rebuild(true);
  }

  /** See {@link LoadBalancer#reconfigure}: every backend keeps its state under the new setup. */
  void setup(PoolSetup next, String reason) {
    PoolSetup before = publisher.setup();
    publisher.setSetup(next);
    if (next.algorithm().needsPoolLoad()) {
      for (Backend b : membership.members().list()) {
        b.load().attach(load);
      }
    }
    HealthSettings health = next.health();
    boolean newPolicy = !health.policy().equals(before.health().policy());
    boolean checksOff = before.health().activeChecks() && !health.activeChecks();
    listener.onReconfigured(pool, reason);
    publisher.batch(() -> {
      for (Map.Entry<Backend, BackendStatus> e : membership.statuses().entrySet()) {
        Backend b = e.getKey();
        BackendStatus s = e.getValue();
        boolean awaiting = s.checks.awaitingFirstCheck();
        if (newPolicy) {
          s.useChecks(awaiting && health.activeChecks()
              ? BackendHealth.awaitingFirstCheck(health.policy())
              : BackendHealth.startingFrom(health.policy(), s.health));
          transition(b, s, s.checks.state(), "health checks changed: " + reason);
        }
        if (checksOff && awaiting) {
          transition(b, s, s.checks.readmit(), "active checks off: " + reason);
        } else if (checksOff && !s.health.serving()) {
          scheduler.schedule(health.passiveDownTime(), () -> readmit(b, s));
        }
      }
    });
  }

  void ejected(Backend backend, BackendStatus s, boolean ejected, String reason) {
    if (s.ejected == ejected) {
      return;
    }
    s.ejected = ejected;
    listener.onEjection(pool, backend, ejected, reason);
    if (!ejected) {
      returned(backend, s);
    }
    publisher.rebuild();
  }

  void circuitOpen(Backend backend, BackendStatus s, boolean open) {
    if (s.circuitOpen == open) {
      return;
    }
    s.circuitOpen = open;
    if (!open) {
      returned(backend, s);
    }
    publisher.rebuild();
  }

  void agentDown(Backend backend, BackendStatus s, boolean down, String reason) {
    if (s.agentDown == down) {
      return;
    }
    s.agentDown = down;
    transition(backend, s, s.checks.state(), reason);
  }

  void connectFailed(Backend backend, BackendStatus s, String reason) {
    if (!s.health.serving()) {
      return;
    }
    transition(backend, s, s.checks.forceDown(), "connection failed: " + reason);
    HealthSettings health = publisher.setup().health();
    if (!health.activeChecks()) {
      scheduler.schedule(health.passiveDownTime(), () -> readmit(backend, s));
    }
  }

  void checked(Backend backend, BackendStatus s, int level, boolean passed, String detail) {
    if (level >= s.checks.policy().levels().size()) {
      return; // a result of a level that a new policy no longer has
    }
    HealthState verdict = s.onCheck(level, passed, detail, scheduler.ticker().nanos());
    transition(backend, s, verdict, s.checks.reason(level, passed, detail));
  }

  void admin(Backend backend, BackendStatus s, AdminState state, String reason) {
    AdminState from = s.admin;
    if (from == state) {
      return;
    }
    s.admin = state;
    listener.onAdminChange(pool, backend, from, state, reason);
    if (state == AdminState.ACTIVE) {
      returned(backend, s);
    }
    publisher.rebuild();
  }

  /** New weight percentages; a backend forgotten meanwhile is skipped. One rebuild at most. */
  void weightPercents(Map<Backend, Integer> percents) {
    boolean changed = false;
    for (Map.Entry<Backend, Integer> e : percents.entrySet()) {
      BackendStatus s = membership.statuses().get(e.getKey());
      if (s != null) {
        changed |= s.weightPercent != e.getValue();
        s.weightPercent = e.getValue();
      }
    }
    if (changed) {
      publisher.rebuild();
    }
  }

  /** The backend came back: it ramps up, by the slow-start timer or by feedback. */
  private void returned(Backend backend, BackendStatus s) {
    if (!s.removing && warmup.start(s)) {
      listener.onWarmupStart(pool, backend);
    }
  }

  private void readmit(Backend backend, BackendStatus s) {
    HealthSettings health = publisher.setup().health();
    if (!membership.holds(backend, s) || health.activeChecks() || s.health.serving()) {
      return;
    }
    // Without active checks, only traffic can tell: let the backend try again.
    HealthState next = s.checks.readmit();
    transition(backend, s, next,
        "re-admitted after " + health.passiveDownTime().toMillis() + " ms without active checks");
  }

  private void transition(Backend backend, BackendStatus s, HealthState verdict, String reason) {
    HealthState from = s.health;
    int percentBefore = s.passingPercent;
    HealthState next = s.settle(verdict);
    if (from == next) {
      if (next == HealthState.DEGRADED && percentBefore != s.passingPercent) {
        // Still degraded, at another share: its effective weight follows.
        publisher.rebuild();
      }
      return;
    }
    listener.onHealthChange(pool, backend, from, next, reason);
    if (!from.serving() && next.serving()) {
      returned(backend, s);
    }
    if (from.serving() != next.serving() || from == HealthState.DEGRADED
        || next == HealthState.DEGRADED) {
      publisher.rebuild();
    }
  }
}
