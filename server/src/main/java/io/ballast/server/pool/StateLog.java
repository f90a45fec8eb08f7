package io.ballast.server.pool;

import io.ballast.core.AdminState;
import io.ballast.core.Backend;
import io.ballast.core.HealthState;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.pool.PoolListener;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs each state change of a pool once, with its reason, on {@code io.ballast.state}, then
 * hands it to the next listeners in order (metrics, the decision log, the connection pools).
 *
 * <p>Called on the control loop; stateless apart from its listeners.
 */
public final class StateLog implements PoolListener {
  private static final Logger LOG = LoggerFactory.getLogger("io.ballast.state");
  private final List<PoolListener> next;

  public StateLog(List<PoolListener> next) {
    this.next = List.copyOf(next);
  }

  @Override
  public void onHealthChange(LoadBalancer pool, Backend backend, HealthState from,
      HealthState to, String reason) {
    if (to.serving()) {
      LOG.info("pool {} backend {} ({}): {} -> {}: {}", pool.name(), backend.name(),
          backend.address(), from, to, reason);
    } else {
      LOG.warn("pool {} backend {} ({}): {} -> {}: {}", pool.name(), backend.name(),
          backend.address(), from, to, reason);
    }
    next.forEach(l -> l.onHealthChange(pool, backend, from, to, reason));
  }

  @Override
  public void onEjection(LoadBalancer pool, Backend backend, boolean ejected, String reason) {
    if (ejected) {
      LOG.warn("pool {} backend {} ({}): ejected: {}", pool.name(), backend.name(),
          backend.address(), reason);
    } else {
      LOG.info("pool {} backend {} ({}): back from ejection: {}", pool.name(), backend.name(),
          backend.address(), reason);
    }
    next.forEach(l -> l.onEjection(pool, backend, ejected, reason));
  }

  @Override
  public void onPanic(LoadBalancer pool, boolean panic, String reason) {
    if (panic) {
      LOG.warn("pool {}: panic mode: {}", pool.name(), reason);
    } else {
      LOG.info("pool {}: panic mode over: {}", pool.name(), reason);
    }
    next.forEach(l -> l.onPanic(pool, panic, reason));
  }

  @Override
  public void onWarmupStart(LoadBalancer pool, Backend backend) {
    LOG.info("pool {} backend {} ({}): warms up by feedback from {}%", pool.name(),
        backend.name(), backend.address(), pool.weightPercent(backend));
    next.forEach(l -> l.onWarmupStart(pool, backend));
  }

  @Override
  public void onAdminChange(LoadBalancer pool, Backend backend, AdminState from, AdminState to,
      String reason) {
    LOG.info("pool {} backend {} ({}): admin {} -> {}: {}", pool.name(), backend.name(),
        backend.address(), from, to, reason);
    next.forEach(l -> l.onAdminChange(pool, backend, from, to, reason));
  }

  @Override
  public void onMembersChanged(LoadBalancer pool, List<Backend> added, List<Backend> removed,
      List<Backend> updated, String reason) {
    for (Backend b : added) {
      LOG.info("pool {} backend {} ({}): joins, weight {}{}: {}", pool.name(), b.name(),
          b.address(), b.weight(), b.zone() == null ? "" : ", zone " + b.zone(), reason);
    }
    for (Backend b : removed) {
      LOG.info("pool {} backend {} ({}): leaves, drains {} request(s) in flight: {}",
          pool.name(), b.name(), b.address(), b.load().inFlight(), reason);
    }
    for (Backend b : updated) {
      LOG.info("pool {} backend {} ({}): now weight {}{}: {}", pool.name(), b.name(),
          b.address(), b.weight(), b.zone() == null ? "" : ", zone " + b.zone(), reason);
    }
    next.forEach(l -> l.onMembersChanged(pool, added, removed, updated, reason));
  }

  @Override
  public void onMemberGone(LoadBalancer pool, Backend backend) {
    int left = backend.load().inFlight();
    if (left > 0) {
      LOG.warn("pool {} backend {} ({}): gone after the drain timeout with {} request(s) still"
          + " in flight", pool.name(), backend.name(), backend.address(), left);
    } else {
      LOG.info("pool {} backend {} ({}): drained, gone", pool.name(), backend.name(),
          backend.address());
    }
    next.forEach(l -> l.onMemberGone(pool, backend));
  }

  @Override
  public void onReconfigured(LoadBalancer pool, String reason) {
    LOG.info("pool {}: now {}: {}", pool.name(), pool.algorithm(), reason);
    next.forEach(l -> l.onReconfigured(pool, reason));
  }
}
