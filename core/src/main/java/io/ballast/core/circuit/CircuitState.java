package io.ballast.core.circuit;

/** The three states of a {@link CircuitBreaker}. */
public enum CircuitState {
  /** Calls flow; outcomes fill the sliding window, which may open the circuit. */
  CLOSED,
  /** Calls are refused until {@code waitInOpen} has elapsed. */
  OPEN,
  /** A few trial calls are let through; their outcomes close or reopen the circuit. */
  HALF_OPEN
}
