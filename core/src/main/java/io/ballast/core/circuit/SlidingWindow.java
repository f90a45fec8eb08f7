package io.ballast.core.circuit;

/**
 * The outcomes a {@link CircuitBreaker} judges: a fixed-size ring of the last calls or one-second
 * buckets. Implementations are thread-safe and lock-free; {@link #record} allocates nothing.
 */
sealed interface SlidingWindow permits CountWindow, TimeWindow {

  /**
   * Adds one call ({@link Tally#CALL}, plus {@link Tally#FAILED} and/or {@link Tally#SLOW}) seen at
   * {@code nowNanos} and returns the window's totals after it, packed by {@link Tally}.
   */
  long record(long outcome, long nowNanos);

  /** The window's totals now, packed by {@link Tally}. */
  long snapshot(long nowNanos);

  /**
   * Empties the window as of {@code nowNanos}. Safe while other threads record: every removed
   * count is subtracted from the totals exactly once, so the totals stay the sum of what is left.
   */
  void reset(long nowNanos);
}
