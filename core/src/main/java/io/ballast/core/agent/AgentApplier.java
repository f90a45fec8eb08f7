package io.ballast.core.agent;

import io.ballast.core.AdminState;
import io.ballast.core.Backend;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.signal.AgentCommand;
import io.ballast.core.signal.AgentReply;
import io.ballast.core.signal.BackendSignals;
import io.ballast.core.signal.SignalSource;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns agent replies into the pool's state, as HAProxy's agent-check does, and records each
 * reply in the backend's {@link BackendSignals}:
 * <ul>
 *   <li>{@code drain} / {@code maint} set the admin state (reason "agent: drain"), and
 *       {@code ready} undoes it: only a state the agent itself set, never the operator's (an
 *       operator's drain stays when the agent says ready; the agent does not drain a backend the
 *       operator put in maintenance);
 *   <li>{@code 0%} drains like {@code drain}, and a later non-zero weight undoes that drain;
 *   <li>{@code down} / {@code fail} / {@code stopped} hold the backend down through the health
 *       path ({@link LoadBalancer#setAgentDown}) until the agent says {@code up} or
 *       {@code ready};
 *   <li>a weight percentage goes to {@link LoadBalancer#setWeightPercents} when
 *       {@code applyWeights} is on (pools without a weight controller; a controller reads
 *       {@link BackendSignals#weightPercent} itself and sets the weights it decides).
 * </ul>
 * When the agent goes stale, a weight it set goes back to 100%: the backend falls back to
 * configured weights and traffic-derived signals. Its drain and its "down" stay until the agent
 * says otherwise, as in HAProxy: an agent that stops answering is not a reason to put back a
 * backend it took out.
 *
 * <p>Membership: what the agent set is kept per backend of the pool as it is now, taken in on a
 * backend's first reply; {@link #forget} drops a backend that has left (when its poller stops).
 *
 * <p>Threading: the calls for one backend must come from one thread at a time (its poller's event
 * loop); calls for different backends may run concurrently. The pool's methods it calls are
 * thread-safe and post to the control loop.
 */
public final class AgentApplier {
  private final LoadBalancer pool;
  private final boolean applyWeights;
  /** Backends compare by identity, so this map does too. */
  private final Map<Backend, Held> held = new ConcurrentHashMap<>();

  /** What the agent set on one backend; touched by that backend's poller only. */
  private static final class Held {
    /** The admin state the agent set, or null when it set none (or the operator took over). */
    AdminState admin;
    /** The agent's drain came from a 0% weight (a non-zero weight undoes it). */
    boolean byZeroWeight;
    boolean down;
    /** The weight percentage last applied, -1 when none was. */
    int percent = -1;
  }

  public AgentApplier(LoadBalancer pool, boolean applyWeights) {
    this.pool = Objects.requireNonNull(pool, "pool");
    this.applyWeights = applyWeights;
  }

  /** Whether weight percentages are applied directly. */
  public boolean appliesWeights() {
    return applyWeights;
  }

  /**
   * A reply arrived at {@code atNanos} (pool ticker): it becomes the backend's latest agent report
   * and its words are applied. Returns true when the source was stale before (it is back: the
   * caller logs that once).
   */
  public boolean accept(Backend backend, AgentReply reply, long atNanos) {
    Held h = held(backend);
    BackendSignals signals = backend.signals();
    boolean wasStale = signals.staleReason(SignalSource.AGENT) != null;
    signals.report(reply.toReport(atNanos));
    health(backend, h, reply);
    admin(backend, h, reply);
    if (applyWeights && reply.weightPercent() > 0 && reply.weightPercent() != h.percent) {
      h.percent = reply.weightPercent();
      pool.setWeightPercents(Map.of(backend,
          Math.min(LoadBalancer.MAX_WEIGHT_PERCENT, reply.weightPercent())));
    }
    return wasStale;
  }

  /**
   * The agent could not be asked or answered garbage: the source is marked stale and a weight it
   * set goes back to 100%. Returns true when this changed the stale state or reason (the caller
   * logs once per change).
   */
  public boolean stale(Backend backend, String reason) {
    Held h = held(backend);
    boolean changed = backend.signals().markStale(SignalSource.AGENT, reason);
    if (applyWeights && h.percent > 0 && h.percent != 100) {
      h.percent = -1;
      pool.setWeightPercents(Map.of(backend, 100));
    }
    return changed;
  }

  private void health(Backend backend, Held h, AgentReply reply) {
    if (reply.health() == AgentCommand.DOWN && !h.down) {
      h.down = true;
      pool.setAgentDown(backend, true, "agent: down");
    } else if (h.down && (reply.health() == AgentCommand.UP
        || reply.admin() == AgentCommand.READY)) {
      h.down = false;
      pool.setAgentDown(backend, false,
          reply.health() == AgentCommand.UP ? "agent: up" : "agent: ready");
    }
  }

  private void admin(Backend backend, Held h, AgentReply reply) {
    AdminState now = pool.adminState(backend);
    if (h.admin != null && now != h.admin) {
      // The operator changed the state since: it is theirs now.
      h.admin = null;
    }
    AdminState wanted;
    String reason;
    boolean byZero = false;
    switch (reply.admin()) {
      case DRAIN -> {
        wanted = AdminState.DRAINING;
        reason = "agent: drain";
      }
      case MAINT -> {
        wanted = AdminState.MAINTENANCE;
        reason = "agent: maint";
      }
      case READY -> {
        wanted = AdminState.ACTIVE;
        reason = "agent: ready";
      }
      default -> {
        if (reply.weightPercent() == 0) {
          wanted = AdminState.DRAINING;
          reason = "agent: 0%";
          byZero = true;
        } else if (reply.weightPercent() > 0 && h.admin != null && h.byZeroWeight) {
          wanted = AdminState.ACTIVE;
          reason = "agent: " + reply.weightPercent() + "%";
        } else {
          return;
        }
      }
    }
    if (wanted == AdminState.ACTIVE) {
      if (h.admin != null) {
        h.admin = null;
        pool.setAdminState(backend, AdminState.ACTIVE, reason);
      }
      return;
    }
    if (now != AdminState.ACTIVE && h.admin == null) {
      return;
    }
    if (now != wanted) {
      pool.setAdminState(backend, wanted, reason);
    }
    if (h.admin != wanted || !byZero) {
      h.byZeroWeight = byZero;
    }
    h.admin = wanted;
  }

  /**
   * Forgets what the agent set on a backend that has left the pool (the wiring calls it when the
   * backend's poller stops). Thread-safe.
   */
  public void forget(Backend backend) {
    held.remove(backend);
  }

  private Held held(Backend backend) {
    Held h = held.get(backend);
    if (h == null) {
      if (!pool.knows(backend)) {
        throw new IllegalArgumentException(
            "backend " + backend.name() + " is not in pool " + pool.name());
      }
      h = held.computeIfAbsent(backend, b -> new Held());
    }
    return h;
  }
}
