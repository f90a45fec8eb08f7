package io.ballast.proxy.http1;

import io.ballast.proxy.ListenerContext;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the listener's observer of each refused request head (the refusal metric, by its fixed
 * kind), and writes one log line per refusal, at most {@link #PER_SECOND} a second for the whole
 * process: an attacker sending malformed requests as fast as it can must not flood the log or
 * the disk. The lines a second's budget left out are counted and said on the next line that is
 * written. Every refusal is still in the access log and the request metrics (its status and
 * reason as the record's error).
 *
 * <p>Thread-safe, lock-free: one CAS per refusal.
 */
final class RefusalLog {
  static final int PER_SECOND = 10;
  private static final Logger LOG = LoggerFactory.getLogger(RefusalLog.class);
  /** Second of the current window (high bits) and lines written in it (low 16 bits). */
  private static final AtomicLong WINDOW = new AtomicLong();
  private static final AtomicLong SUPPRESSED = new AtomicLong();

  private RefusalLog() {}

  /** Counts {@code rejection} of a request from {@code client}, and logs it if allowed. */
  static void refused(ListenerContext listener, String client,
      RequestChecks.Rejection rejection) {
    listener.observer().onRequestRefused(listener.name(), rejection.status(), rejection.kind());
    if (!LOG.isInfoEnabled()) {
      return;
    }
    if (!allowed(System.currentTimeMillis() / 1000)) {
      SUPPRESSED.incrementAndGet();
      return;
    }
    long suppressed = SUPPRESSED.getAndSet(0);
    LOG.info("listener {}: refused a request from {}: {} ({}){}", listener.name(), client,
        rejection.status(), rejection.reason(),
        suppressed == 0 ? "" : "; " + suppressed + " more refusals not logged");
  }

  /** True when the window of {@code second} still has room (and takes it). */
  static boolean allowed(long second) {
    while (true) {
      long w = WINDOW.get();
      long next;
      if (w >>> 16 != second) {
        next = second << 16 | 1;
      } else if ((w & 0xffff) < PER_SECOND) {
        next = w + 1;
      } else {
        return false;
      }
      if (WINDOW.compareAndSet(w, next)) {
        return true;
      }
    }
  }
}
