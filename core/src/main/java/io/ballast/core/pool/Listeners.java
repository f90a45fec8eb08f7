package io.ballast.core.pool;

import io.ballast.core.AdminState;
import io.ballast.core.Backend;
import io.ballast.core.HealthState;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A pool's listeners as one: each call goes to every listener, in the order they were added (the
 * one given at construction first).
 *
 * <p>{@link #add} and {@link #remove} are thread-safe (copy on write); the calls themselves come
 * from the control loop, where an added listener hears every event posted after it was added.
 */
final class Listeners implements PoolListener {
  private final List<PoolListener> all = new CopyOnWriteArrayList<>();

  void add(PoolListener listener) {
    all.add(Objects.requireNonNull(listener, "listener"));
  }

  void remove(PoolListener listener) {
    all.remove(listener);
  }

  @Override
  public void onHealthChange(LoadBalancer pool, Backend backend, HealthState from, HealthState to,
      String reason) {
    all.forEach(l -> l.onHealthChange(pool, backend, from, to, reason));
  }

  @Override
  public void onAdminChange(LoadBalancer pool, Backend backend, AdminState from, AdminState to,
      String reason) {
    all.forEach(l -> l.onAdminChange(pool, backend, from, to, reason));
  }

  @Override
  public void onEjection(LoadBalancer pool, Backend backend, boolean ejected, String reason) {
    all.forEach(l -> l.onEjection(pool, backend, ejected, reason));
  }

  @Override
  public void onPanic(LoadBalancer pool, boolean panic, String reason) {
    all.forEach(l -> l.onPanic(pool, panic, reason));
  }

  @Override
  public void onWarmupStart(LoadBalancer pool, Backend backend) {
    all.forEach(l -> l.onWarmupStart(pool, backend));
  }

  @Override
  public void onMembersChanged(LoadBalancer pool, List<Backend> added, List<Backend> removed,
      List<Backend> updated, String reason) {
    all.forEach(l -> l.onMembersChanged(pool, added, removed, updated, reason));
  }

  @Override
  public void onMemberGone(LoadBalancer pool, Backend backend) {
    all.forEach(l -> l.onMemberGone(pool, backend));
  }

  @Override
  public void onReconfigured(LoadBalancer pool, String reason) {
    all.forEach(l -> l.onReconfigured(pool, reason));
  }
}
