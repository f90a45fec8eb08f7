package io.ballast.core.pick;

import java.time.Duration;
import java.util.Objects;

/**
 * The tunables of every algorithm, each used only by the algorithms named in its description.
 * Immutable; validated at construction with "field: value (expected: ...)" messages.
 *
 * @param choices least-request: backends sampled per pick (power of d choices), at least 2
 * @param activeRequestBias least-request with unequal weights: weight / (active + 1)^bias, as
 *     Envoy's active_request_bias; 0 ignores load, 1 is the default
 * @param ewmaDecay peak-ewma: the time constant over which old latency observations fade
 * @param connectionWeight least-connections-response-time: factor of the connection term
 * @param responseTimeWeight least-connections-response-time: factor of the response-time term
 * @param capacity least-connections-response-time: requests in flight a weight-1 backend is
 *     expected to hold (the connection term is in-flight / (capacity × weight))
 * @param ringSize ring-hash: virtual nodes on the ring in total (spread over members by weight)
 * @param maglevTableSize maglev: lookup table size, a prime (65537 as in the Maglev paper)
 * @param loadBoundEpsilon bounded-load-hash: no backend holds more than ceil((1 + ε) × average)
 *     of the requests in flight
 */
public record AlgorithmOptions(
    int choices,
    double activeRequestBias,
    Duration ewmaDecay,
    double connectionWeight,
    double responseTimeWeight,
    int capacity,
    int ringSize,
    int maglevTableSize,
    double loadBoundEpsilon) {

  public static final AlgorithmOptions DEFAULTS =
      new AlgorithmOptions(2, 1.0, Duration.ofSeconds(10), 1.0, 1.0, 100, 1024, 65537, 0.25);

  /** Largest ring and table accepted: 8 Mi entries (Envoy's ring maximum). */
  public static final int MAX_TABLE = 1 << 23;

  public AlgorithmOptions {
    if (choices < 2 || choices > 64) {
      throw new IllegalArgumentException("choices: " + choices + " (expected: 2..64)");
    }
    if (!(activeRequestBias >= 0 && activeRequestBias <= 10)) {
      throw new IllegalArgumentException(
          "activeRequestBias: " + activeRequestBias + " (expected: 0..10)");
    }
    Objects.requireNonNull(ewmaDecay, "ewmaDecay");
    if (ewmaDecay.isNegative() || ewmaDecay.isZero()) {
      throw new IllegalArgumentException("ewmaDecay: " + ewmaDecay + " (expected: > 0)");
    }
    if (!(connectionWeight >= 0) || !(responseTimeWeight >= 0)
        || connectionWeight + responseTimeWeight <= 0) {
      throw new IllegalArgumentException("connectionWeight/responseTimeWeight: " + connectionWeight
          + "/" + responseTimeWeight + " (expected: >= 0, not both 0)");
    }
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= 1)");
    }
    if (ringSize < 1 || ringSize > MAX_TABLE) {
      throw new IllegalArgumentException(
          "ringSize: " + ringSize + " (expected: 1.." + MAX_TABLE + ")");
    }
    if (maglevTableSize < 3 || maglevTableSize > MAX_TABLE || !isPrime(maglevTableSize)) {
      throw new IllegalArgumentException(
          "maglevTableSize: " + maglevTableSize + " (expected: a prime in 3.." + MAX_TABLE + ")");
    }
    if (!(loadBoundEpsilon > 0 && loadBoundEpsilon <= 10)) {
      throw new IllegalArgumentException(
          "loadBoundEpsilon: " + loadBoundEpsilon + " (expected: > 0 and <= 10)");
    }
  }

  /** True when n is prime (trial division; called at config time only). */
  public static boolean isPrime(int n) {
    if (n < 2 || n % 2 == 0) {
      return n == 2;
    }
    for (int d = 3; (long) d * d <= n; d += 2) {
      if (n % d == 0) {
        return false;
      }
    }
    return true;
  }
}
