package io.ballast.core.retry;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Cumulative counts of a pool's requests, attempts and retry decisions by reason, for
 * {@code /metrics}. Thread-safe and non-blocking: event loops increment (no allocation), any
 * thread reads.
 */
public final class RetryCounters {
  private static final RetryDecision[] DECISIONS = RetryDecision.values();

  private final LongAdder requests = new LongAdder();
  private final LongAdder attempts = new LongAdder();
  private final LongAdder[] decisions = new LongAdder[DECISIONS.length];

  public RetryCounters() {
    for (int i = 0; i < decisions.length; i++) {
      decisions[i] = new LongAdder();
    }
  }

  void request() {
    requests.increment();
  }

  void attempt() {
    attempts.increment();
  }

  void record(RetryDecision decision) {
    decisions[decision.ordinal()].increment();
  }

  /** Requests started. */
  public long requests() {
    return requests.sum();
  }

  /** Attempts sent to (or tried on) a backend, first attempts included. */
  public long attempts() {
    return attempts.sum();
  }

  /** Times this decision was taken. */
  public long count(RetryDecision decision) {
    return decisions[decision.ordinal()].sum();
  }

  /** Retries granted, whatever the reason. */
  public long retries() {
    long total = 0;
    for (RetryDecision d : DECISIONS) {
      if (d.retry()) {
        total += count(d);
      }
    }
    return total;
  }

  /** Every decision's count, in declaration order; allocates, for scrapes only. */
  public Map<RetryDecision, Long> snapshot() {
    Map<RetryDecision, Long> map = new EnumMap<>(RetryDecision.class);
    for (RetryDecision d : DECISIONS) {
      map.put(d, count(d));
    }
    return Collections.unmodifiableMap(map);
  }

  @Override
  public String toString() {
    return "RetryCounters[requests=" + requests() + ", attempts=" + attempts() + ", "
        + snapshot() + "]";
  }
}
