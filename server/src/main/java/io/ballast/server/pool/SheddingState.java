package io.ballast.server.pool;

import io.ballast.core.shed.ConcurrencyLimiter;
import io.ballast.core.shed.PoolShedder;
import io.ballast.core.shed.Priority;
import io.ballast.core.shed.WaitingLine;
import java.time.Duration;

/**
 * What a pool's load shedding is doing at one moment, for the admin view: the limit and each
 * class's threshold, the requests in flight and waiting, the baseline the limit is judged
 * against, and what was refused and waited so far. Immutable; read from counters that move on, so
 * the figures are each exact but not taken at one instant together.
 *
 * @param pool the pool's name
 * @param limit the concurrency limit (critical requests are admitted below it)
 * @param thresholds each class's threshold, by {@link Priority#ordinal()}
 * @param inFlight requests admitted and not ended
 * @param baselineMillis the baseline median latency the limit is judged against; 0 before the
 *     first judged window
 * @param tolerance how far above the baseline the median may rise
 * @param refused requests refused so far, by {@link Priority#ordinal()}
 * @param waited requests that met the limit and waited for a place, so far
 * @param waiting requests waiting for a place now
 * @param queueTimeout how long a request waits for a place; zero: refused at once
 * @param queueSize the most requests that wait at once; 0 without a line
 */
public record SheddingState(String pool, int limit, int[] thresholds, int inFlight,
    double baselineMillis, double tolerance, long[] refused, long waited, int waiting,
    Duration queueTimeout, int queueSize) {

  static SheddingState of(ConcurrencyLimiter limiter, PoolShedder shedder, WaitingLine line,
      Duration queueTimeout) {
    Priority[] classes = Priority.values();
    int[] thresholds = new int[classes.length];
    long[] refused = new long[classes.length];
    for (Priority p : classes) {
      thresholds[p.ordinal()] = limiter.threshold(p);
      refused[p.ordinal()] = limiter.refused(p);
    }
    return new SheddingState(limiter.pool(), limiter.limit(), thresholds, limiter.inFlight(),
        shedder == null ? 0 : shedder.baselineNanos() / 1e6,
        shedder == null ? 0 : shedder.settings().tolerance(), refused, limiter.queued(),
        line == null ? 0 : line.waiting(), line == null ? Duration.ZERO : queueTimeout,
        line == null ? 0 : line.capacity());
  }
}
