package io.ballast.sim;

import io.ballast.core.circuit.CircuitBreakerSettings;
import io.ballast.core.circuit.PoolCircuitBreakers;
import io.ballast.core.circuit.WindowType;
import java.util.Map;
import java.util.Set;

/**
 * {@code circuit_breaker}: core's {@link PoolCircuitBreakers} on the variant's pool (a breaker
 * per backend, an open one takes its backend out of the picker), on the virtual scheduler; the
 * simulator asks each breaker before an attempt and reports the outcome, as the proxy does.
 *
 * <p>Settings (all optional, core's defaults otherwise): {@code window} (calls),
 * {@code minimum_calls}, {@code failure_rate} (percent), {@code slow_call_duration},
 * {@code slow_call_rate} (percent), {@code wait_in_open}, {@code permitted_in_half_open},
 * {@code max_concurrent} (0: unlimited). Stateless.
 */
public final class CircuitBreakerFeature implements VariantFeature {
  public static final String KEY = "circuit_breaker";
  private static final Set<String> KNOWN = Set.of("window", "minimum_calls", "failure_rate",
      "slow_call_duration", "slow_call_rate", "wait_in_open", "permitted_in_half_open",
      "max_concurrent");

  @Override
  public void validate(Map<String, Object> settings) {
    settings(settings);
  }

  static CircuitBreakerSettings settings(Map<String, Object> raw) {
    FeatureSettings s = new FeatureSettings(raw, KNOWN);
    CircuitBreakerSettings d = CircuitBreakerSettings.DEFAULTS;
    int window = s.integer("window", d.windowSize());
    return new CircuitBreakerSettings(WindowType.COUNT, window,
        s.integer("minimum_calls", Math.min(d.minimumCalls(), window)),
        s.number("failure_rate", d.failureRateThreshold()),
        s.duration("slow_call_duration", d.slowCallDurationThreshold()),
        s.number("slow_call_rate", d.slowCallRateThreshold()),
        s.duration("wait_in_open", d.waitInOpen()),
        s.integer("permitted_in_half_open", d.permittedCallsInHalfOpen()),
        s.integer("max_concurrent", d.maxConcurrentRequests()));
  }

  @Override
  public void attach(SimPool pool, Map<String, Object> raw) {
    new PoolCircuitBreakers(pool.loadBalancer(), settings(raw), pool.scheduler(),
        PoolCircuitBreakers.Listener.NONE);
  }
}
