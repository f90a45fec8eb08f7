package io.ballast.core.circuit;

import io.ballast.core.Backend;
import io.ballast.core.Scheduler;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.core.pool.PoolListener;
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
 * <p>Membership: the breakers follow the pool's members (they listen to the pool). A backend that
 * joins gets a fresh breaker installed as its gate before any picker contains it; one that leaves
 * loses its breaker here, though the breaker stays its gate so that requests still in flight
 * report somewhere: its transitions no longer move the picker and its timer stops.
 *
 * <p>Thread-safe: breakers are called by event loops; transitions arrive on whichever thread made
 * them and are applied on the control loop, reading the breaker's state at that moment so that
 * transitions reported out of order cannot leave the picker wrong. The breakers are held in a
 * copy-on-write map, so {@link #breaker} reads a consistent set.
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
  private final CircuitBreakerSettings settings;
  private final Listener listener;
  /** Replaced whole on the control loop (copy on write). */
  private volatile Map<Backend, CircuitBreaker> breakers = Map.of();
  private final PoolListener members = new PoolListener() {
    @Override
    public void onMembersChanged(LoadBalancer p, List<Backend> added, List<Backend> removed,
        List<Backend> updated, String reason) {
      follow(added, removed);
    }
  };

  /**
   * Builds a breaker per backend of {@code pool} and installs it in each backend's load
   * ({@link Backend#useGate}), where the proxy finds it; from then on the breakers follow the
   * pool's members, until {@link #close()}.
   */
  public PoolCircuitBreakers(LoadBalancer pool, CircuitBreakerSettings settings,
      Scheduler scheduler, Listener listener) {
    this.pool = Objects.requireNonNull(pool, "pool");
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.listener = Objects.requireNonNull(listener, "listener");
    follow(pool.backends(), List.of());
    pool.addListener(members);
  }

  /** Breakers for {@code added}, none for {@code removed}; publishes the map once. */
  private void follow(List<Backend> added, List<Backend> removed) {
    Map<Backend, CircuitBreaker> next = new IdentityHashMap<>(breakers);
    removed.forEach(next::remove);
    for (Backend b : added) {
      CircuitBreaker[] self = new CircuitBreaker[1];
      CircuitBreaker breaker = new CircuitBreaker(settings, scheduler.ticker(), t -> {
        listener.onTransition(b, t);
        scheduler.execute(() -> sync(b, self[0]));
      });
      self[0] = breaker;
      next.put(b, breaker);
      b.useGate(breaker);
    }
    breakers = next;
  }

  /** Stops following the pool's members; the breakers stay installed. Thread-safe. */
  public void close() {
    pool.removeListener(members);
  }

  /** The backend's breaker. Thread-safe. */
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

  /**
   * Control loop: makes the picker agree with the breaker, and arms the open-time timer; not for
   * a breaker whose backend has left the pool.
   */
  private void sync(Backend backend, CircuitBreaker breaker) {
    if (breakers.get(backend) != breaker) {
      return;
    }
    boolean open = breaker.state() == CircuitState.OPEN;
    pool.setCircuitOpen(backend, open);
    if (open) {
      scheduler.schedule(breaker.settings().waitInOpen().plusMillis(1),
          () -> tick(backend, breaker));
    }
  }

  private void tick(Backend backend, CircuitBreaker breaker) {
    if (breakers.get(backend) != breaker) {
      return;
    }
    breaker.tick();
    if (breaker.state() == CircuitState.OPEN) {
      // Not over yet (re-opened meanwhile, or the timer was early): look again shortly. A
      // re-opening schedules its own timer too; the extra look is harmless.
      scheduler.schedule(Duration.ofMillis(RECHECK_MILLIS), () -> tick(backend, breaker));
    }
  }

  @Override
  public String toString() {
    return "circuit breakers of pool " + pool.name() + ": " + breakers.values();
  }
}
