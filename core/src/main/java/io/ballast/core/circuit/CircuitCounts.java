package io.ballast.core.circuit;

/**
 * A point-in-time view of one {@link CircuitBreaker} for metrics and the admin listener. The
 * window figures are those of the current state's window (in {@link CircuitState#OPEN}, the window
 * that opened the circuit); the counters are cumulative since the breaker was built. A TIME window
 * holding more than 2,097,151 calls reports its counts scaled down to that many, rates unchanged.
 *
 * @param state the current state
 * @param calls calls recorded in the current window
 * @param failedCalls failed calls among them
 * @param slowCalls slow calls among them (a call can be both failed and slow)
 * @param notPermitted calls refused because the circuit was open or half-open with no permit left
 * @param rejectedByConcurrency calls refused because {@code maxConcurrentRequests} was reached
 * @param inFlight calls holding a concurrency permit now (0 when concurrency is unlimited)
 * @param transitions state changes so far
 */
public record CircuitCounts(
    CircuitState state,
    int calls,
    int failedCalls,
    int slowCalls,
    long notPermitted,
    long rejectedByConcurrency,
    int inFlight,
    long transitions) {

  /** Failed calls as a percentage of the window's calls; -1 when the window is empty. */
  public float failureRate() {
    return calls == 0 ? -1f : failedCalls * 100.0f / calls;
  }

  /** Slow calls as a percentage of the window's calls; -1 when the window is empty. */
  public float slowCallRate() {
    return calls == 0 ? -1f : slowCalls * 100.0f / calls;
  }
}
