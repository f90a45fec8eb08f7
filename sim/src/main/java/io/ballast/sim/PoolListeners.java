package io.ballast.sim;

import io.ballast.core.AdminState;
import io.ballast.core.Backend;
import io.ballast.core.HealthState;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.pool.PoolListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The simulated pool's listener on its {@link LoadBalancer}: counts the balancer's decisions
 * (health changes, ejections) in the {@link Recorder} and passes every state change on to the
 * listeners the variant's features added, in the order they were added.
 *
 * <p>Single-threaded: listeners are added before the run, and the balancer calls it on the
 * pool's virtual control loop, on the simulation thread.
 */
final class PoolListeners implements PoolListener {
  private final Recorder recorder;
  private final List<PoolListener> listeners = new ArrayList<>();

  PoolListeners(Recorder recorder) {
    this.recorder = recorder;
  }

  void add(PoolListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  @Override
  public void onHealthChange(LoadBalancer pool, Backend backend, HealthState from,
      HealthState to, String reason) {
    recorder.healthChange();
    for (PoolListener l : listeners) {
      l.onHealthChange(pool, backend, from, to, reason);
    }
  }

  @Override
  public void onAdminChange(LoadBalancer pool, Backend backend, AdminState from, AdminState to,
      String reason) {
    for (PoolListener l : listeners) {
      l.onAdminChange(pool, backend, from, to, reason);
    }
  }

  @Override
  public void onEjection(LoadBalancer pool, Backend backend, boolean ejected, String reason) {
    if (ejected) {
      recorder.ejection();
    }
    for (PoolListener l : listeners) {
      l.onEjection(pool, backend, ejected, reason);
    }
  }

  @Override
  public void onPanic(LoadBalancer pool, boolean panic, String reason) {
    for (PoolListener l : listeners) {
      l.onPanic(pool, panic, reason);
    }
  }

  @Override
  public void onWarmupStart(LoadBalancer pool, Backend backend) {
    for (PoolListener l : listeners) {
      l.onWarmupStart(pool, backend);
    }
  }
}
