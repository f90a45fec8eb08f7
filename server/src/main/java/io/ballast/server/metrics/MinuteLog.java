package io.ballast.server.metrics;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Lets an event that can come in floods (a refused connection, a listener holding its accepts)
 * be logged at most once a minute per key, with how many times it happened since the last line:
 * an attack must not flood the log or the disk.
 *
 * <p>Thread-safe: one small lock per key, taken per event.
 */
final class MinuteLog {
  private static final long EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

  /** Per key: when its last line was logged, and the events since. */
  private final ConcurrentHashMap<String, long[]> last = new ConcurrentHashMap<>();

  /**
   * Counts one event of {@code key}; returns how many to say on a line now (this one and those
   * since the last line), or 0 when the key had its line this minute.
   */
  long count(String key) {
    long now = System.nanoTime();
    long[] state = last.computeIfAbsent(key, k -> new long[] {now - EVERY_NANOS, 0});
    synchronized (state) {
      state[1]++;
      if (now - state[0] < EVERY_NANOS) {
        return 0;
      }
      state[0] = now;
      long count = state[1];
      state[1] = 0;
      return count;
    }
  }
}
