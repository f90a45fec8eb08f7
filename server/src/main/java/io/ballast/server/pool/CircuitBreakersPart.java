package io.ballast.server.pool;

import io.ballast.core.AttemptGate;
import io.ballast.core.Backend;
import io.ballast.core.circuit.CircuitBreakerSettings;
import io.ballast.core.circuit.CircuitState;
import io.ballast.core.circuit.PoolCircuitBreakers;
import io.ballast.core.pool.LoadBalancer;
import io.ballast.server.config.PoolConfig;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A circuit breaker per member: an open one takes its backend out of the picker until trial
 * calls may go. Each transition is logged once with the figures that decided it, and recorded
 * as a decision. Stopped, every member's gate opens for good and no circuit stays open.
 */
final class CircuitBreakersPart
    implements PoolPart<CircuitBreakerSettings, CircuitBreakersPart.Started> {
  static final CircuitBreakersPart INSTANCE = new CircuitBreakersPart();
  private static final Logger STATE_LOG = LoggerFactory.getLogger("io.ballast.state");
  private static final Logger log = LoggerFactory.getLogger(CircuitBreakersPart.class);

  private CircuitBreakersPart() {}

  /** Running breakers. */
  record Started(LoadBalancer pool, PoolCircuitBreakers breakers) implements Running {
    @Override
    public void close() {
      breakers.close();
      for (Backend b : pool.backends()) {
        b.useGate(AttemptGate.OPEN);
        pool.setCircuitOpen(b, false);
      }
    }
  }

  @Override
  public String name() {
    return "circuit breakers";
  }

  @Override
  public Optional<CircuitBreakerSettings> settings(PoolConfig config) {
    return config.circuitBreaker();
  }

  @Override
  public Started start(LoadBalancer pool, PoolConfig config, CircuitBreakerSettings settings,
      PoolServices services) {
    PoolCircuitBreakers breakers = new PoolCircuitBreakers(pool, settings, services.control(),
        (backend, t) -> {
          String from = lower(t.from());
          String to = lower(t.to());
          if (t.to() == CircuitState.OPEN) {
            STATE_LOG.warn("pool {} backend {} ({}): circuit {} -> {}: {}", pool.name(),
                backend.name(), backend.address(), from, to, t.reason());
          } else {
            STATE_LOG.info("pool {} backend {} ({}): circuit {} -> {}: {}", pool.name(),
                backend.name(), backend.address(), from, to, t.reason());
          }
          services.decisions().circuit(pool, backend, from, to, t.reason());
        });
    log.info("pool {}: circuit breakers ({} window of {}, open at {}% failures or {}% calls "
        + "slower than {} ms, {} ms open)", pool.name(), lower(settings.windowType()),
        settings.windowSize(), settings.failureRateThreshold(), settings.slowCallRateThreshold(),
        settings.slowCallDurationThreshold().toMillis(), settings.waitInOpen().toMillis());
    return new Started(pool, breakers);
  }

  private static String lower(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }
}
