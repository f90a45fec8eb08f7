package io.ballast.core.circuit;

/** How a {@link CircuitBreaker}'s closed-state sliding window is bounded. */
public enum WindowType {
  /** The last {@code windowSize} calls (a ring buffer). */
  COUNT,
  /** The calls of the last {@code windowSize} seconds (one bucket per second of the ticker). */
  TIME
}
