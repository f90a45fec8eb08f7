package io.ballast.core.circuit;

import io.ballast.core.Backend;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.Scheduler;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One pool's circuit breakers, one per backend, tied to the pool's picker: an open circuit takes
 * its backend out of the picker (so no first attempt lands on it), a half-open one puts it back
 * (its breaker then lets only the trial calls through; the rest are refused at once and tried on
 * another backend), a closed one keeps it in.
 *
 * <p>Why a timer: a backend out of the picker receives no call, so no call would ever find that
 * its open time is over. The control loop ticks the breaker when {@code waitInOpen} has passed
 * (and again every {@value #RECHECK_MILLIS} ms while it stays open, for a tick that came a
 * hair early).
 *
 * <p>Thread-safe: breakers are called by event loops; transitions arrive on whichever thread made
 * them and are applied on the control loop, reading the breaker's state at that moment so that
 * transitions reported out of order cannot leave the picker wrong.
 */
public final class PoolCircuitBreakers {
  static final long RECHECK_MILLIS = 100;

  /** Told of every transition of every breaker of the pool, on the thread that made it. */
  @FunctionalInterface
  public interface Listener {
    Listener NONE = (backend, transition) -> {};

    void onTransition(Backend backend, CircuitTransition transition);
  }

  private final LoadBalancer pool;
  private final Scheduler scheduler;
  private final Map<Backend, CircuitBreaker> breakers = new IdentityHashMap<>();

  /**
   * Builds a breaker per backend of {@code pool} and installs it in each backend's load
   * ({@link Backend#useGate}), where the proxy finds it.
   */
  public PoolCircuitBreakers(LoadBalancer pool, CircuitBreakerSettings settings,
      Scheduler scheduler, Listener listener) {
    this.pool = Objects.requireNonNull(pool, "pool");
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(listener, "listener");
    for (Backend b : pool.backends()) {
      CircuitBreaker[] self = new CircuitBreaker[1];
      CircuitBreaker breaker = new CircuitBreaker(settings, scheduler.ticker(), t -> {
        listener.onTransition(b, t);
        scheduler.execute(() -> sync(b, self[0]));
      });
      self[0] = breaker;
      breakers.put(b, breaker);
      b.useGate(breaker);
    }
  }

  /** The backend's breaker. */
  public CircuitBreaker breaker(Backend backend) {
    CircuitBreaker b = breakers.get(backend);
    if (b == null) {
      throw new IllegalArgumentException(
          "backend " + backend.name() + " is not in pool " + pool.name());
    }
    return b;
  }

  /** The pool's backends, in pool order. */
  public List<Backend> backends() {
    return pool.backends();
  }

  /** Control loop: makes the picker agree with the breaker, and arms the open-time timer. */
  private void sync(Backend backend, CircuitBreaker breaker) {
    boolean open = breaker.state() == CircuitState.OPEN;
    pool.setCircuitOpen(backend, open);
    if (open) {
      scheduler.schedule(breaker.settings().waitInOpen().plusMillis(1), () -> tick(breaker));
    }
  }

  private void tick(CircuitBreaker breaker) {
    breaker.tick();
    if (breaker.state() == CircuitState.OPEN) {
      // Not over yet (re-opened meanwhile, or the timer was early): look again shortly. A
      // re-opening schedules its own timer too; the extra look is harmless.
      scheduler.schedule(Duration.ofMillis(RECHECK_MILLIS), () -> tick(breaker));
    }
  }

  @Override
  public String toString() {
    return "circuit breakers of pool " + pool.name() + ": " + breakers.values();
  }
}
