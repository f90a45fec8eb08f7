package io.ballast.core.circuit;

import java.util.Objects;

/**
 * One state change of a {@link CircuitBreaker}, with the reason in words and numbers (for example
 * {@code "failure rate 62.5% ≥ 50% over 16 calls"}).
 *
 * @param from the state left
 * @param to the state entered
 * @param reason why, with the figures that decided it
 * @param atNanos the breaker's ticker reading when it happened
 */
public record CircuitTransition(CircuitState from, CircuitState to, String reason, long atNanos) {
  public CircuitTransition {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(reason, "reason");
  }

  @Override
  public String toString() {
    return from + " -> " + to + ": " + reason;
  }
}
